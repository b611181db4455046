// Lifeguard console: optional enhancements. Every page works without this file.
(function () {
  "use strict";
  // Click-to-reveal for blurred media; the button says what it does and its state.
  document.addEventListener("click", function (e) {
    var button = e.target.closest("button.reveal");
    if (!button) return;
    var img = document.getElementById(button.getAttribute("aria-controls"));
    if (!img) return;
    var shown = img.classList.toggle("revealed");
    button.setAttribute("aria-pressed", shown ? "true" : "false");
    button.textContent = (shown ? "Blur media " : "Reveal media ") + img.alt.replace(/^Media /, "").replace(/ \(blurred\)$/, "");
  });
  // Queue keyboard shortcuts: j / k move between cases, Enter opens (native link).
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (e.key !== "j" && e.key !== "k") return;
    var links = Array.prototype.slice.call(document.querySelectorAll("a.case-link"));
    if (!links.length) return;
    var i = links.indexOf(document.activeElement);
    i = e.key === "j" ? Math.min(links.length - 1, i + 1) : Math.max(0, i - 1);
    links[i].focus();
    e.preventDefault();
  });
})();
