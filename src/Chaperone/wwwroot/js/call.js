// The built-in call room in the browser: SignalR for the room's state and signalling, a WebRTC
// mesh (perfect negotiation) for media. No text chat: the only messages are the room's own.
(() => {
  'use strict';
  const root = document.getElementById('call');
  if (!root) return;
  const role = root.dataset.role;
  const iceServers = JSON.parse(root.dataset.ice || '[]');
  // Relay only: media goes through the school's TURN server, so neither side learns the other's network address.
  const iceTransportPolicy = root.dataset.relay === 'true' ? 'relay' : 'all';
  const $ = id => document.getElementById(id);
  // Draws a list again from the latest state, keeping the keyboard's focus on the control drawn
  // again with the same data-key (a teacher tabbing to "Admit …" keeps their place while the
  // lobby changes); a control no longer drawn lets the focus go.
  const redraw = (container, draw) => {
    const key = container.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
    container.replaceChildren();
    draw();
    if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
  };
  const peers = new Map();   // party id -> { pc, polite, makingOffer, ignoreOffer, video }
  let me = role === 'teacher' ? 'teacher' : null;
  let state = null;
  let localStream = null;
  let recorder = null;

  // The room in the address lets a load balancer keep every connection of this call on one instance.
  const hub = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/call?room=' + encodeURIComponent(root.dataset.session))
    .withAutomaticReconnect()
    .build();

  // Clause 3: the teacher is warned as the end of school hours nears, by the server's clock (the
  // page says how far this device's clock is from it), until the session is closed.
  const hoursNote = document.querySelector('[data-hours-end]');
  const hoursSoon = document.querySelector('[data-hours-soon]');
  const hoursEndAt = hoursNote ? Date.parse(hoursNote.dataset.endsAt) : NaN;
  const hoursSkew = hoursNote ? Date.parse(hoursNote.dataset.now) - Date.now() : 0;
  function warnHours() {
    if (!hoursSoon || Number.isNaN(hoursEndAt)) return;
    const left = Math.ceil((hoursEndAt - (Date.now() + hoursSkew)) / 60000);
    const over = state && (state.phase === 'Ended' || state.phase === 'Closed');
    const text = over || left > 10 ? ''
      : left > 0 ? `School hours end in ${left} minute${left === 1 ? '' : 's'}: bring the call to a close, the family leaving first (clause 3).`
      : 'School hours have ended: end the family\'s part and close the session now (clause 3).';
    if (hoursSoon.textContent !== text) hoursSoon.textContent = text;
    hoursSoon.hidden = !text;
  }
  if (hoursSoon) {
    warnHours();
    setInterval(warnHours, 15000);
  }

  function say(text) { $('status').textContent = text; }
  function fail(text) { const e = $('error'); e.textContent = text || ''; e.hidden = !text; }

  async function act(method, ...args) {
    fail('');
    const answer = await hub.invoke(method, ...args);
    if (!answer.ok) fail(answer.message);
    return answer;
  }

  // Removing an unknown person saves a safeguarding concern draft at once (clause 12); the teacher completes and raises it.
  async function removeUnknown(id) {
    const answer = await act('RemoveUnknownPerson', id);
    const note = $('concern-draft');
    if (answer.ok && answer.link && note) {
      note.textContent = answer.message + ' ';
      const a = document.createElement('a');
      a.href = answer.link;
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = 'Complete and raise the concern (opens in a new tab)';
      note.appendChild(a);
      note.hidden = false;
    }
  }

  async function media() {
    if (localStream) return localStream;
    localStream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
    $('local').srcObject = localStream;
    for (const p of peers.values()) addTracks(p.pc);
    return localStream;
  }

  function addTracks(pc) {
    if (!localStream) return;
    const senders = pc.getSenders().map(s => s.track);
    for (const t of localStream.getTracks()) if (!senders.includes(t)) pc.addTrack(t, localStream);
  }

  function peer(id) {
    let p = peers.get(id);
    if (p) return p;
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy });
    p = { pc, polite: me < id, makingOffer: false, ignoreOffer: false, video: null, stream: null };
    peers.set(id, p);
    pc.onnegotiationneeded = async () => {
      try {
        p.makingOffer = true;
        await pc.setLocalDescription();
        await send(id, { description: pc.localDescription });
      } catch (e) { console.warn(e); } finally { p.makingOffer = false; }
    };
    pc.onicecandidate = ({ candidate }) => { if (candidate) send(id, { candidate }); };
    // A network change or a failed path: restart ICE rather than drop the call.
    pc.oniceconnectionstatechange = () => { if (pc.iceConnectionState === 'failed') pc.restartIce(); };
    pc.ontrack = ({ track, streams }) => {
      if (!p.video) {
        const figure = document.createElement('figure');
        figure.dataset.peer = id;
        p.video = document.createElement('video');
        p.video.autoplay = true; p.video.playsInline = true;
        p.video.setAttribute('aria-label', id === 'teacher' ? 'The teacher' : 'The family');
        const caption = document.createElement('figcaption');
        caption.textContent = id === 'teacher' ? 'Teacher' : 'Family';
        figure.append(p.video, caption);
        $('remotes').append(figure);
      }
      // ontrack fires per track: attach the stream once.
      const stream = streams[0] || new MediaStream([track]);
      if (p.video.srcObject !== stream) { p.video.srcObject = stream; p.stream = stream; }
      if (recorder) recorder.addStream(stream);
    };
    addTracks(pc);
    return p;
  }

  function drop(id) {
    const p = peers.get(id);
    if (!p) return;
    p.pc.close();
    document.querySelector(`figure[data-peer="${id}"]`)?.remove();
    peers.delete(id);
  }

  async function send(to, message) {
    try { await hub.invoke('Signal', to, JSON.stringify(message)); } catch (e) { console.warn(e); }
  }

  // Signals from one party are handled one at a time, in the order they came. The server relays a
  // signal only between parties that may connect now, but this page's own state saying so travels
  // separately and may come after the first offer: such a signal waits for it (a while), rather
  // than being dropped, which would leave both sides waiting on each other with no media.
  const chains = new Map();
  const waiting = new Map();
  function allowed(id) {
    if (state && state.peers.includes(id)) return Promise.resolve(true);
    return new Promise(resolve => {
      waiting.set(id, [...(waiting.get(id) || []), resolve]);
      setTimeout(() => resolve(false), 10000);
    });
  }
  function letIn(ids) {
    for (const id of ids) {
      const list = waiting.get(id);
      if (list) { waiting.delete(id); for (const resolve of list) resolve(true); }
    }
  }
  hub.on('signal', (from, payload) => {
    const next = (chains.get(from) || Promise.resolve()).then(() => handleSignal(from, payload));
    chains.set(from, next);
  });

  async function handleSignal(from, payload) {
    if (!await allowed(from) || !state.peers.includes(from)) return;
    const p = peer(from);
    const pc = p.pc;
    let message;
    try { message = JSON.parse(payload); } catch { return; }
    try {
      if (message.description) {
        const description = message.description;
        const collision = description.type === 'offer' && (p.makingOffer || pc.signalingState !== 'stable');
        p.ignoreOffer = !p.polite && collision;
        if (p.ignoreOffer) return;
        await pc.setRemoteDescription(description);
        if (description.type === 'offer') {
          await pc.setLocalDescription();
          await send(from, { description: pc.localDescription });
        }
      } else if (message.candidate) {
        try { await pc.addIceCandidate(message.candidate); } catch (e) { if (!p.ignoreOffer) throw e; }
      }
    } catch (e) { console.warn(e); }
  }

  hub.on('replaced', text => { fail(text); say('This call continues on your other device.'); hub.stop(); });

  hub.on('state', async s => {
    state = s;
    warnHours();
    if (s.me) me = s.me;
    for (const id of [...peers.keys()]) if (!s.peers.includes(id)) drop(id);
    if (s.peers.length > 0) {
      try { await media(); } catch (e) { fail('Your camera or microphone could not be started: ' + e.message); }
      for (const id of s.peers) peer(id);
    }
    letIn(state.peers);
    // A supervision lapse pauses media for everyone; a muted device's microphone is off.
    if (localStream) {
      for (const t of localStream.getVideoTracks()) t.enabled = !s.lapse;
      for (const t of localStream.getAudioTracks()) t.enabled = !s.lapse && !(role === 'teacher' ? s.teacherMuted : s.muted);
    }
    $('recording').hidden = !s.recording;
    $('lapse').hidden = !s.lapse;
    if (role === 'teacher') renderTeacher(s); else renderFamily(s);
  });

  // ---- Teacher -------------------------------------------------------------------------------
  const clauseNames = { 1: 'Consent and supervision', 3: 'Hosted by the teacher', 4: 'Three participants', 6: 'Family leaves first', 7: 'Expectations', 9: 'Room', 10: 'Dress' };

  function renderTeacher(s) {
    const phaseText = { Open: 'The room is open. Admit the family from the lobby when they are ready.', Live: 'The session has started.', FamilyEnded: "The family's part has ended. Close the session.", Ended: 'The session is closed.', Closed: 'The room is closed.' };
    say(phaseText[s.phase] || s.phase);
    const list = $('families');
    $('lobby-empty').hidden = s.families.length > 0;
    redraw(list, () => {
      for (const f of s.families) {
        const li = document.createElement('li');
        const where = !f.connected ? 'not connected' : f.place === 'Lobby' ? 'waiting in the lobby' : f.place === 'InCall' ? 'in the call' : f.place === 'Removed' ? 'removed' : 'has left';
        const who = f.pupilsPresent ? `With: ${f.pupilsPresent.join(', ') || 'no pupil'}; ${f.staysThroughout ? 'will stay throughout' : 'has NOT said they will stay'}; checklist ${f.checklistComplete ? 'complete' : 'incomplete'}.` : 'Has not yet said who is present.';
        const text = document.createElement('p');
        text.textContent = `${f.name} (${f.relationship}${f.parentalResponsibility ? ', parental responsibility' : ''}): ${where}. ${who}`;
        li.append(text);
        const button = (key, label, handler, cls) => { const b = document.createElement('button'); b.type = 'button'; b.className = 'button ' + (cls || 'button-secondary'); b.dataset.key = `${key}:${f.id}`; b.textContent = label; b.onclick = handler; li.append(b, ' '); };
        if (f.connected && f.place === 'Lobby') button('admit', `Admit ${f.name}`, () => act('Admit', f.id), 'button');
        if (f.place === 'InCall') {
          button('mute', f.muted ? `Unmute ${f.name}` : `Mute ${f.name}`, () => act('Mute', f.id, !f.muted));
          button('remove', `End the call: unknown person with ${f.name}`, () => { if (confirm('End the call because an unknown person is present? That device is removed for good, every family leaves the call, and a safeguarding concern is started for the DSL.')) removeUnknown(f.id); }, 'button-danger');
        }
        list.append(li);
      }
    });
    // One consent per family: in a small group each parent consents for their own children, and
    // the teacher confirms each one as given.
    const consent = $('consent');
    if (s.consents.length > 0) {
      redraw(consent, () => {
        for (const c of s.consents) {
          const p = document.createElement('p');
          p.textContent = `${c.guardian} (${c.relationship}) gave consent for ${c.pupils.join(' and ')} at ${new Date(c.givenAt).toLocaleTimeString('en-GB')}${c.confirmed ? ', confirmed by you' : ''}:`;
          const q = document.createElement('blockquote');
          q.textContent = c.text;
          consent.append(p, q);
          if (!c.confirmed) {
            const b = document.createElement('button');
            b.type = 'button'; b.className = 'button';
            b.dataset.key = `confirm-consent:${c.guardianId}`;
            b.textContent = `Confirm the consent of ${c.guardian}`;
            b.onclick = () => act('ConfirmConsent', c.guardianId);
            consent.append(b);
          }
        }
      });
    }
    $('confirm-room').disabled = s.roomChecked;
    $('confirm-room').textContent = s.roomChecked ? "Room confirmed" : "The family's room is suitable";
    $('confirm-dress').disabled = s.dressChecked;
    $('confirm-dress').textContent = s.dressChecked ? 'Dress confirmed' : 'Everyone is appropriately dressed';
    $('expectations-version').textContent = s.expectationsFull ? "The pupil's first session with you: give the full expectations." : 'Give the brief reminder of the expectations.';
    $('expectations-text').textContent = s.expectationsText;
    $('confirm-expectations').disabled = s.phase !== 'Live' || s.expectationsGiven;
    $('start').disabled = s.phase !== 'Open';
    const missing = $('missing');
    missing.replaceChildren();
    if (s.phase === 'Open' && s.startMissing.length > 0) {
      const h = document.createElement('p'); h.textContent = 'Before the session can start:';
      const ul = document.createElement('ul');
      for (const m of s.startMissing) { const li = document.createElement('li'); li.textContent = `${m.message} (clause ${m.clause})`; ul.append(li); }
      missing.append(h, ul);
    }
    $('mute-me').setAttribute('aria-pressed', String(s.teacherMuted));
    $('mute-me').textContent = s.teacherMuted ? 'Unmute my microphone' : 'Mute my microphone';
    $('lapse-toggle').setAttribute('aria-pressed', String(s.lapse));
    $('lapse-toggle').textContent = s.lapse ? 'Supervision resumed' : 'Mark a supervision lapse';
    $('end-family').disabled = !(s.phase === 'Open' || s.phase === 'Live');
    $('close').disabled = s.phase === 'Ended' || s.phase === 'Closed';
    $('outcome-section').hidden = s.phase !== 'Ended';
    const inCall = s.families.filter(f => f.place === 'InCall' && f.connected);
    const bringing = inCall.filter(f => (f.pupilsPresent || []).length > 0);
    const present = [...new Set(bringing.flatMap(f => f.pupilsPresent))];
    const consented = s.consents.length > 0 && s.consents.every(c => c.confirmed);
    const verdicts = [
      [1, consented && !s.lapse, consented ? (s.lapse ? 'Supervision lapse marked' : 'Consent confirmed') : 'Awaiting consent'],
      [3, true, 'You are hosting'],
      [4, inCall.some(f => (f.pupilsPresent || []).length > 0 && f.staysThroughout), inCall.length ? 'Family in the call' : 'Family not in the call'],
      [7, s.expectationsGiven, s.expectationsGiven ? 'Given' : 'Not yet given'],
      [9, s.roomChecked && present.length > 0 && present.every(p => bringing.some(f => f.checklistComplete && f.pupilsPresent.includes(p))), s.roomChecked ? 'Room confirmed' : 'Room not yet confirmed'],
      [10, s.dressChecked, s.dressChecked ? 'Dress confirmed' : 'Dress not yet confirmed'],
      [6, s.phase === 'Ended', s.phase === 'Ended' ? 'Family left first; you closed' : 'At the end: the family leaves first'],
    ];
    const panel = $('compliance');
    panel.replaceChildren();
    for (const [clause, ok, text] of verdicts) {
      const li = document.createElement('li');
      li.className = ok ? 'ok' : 'pending';
      li.textContent = `Clause ${clause} – ${clauseNames[clause]}: ${ok ? 'met' : 'pending'} (${text})`;
      panel.append(li);
    }
    if (s.recording && !recorder) recorder = startRecording();
    if (!s.recording && recorder && !recorder.stopping) recorder.stop();
  }

  // The teacher's browser records the call: both sides drawn on a canvas, all voices mixed, chunks uploaded every few seconds.
  function startRecording() {
    const canvas = document.createElement('canvas');
    canvas.width = 640; canvas.height = 240;
    const g = canvas.getContext('2d');
    const audio = new AudioContext();
    const mix = audio.createMediaStreamDestination();
    const mixed = new Set();
    const addStream = stream => {
      if (mixed.has(stream) || stream.getAudioTracks().length === 0) return;
      mixed.add(stream);
      audio.createMediaStreamSource(stream).connect(mix);
    };
    if (localStream) addStream(localStream);
    for (const p of peers.values()) if (p.stream) addStream(p.stream);
    const draw = setInterval(() => {
      g.fillStyle = '#000'; g.fillRect(0, 0, canvas.width, canvas.height);
      const videos = [$('local'), ...document.querySelectorAll('#remotes video')];
      videos.slice(0, 2).forEach((v, i) => { try { g.drawImage(v, i * 320, 0, 320, 240); } catch { } });
    }, 100);
    const stream = new MediaStream([...canvas.captureStream(10).getVideoTracks(), ...mix.stream.getAudioTracks()]);
    const type = MediaRecorder.isTypeSupported('video/webm;codecs=vp8,opus') ? 'video/webm;codecs=vp8,opus' : 'video/webm';
    const mr = new MediaRecorder(stream, { mimeType: type });
    let index = 0;
    let uploads = Promise.resolve();
    mr.ondataavailable = e => {
      if (e.data.size === 0) return;
      const n = index++;
      uploads = uploads.then(() => upload(n, e.data)).catch(err => console.warn(err));
    };
    // Chunks go up in order. One the server could not store (503, or the network dropped) is sent
    // again after a pause, so a store that is away for a moment loses nothing; any other answer is final.
    async function upload(n, data) {
      for (let attempt = 0; ; attempt++) {
        let response = null;
        try {
          response = await fetch(`/api/v1/sessions/${root.dataset.session}/recording/chunks/${n}`, {
            method: 'POST', body: data, headers: { 'Content-Type': 'video/webm' }, credentials: 'same-origin',
          });
        } catch (err) {
          if (attempt >= 5) throw err;
        }
        if (response && response.status !== 503) return response;
        if (attempt >= 5) throw new Error(`Chunk ${n} of the recording could not be stored.`);
        const after = Number(response && response.headers.get('Retry-After')) || 2 ** attempt;
        await new Promise(resolve => setTimeout(resolve, Math.min(after, 30) * 1000));
      }
    }
    const r = {
      addStream, stopping: false,
      stop() {
        r.stopping = true;
        r.done = new Promise(resolve => { mr.onstop = () => { clearInterval(draw); uploads.then(resolve); }; });
        mr.stop();
        return r.done;
      },
      get uploaded() { return uploads; },
    };
    mr.start(2000);
    window.chaperoneRecorder = r;
    return r;
  }

  if (role === 'teacher') {
    $('confirm-room').onclick = () => act('ConfirmRoom');
    $('confirm-dress').onclick = () => act('ConfirmDress');
    $('confirm-expectations').onclick = () => act('ConfirmExpectations');
    $('start').onclick = () => act('Start');
    $('mute-me').onclick = () => act('Mute', 'teacher', !(state && state.teacherMuted));
    $('lapse-toggle').onclick = () => act('Lapse', !(state && state.lapse));
    $('end-family').onclick = () => act('EndFamilyPart');
    $('close').onclick = async () => {
      // The last chunk of the recording is on the server before the session closes.
      if (recorder) await (recorder.done || recorder.stop());
      await act('Close');
    };
    $('outcome-form').onsubmit = async e => {
      e.preventDefault();
      const response = await fetch(`/api/v1/sessions/${root.dataset.session}/outcome`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
        body: JSON.stringify({ outcome: $('outcome').value, notes: $('notes').value }),
      });
      if (response.ok) say('The outcome and notes are saved.');
      else fail((await response.json()).detail || 'The outcome could not be saved.');
    };
  }

  // ---- Family --------------------------------------------------------------------------------
  function renderFamily(s) {
    let text;
    if (s.place === 'Ended') text = 'Your part of the call has finished. Thank you. You can close this window.';
    else if (s.place === 'Removed') text = 'The teacher has ended your part of this call.';
    else if (!s.declared) text = 'Please tell us who is with you and tick the room checklist.';
    else if (s.place === 'Lobby' && !s.teacherPresent) text = 'You are in the waiting room. The teacher has not joined yet (or has lost their connection); please wait.';
    else if (s.place === 'Lobby') text = 'You are in the waiting room. The teacher will let you in shortly.';
    else if (s.phase === 'Live') text = 'You are in the call.';
    else text = 'You are in the call. The session starts when the teacher has made the checks.';
    say(text);
    showDeclaration(s.declaration);
    // Once sent, the same form corrects the answers (a missed item ticked in the waiting room): the teacher sees them at once.
    $('declare-send').textContent = s.declared ? 'Send my answers' : 'Go to the waiting room';
    $('consent-section').hidden = !s.declared || s.place === 'Ended' || s.place === 'Removed';
    // Someone who cannot consent is told why in their own words, and shown no words to consent to (clause 1).
    $('consent-text').textContent = s.consentText;
    $('consent-text').hidden = !s.canConsent;
    $('give-consent').hidden = !s.canConsent || s.consentGiven;
    $('consent-state').textContent = !s.canConsent
      ? (s.consentNote ?? 'A parent with parental responsibility needs to give consent.')
      : s.consentConfirmed ? 'Your consent is recorded and confirmed by the teacher.' : s.consentGiven ? 'Your consent is recorded; the teacher will confirm it.' : '';
    $('leave').disabled = s.place !== 'InCall' && s.place !== 'Lobby';
    if (s.place === 'Ended' || s.place === 'Removed') { for (const id of [...peers.keys()]) drop(id); localStream?.getTracks().forEach(t => t.stop()); }
  }

  // The answers the room holds for this family, ticked on the form: a page opened again (a reload,
  // another device) shows what was declared, not boxes left empty. Ticked only when those answers
  // change, so that a box the family is ticking is not unticked by the room's next update; not
  // while answers given before the room opened wait to be sent.
  let shownDeclaration = null;
  function showDeclaration(d) {
    const key = d ? JSON.stringify(d) : null;
    if (!d || key === shownDeclaration || declarePending) return;
    shownDeclaration = key;
    const form = $('declare-form');
    for (const box of form.querySelectorAll('input[name=pupil]')) box.checked = d.pupilIds.includes(box.value);
    form.querySelector('#stays').checked = d.staysThroughout;
    for (const box of form.querySelectorAll('input[name=checklist]')) box.checked = d.checklist.includes(box.value);
  }

  // Whether the school has a TURN relay, and whether this browser gets an address on it (with this
  // page's credentials) within a few seconds: a network that blocks it would leave the call unconnected.
  const hasRelay = iceServers.some(s => [].concat(s.urls).some(u => /^turns?:/i.test(u)));
  async function relayReachable() {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
    try {
      const found = new Promise(resolve => {
        const timer = setTimeout(() => resolve(false), 8000);
        pc.onicecandidate = ({ candidate }) => {
          if (candidate && candidate.type !== 'relay') return;
          clearTimeout(timer);
          resolve(!!candidate);
        };
      });
      pc.createDataChannel('check');
      await pc.setLocalDescription(await pc.createOffer());
      return await found;
    } finally { pc.close(); }
  }

  if (role === 'family') {
    $('device-check').onclick = async () => {
      let text;
      try {
        const stream = await media();
        text = `Camera and microphone are working (${stream.getVideoTracks().length} camera, ${stream.getAudioTracks().length} microphone).`;
      } catch (e) {
        text = 'Your camera or microphone could not be started. Check your browser allows them for this page. (' + e.message + ')';
      }
      if (!hasRelay) { $('device-result').textContent = text; return; }
      $('device-result').textContent = text + ' Checking your connection to the school…';
      const reached = await relayReachable().catch(() => false);
      $('device-result').textContent = text + (reached
        ? ' Your connection reaches the school\'s call service.'
        : ' Your connection could not reach the school\'s call service, so the call may not connect on this network. Try another network (your phone\'s mobile data, say), or reload this page and check again; if it still fails, contact the school.');
    };
    $('declare-form').onsubmit = async e => {
      e.preventDefault();
      // Sent before the room opens: kept, and sent as the page goes in.
      if (!joined && (waitingToOpen || untilOpening() > 0)) {
        declarePending = true;
        say(`The room is not open yet: it opens at ${root.dataset.opens}. Keep this page open: it takes you to the waiting room then, with these answers.`);
        return;
      }
      await declare();
    };
    $('give-consent').onclick = () => act('GiveConsent');
    $('leave').onclick = () => act('Leave');
  }

  // getStats for a page's checks: frames decoded and audio energy received from every peer, and
  // the kind of local address (host, srflx, relay) each peer's media goes through.
  window.chaperoneStats = async () => {
    let framesDecoded = 0, audioEnergy = 0;
    const paths = [];
    for (const p of peers.values()) {
      const stats = await p.pc.getStats();
      stats.forEach(r => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') framesDecoded += r.framesDecoded || 0;
        if (r.type === 'inbound-rtp' && r.kind === 'audio') audioEnergy += r.totalAudioEnergy || 0;
        if (r.type === 'transport' && r.selectedCandidatePairId) {
          const pair = stats.get(r.selectedCandidatePairId);
          const local = pair && stats.get(pair.localCandidateId);
          if (local) paths.push(local.candidateType);
        }
      });
    }
    return { framesDecoded, audioEnergy, peers: peers.size, paths };
  };

  // The family's room opens at a time the page was given, reckoned by the server's clock (the page
  // says how far this device's clock is from it): opened early, the page says once when, and goes
  // in by itself then. A refusal in the minute after it is taken for the clocks' difference, and
  // tried again.
  const opensAt = Date.parse(root.dataset.opensAt);
  const skew = Date.parse(root.dataset.now) - Date.now();
  let joined = false;
  let waitingToOpen = false;
  let declarePending = false;
  let retry = 0;

  const untilOpening = () => opensAt - (Date.now() + skew);

  function waitForOpening() {
    const wait = untilOpening();
    if (role !== 'family' || Number.isNaN(opensAt) || wait < -60000) return false;
    waitingToOpen = true;
    fail('');
    if (!declarePending) say(`The room opens at ${root.dataset.opens}. Keep this page open: it goes in by itself then.`);
    clearTimeout(retry);
    // At most a minute at a time, so that a device that slept looks again soon after it wakes.
    retry = setTimeout(() => {
      if (untilOpening() > 0) waitForOpening(); else join().catch(e => console.warn(e));
    }, wait > 0 ? Math.min(wait + 500, 60000) : 5000);
    return true;
  }

  async function declare() {
    const form = $('declare-form');
    const pupils = [...form.querySelectorAll('input[name=pupil]:checked')].map(i => i.value);
    const checklist = [...form.querySelectorAll('input[name=checklist]:checked')].map(i => i.value);
    const answer = await act('Declare', pupils, form.querySelector('#stays').checked, checklist);
    $('declare-result').textContent = answer.ok ? 'Your answers are sent: the teacher sees them.' : '';
  }

  async function join() {
    const answer = role === 'teacher' ? await hub.invoke('Host', root.dataset.session) : await hub.invoke('JoinFamily', root.dataset.token);
    if (answer.ok) {
      joined = true;
      waitingToOpen = false;
      if (declarePending) { declarePending = false; await declare(); }
    } else if (!waitForOpening()) { say(answer.message); fail(answer.message); }
    return answer;
  }

  // After a network drop the connection is new: rejoin the room's place.
  hub.onreconnected(() => join());
  hub.onclose(() => { if (!$('error').textContent) say('The connection to the school was lost. Reload the page to rejoin.'); });
  hub.start().then(join).catch(e => { say('Could not connect to the school: ' + e.message); });
  // The teacher too may be at home: warn at once if their network cannot reach the relay.
  if (role === 'teacher' && hasRelay) {
    relayReachable().catch(() => false).then(reached => { $('network').hidden = reached; });
  }
})();
