// Buttons marked data-print print the page (the print style sheet leaves out navigation and forms).
document.querySelectorAll("[data-print]").forEach(button => button.addEventListener("click", () => window.print()));
