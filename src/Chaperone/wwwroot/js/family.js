// The family page's join button, closed until the call opens: at the time the server gave,
// reckoned by the server's clock (the page says how far this device's clock is from it), the page
// fetches itself again and takes its join section (and, for a Teams session, its consent) from it,
// so that whatever the parent has typed elsewhere on the page stays.
(() => {
  "use strict";
  const section = document.querySelector("[data-join-section][data-opens-at]");
  if (!section) return;
  const opensAt = Date.parse(section.dataset.opensAt);
  const skew = Date.parse(section.dataset.now) - Date.now();
  if (Number.isNaN(opensAt) || Number.isNaN(skew)) return;
  section.querySelector("[data-join-by-itself]").hidden = false;
  const left = () => opensAt - (Date.now() + skew);

  const look = async () => {
    // At most a minute at a time, so that a device that slept looks again soon after it wakes.
    if (left() > 0) return setTimeout(look, Math.min(left() + 500, 60000));
    let fresh = null;
    try {
      const response = await fetch(location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (response.ok) fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (e) {
      console.warn(e);
    }
    const join = fresh?.querySelector("[data-join-section]");
    if (!join || join.dataset.opensAt) {
      // Not yet by the server's clock (or no answer): look again shortly, for a minute or so.
      if (left() > -90000) setTimeout(look, 5000);
      return;
    }
    const consent = fresh.querySelector("[data-family-consent]");
    const current = document.querySelector("[data-family-consent]");
    if (consent && current) current.replaceWith(document.adoptNode(consent));
    else if (consent) section.before(document.adoptNode(consent));
    section.querySelector("[data-join]").replaceWith(document.adoptNode(join.querySelector("[data-join]")));
    section.querySelector("[data-join-hint]").textContent = join.querySelector("[data-join-hint]").textContent;
    section.querySelector("[data-join-by-itself]")?.remove();
    delete section.dataset.opensAt;
  };
  look();
})();

// The family page's camera and microphone test: a preview of the camera and a level meter for
// the microphone, all in this browser (nothing is sent anywhere). Says plainly what to do when
// the browser refuses, or when there is no camera or microphone.
(() => {
  "use strict";
  const root = document.querySelector("[data-media-test]");
  if (!root) return;
  const controls = root.querySelector("[data-media-controls]");
  const start = root.querySelector("[data-media-start]");
  const stop = root.querySelector("[data-media-stop]");
  const preview = root.querySelector("[data-media-preview]");
  const level = root.querySelector("[data-media-level]");
  const status = root.querySelector("[data-media-status]");
  root.querySelector("[data-needs-script]")?.remove();
  controls.hidden = false;

  let stream = null;
  let audio = null;
  let frame = 0;
  let camera = false;
  let microphone = false;

  const say = (text, state) => {
    status.textContent = text;
    status.classList.toggle("is-ok", state === "working");
    status.classList.toggle("is-bad", state === "failed");
    root.dataset.state = state;
  };

  const explain = (error) => {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return "The browser was not allowed to use the camera and microphone. Allow them in the browser's settings (often a camera icon in the address bar), then press \"Start the test\" again.";
      case "NotFoundError":
      case "OverconstrainedError":
        return "No camera or microphone was found on this device. Check that they are plugged in and switched on, or use another device for the call.";
      case "NotReadableError":
      case "AbortError":
        return "The camera or microphone is busy or switched off. Close other apps that may be using them (such as another video call) and try again.";
      default:
        return "The camera and microphone could not be started on this device. Try again, or try another browser or device.";
    }
  };

  const report = () => {
    if (camera && microphone) say("Your camera and microphone are working.", "working");
    else if (camera) say("Your camera is working. Speak or make a sound to check the microphone.", "checking");
  };

  const stopAll = () => {
    cancelAnimationFrame(frame);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    if (audio) audio.close();
    stream = null;
    audio = null;
    preview.srcObject = null;
    level.value = 0;
    start.disabled = false;
    stop.disabled = true;
  };

  const listen = () => {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context || stream.getAudioTracks().length === 0) return;
    audio = new Context();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const tick = () => {
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += ((v - 128) / 128) ** 2;
      const rms = Math.min(1, Math.sqrt(sum / samples.length) * 3);
      level.value = rms;
      if (!microphone && rms > 0.02) {
        microphone = true;
        report();
      }
      frame = requestAnimationFrame(tick);
    };
    if (audio.state === "suspended") audio.resume();
    tick();
  };

  start.addEventListener("click", async () => {
    if (!window.isSecureContext) {
      say("The camera test only works on a secure (https) address. Open the link exactly as the school sent it.", "failed");
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("This browser cannot use a camera. Please use an up-to-date browser such as Chrome, Edge, Firefox or Safari.", "failed");
      return;
    }
    stopAll();
    start.disabled = true;
    camera = false;
    microphone = false;
    say("Starting your camera and microphone…", "checking");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    } catch (error) {
      stopAll();
      say(explain(error), "failed");
      return;
    }
    stop.disabled = false;
    preview.srcObject = stream;
    const showing = () => {
      if (preview.videoWidth > 0 && !camera) {
        camera = true;
        report();
      }
    };
    preview.addEventListener("loadeddata", showing, { once: true });
    preview.addEventListener("playing", showing, { once: true });
    preview.play().catch(() => {});
    listen();
  });

  stop.addEventListener("click", () => {
    stopAll();
    say("The test has stopped. Press \"Start the test\" to try again.", "stopped");
  });
})();
