// The vaccination screen: after an htmx step, put keyboard focus where the nurse continues.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    const root = event.detail.target;
    if (!root || root.id !== "visit-workspace") return;
    if (root.querySelector('[aria-invalid="true"]')) return; // app.js focuses the first error
    const next = root.querySelector("[data-focus-next]");
    if (next) next.focus();
  });
})();
