// Small, framework-free behaviour shared by every page. htmx does the rest.
(function () {
  "use strict";

  // "/" focuses patient search from anywhere (not while typing in a field).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
    if (typing) return;
    const search = document.getElementById("patient-search-input");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // Focus moves to the first field with an error, so the keyboard user lands where the fix is.
  function focusFirstError(root) {
    const invalid = (root || document).querySelector('[aria-invalid="true"], .errorlist + input, .errorlist + select, .errorlist + textarea');
    if (invalid && typeof invalid.focus === "function") invalid.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusFirstError(event.detail.target); });

  // A failed htmx request says so instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    const box = document.getElementById("messages");
    if (box) {
      box.innerHTML = '<p class="flash error" role="alert">' +
        (document.documentElement.lang === "en" ? "Something went wrong. Nothing was saved; please try again."
          : "Något gick fel. Ingenting sparades; försök igen.") + "</p>";
    }
  });
})();
