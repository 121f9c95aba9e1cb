// "Copy the family link" buttons on the session page: copies the link from its (read-only) box.
// Without script the box is still there to select and copy by hand.
(() => {
  "use strict";
  for (const button of document.querySelectorAll("[data-copy-link]")) {
    const input = document.getElementById(button.dataset.copyLink);
    if (!input) continue;
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Selected: press Ctrl+C to copy";
      }
      setTimeout(() => { button.textContent = label; }, 3000);
    });
  }
})();
