// Small, framework-free behaviour shared by every page. htmx does the rest.
// No inline handlers in templates (a Content-Security-Policy without 'unsafe-inline' is coming):
// templates say what they want with data-* attributes, and this file does it.
(function () {
  "use strict";

  const english = function () { return document.documentElement.lang === "en"; };

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
    if (invalid && typeof invalid.focus === "function") {
      invalid.focus();
      return true;
    }
    return false;
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusFirstError(event.detail.target); });

  // A failed htmx request says so instead of failing silently.
  document.addEventListener("htmx:responseError", function () {
    const box = document.getElementById("messages");
    if (box) {
      box.innerHTML = '<p class="flash error" role="alert">' +
        (english() ? "Something went wrong. Nothing was saved; please try again."
          : "Något gick fel. Ingenting sparades; försök igen.") + "</p>";
    }
  });

  // --- Choosing in a list or a date field is not a command (WCAG 3.2.2) ---------------------
  // [data-autosubmit] sends its form at once when chosen with the mouse or a finger; with the
  // keyboard, arrows only move the choice and the form's visible button sends it.
  let pointerChoice = false;
  document.addEventListener("pointerdown", function () { pointerChoice = true; }, true);
  document.addEventListener("keydown", function () { pointerChoice = false; }, true);
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (pointerChoice && field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.requestSubmit();
    }
  });

  // The timebook's "go to date": /tidbok/<unit>/dag/<date>/ (an empty date goes to today).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.matches("form[data-day-jump]")) {
      event.preventDefault();
      const value = form.elements.dag ? form.elements.dag.value : "";
      window.location = form.getAttribute("data-day-jump") + (value ? value + "/" : "");
    }
  });

  // form[data-confirm]: an action that cannot be undone asks first (the question is the attribute).
  // Registered before the send-once handler below, so a cancelled question leaves the button usable.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // A booking form is sent once: the button is disabled on submit (the server is idempotent too).
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    if (button && !event.defaultPrevented && event.target.matches("form[data-once]")) {
      setTimeout(function () { button.disabled = true; button.setAttribute("aria-busy", "true"); }, 0);
    }
  });

  document.addEventListener("click", function (event) {
    const element = event.target.closest ? event.target.closest("[data-print], [data-cancel-inline]") : null;
    if (!element) return;
    if (element.hasAttribute("data-print")) {
      window.print();
    } else {
      // Close a form opened in place and give the focus back to the button that opened it.
      event.preventDefault();
      const cell = element.closest("td, [data-inline-target]");
      const opener = cell && cell.id ? document.querySelector('[hx-target="#' + cell.id + '"]') : null;
      if (cell) cell.innerHTML = "";
      if (opener) opener.focus();
    }
  });

  // "Select all" boxes: [data-check-all="name"] ticks every box named so.
  document.addEventListener("change", function (event) {
    const box = event.target;
    const name = box.getAttribute && box.getAttribute("data-check-all");
    if (!name) return;
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (each) {
      each.checked = box.checked;
    });
  });

  // --- htmx swaps: keep the keyboard's place and say what changed ----------------------------
  // One polite live region for the whole page: what a swap wants said goes in here, because a
  // region that arrives with the new content is not read by every screen reader.
  function announcer() {
    let region = document.getElementById("announcer");
    if (!region) {
      region = document.createElement("div");
      region.id = "announcer";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      region.setAttribute("aria-atomic", "true");
      document.body.appendChild(region);
    }
    return region;
  }
  function announce(text) {
    const region = announcer();
    region.textContent = "";
    // A short pause, so the same words said twice in a row are read twice.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  document.addEventListener("DOMContentLoaded", announcer);

  // What identifies the focused control again after its part of the page is drawn anew.
  function signature(element) {
    if (!element || element === document.body) return null;
    return {
      id: element.id,
      key: element.getAttribute("data-focus-key"),
      action: element.getAttribute("hx-get") || element.getAttribute("hx-post") || element.getAttribute("href"),
      label: element.getAttribute("aria-label"),
      name: element.getAttribute("name"),
      tag: element.tagName,
      text: (element.textContent || "").trim(),
    };
  }
  function findAgain(sig, root) {
    if (!sig) return null;
    const scope = root && root.isConnected ? root : document;
    if (sig.id) {
      const byId = document.getElementById(sig.id);
      if (byId) return byId;
    }
    const candidates = Array.prototype.slice.call(scope.querySelectorAll(sig.tag));
    const tests = [
      function (e) { return sig.key && e.getAttribute("data-focus-key") === sig.key; },
      function (e) { return sig.action && (e.getAttribute("hx-get") || e.getAttribute("hx-post") || e.getAttribute("href")) === sig.action; },
      function (e) { return sig.label && e.getAttribute("aria-label") === sig.label; },
      function (e) { return sig.name && e.getAttribute("name") === sig.name; },
      function (e) { return sig.text && (e.textContent || "").trim() === sig.text; },
    ];
    for (const test of tests) {
      const found = candidates.find(test);
      if (found) return found;
    }
    return null;
  }
  function focusable(element) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) element.setAttribute("tabindex", "-1");
    element.focus();
  }

  let before = null;
  const announced = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    const active = document.activeElement;
    before = target && active && target.contains(active) ? signature(active) : null;
  });

  function swapped(detail) {
    let root = detail.target;
    if (root && !root.isConnected && root.id) root = document.getElementById(root.id) || root;
    if (!root || !root.isConnected) root = detail.elt && detail.elt.isConnected ? detail.elt : document.body;
    const config = detail.requestConfig || {};
    return {root: root, byUser: !!config.triggeringEvent};
  }

  // Right after the swap, before the keyboard's next key press can land on nothing.
  document.addEventListener("htmx:afterSwap", function (event) {
    const {root, byUser} = swapped(event.detail);
    // Focus: the first error (above), else where the new content asks for it, else back where it was.
    const lost = !document.activeElement || document.activeElement === document.body;
    if (!root.querySelector('[aria-invalid="true"]')) {
      const next = byUser ? root.querySelector("[data-focus-next]") : null;
      if (next) {
        const field = next.tagName === "FORM" ? next.querySelector("input:not([type=hidden]), select, textarea") : null;
        focusable(field || next);
      } else if (lost && before) {
        const again = findAgain(before, root);
        if (again) focusable(again);
        else if (byUser) focusable(root.querySelector(".flash") || root.querySelector("h1, h2, h3") || root);
      }
    }
    before = null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const {root, byUser} = swapped(event.detail);
    // Words: what the swapped content marks with [data-announce], and messages that are not alerts
    // (an alert is read out by itself). Timed refreshes stay silent unless the words changed.
    const words = [];
    root.querySelectorAll("[data-announce], .flash:not([role=alert])").forEach(function (element) {
      if (element.contains(document.activeElement)) return; // focused: it is being read already
      const text = (element.getAttribute("data-announce") || element.textContent || "").replace(/\s+/g, " ").trim();
      if (text) words.push(text);
    });
    const said = words.join(". ");
    const key = root.id || "";
    if (said && (byUser || (root.matches("[data-announce-changes]") && announced[key] !== said))) announce(said);
    announced[key] = said;
  });
})();
