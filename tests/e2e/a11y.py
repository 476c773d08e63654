"""The accessibility walk: axe-core in the real browser on every page a role can reach (WCAG 2.1 AA).

Pages are found like the tenancy walk (tests/test_tenancy_urls.py): every URL pattern of the project,
filled with caregiver A's ids from tests/tenancy_ids.py plus the public booking's own ids
(tests/e2e/a11y_ids.py). Each is asked for once with Django's test client as the role; what answers
with an HTML page (directly or after a redirect) is then opened in chromium. From there the walk
follows the links in the page and the navigation to reach query states the URL patterns cannot name
(a search with a hit, another day, a correction form), opens every `<details>`, clicks every htmx
link of the main content (an opened panel) and submits every form with fields, once empty and once
with invalid values. axe-core runs once per page state.

A page a role cannot fill fails loudly: a URL parameter without a provider, or a page no role reaches
with the ids it was given (`test_a11y_every_page_is_reached` in test_a11y_walk.py).
"""

from __future__ import annotations

import json
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.a11y_ids import QUERIES
from tests.test_tenancy_urls import walk

# WCAG 2.0 and 2.1, levels A and AA: what EN 301 549 (and so lag 2018:1937) asks of a web page.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "a11y"

# URL names that are not pages for anyone: actions answered by a redirect after POST, or machine
# endpoints. Everything else that answers HTML to some role is walked.
NOT_PAGES = {
    "logout": "POST only: ends the session (the walk would log itself out)",
    "set_language": "POST only: Django's language switch, in every page's footer",
    "eid_start": "a redirect to the identity provider: walked in chromium in tests/e2e/test_eid_sign_in.py",
    "eid_callback": "the identity provider's answer: walked in chromium in tests/e2e/test_eid_sign_in.py",
    # The FHIR API (A8) answers machines with JSON behind a bearer token: no page for a person.
    "fhir:token": "OAuth2 token endpoint (JSON)",
    "fhir:metadata": "FHIR CapabilityStatement (JSON)",
    "fhir:patient_read": "FHIR resource (JSON, bearer token)",
    "fhir:patient_search": "FHIR search (JSON, bearer token)",
    "fhir:immunization_search": "FHIR search (JSON, bearer token)",
    "fhir:recommendation_search": "FHIR search (JSON, bearer token)",
    "fhir:allergy_search": "FHIR search (JSON, bearer token)",
    "fhir:flag_search": "FHIR search (JSON, bearer token)",
    "fhir:unknown": "FHIR OperationOutcome for an unknown resource type (JSON)",
}

# Invalid values by input type: each is kept by the browser's value sanitising (so the server sees
# it) and is wrong for the field it lands in (a number below every minimum, a date long past, text
# where a number, a personnummer or an amount is expected).
INVALID_VALUES = {
    "number": "-999999",
    "date": "1900-01-01",
    "datetime-local": "1900-01-01T00:00",
    "time": "00:00",
    "month": "1900-01",
    "email": "inte-en-adress",
    "tel": "abc",
    "url": "inte en adress",
    "": "§§ 0000-00-00 ogiltigt §§",
}


# The product's coloured signals (badges, tags, statuses, markers, messages): each must carry a letter
# or a digit of its own, in its text or its aria-label, not only a colour or a symbol (WCAG 1.4.1).
COLOUR_ONLY_JS = """() => [...document.querySelectorAll(
  '.badge, .tag, .status, .status-line, .protected-marker, .signal-banner, .flash, ' +
  '.job-finished, .job-running, .job-queued, .job-failed, .job-interrupted')]
  .filter(e => e.getClientRects().length > 0 && !e.closest('[aria-hidden="true"]'))
  .filter(e => !((e.getAttribute('aria-label') || '') + e.innerText).replace(/[^\\p{L}\\p{N}]/gu, ''))
  .map(e => e.outerHTML.slice(0, 160))"""


class _Axe(Axe):
    """axe-core is injected once per document, not before every run (it is 500 kB of script)."""

    def run(self, page, options, context="document"):
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe_script)
        return page.evaluate(f"options => axe.run({context}, options)", options)


AXE = _Axe()


@dataclass
class Finding:
    rule: str
    impact: str
    help: str
    state: str
    url: str
    targets: list


@dataclass
class Walk:
    """What one browser context (a role at a width) checked and found."""

    page: object
    role: str
    width: int
    states: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    server_errors: list = field(default_factory=list)
    unsettled: list = field(default_factory=list)
    requested: set = field(default_factory=set)
    downloads: list = field(default_factory=list)

    def __post_init__(self):
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.page.on("download", lambda download: self.downloads.append(download.url))
        self.page.on(
            "response",
            lambda r: (
                self.server_errors.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )

    # --- checking -----------------------------------------------------------------------------
    def check(self, state: str, *, main_only: bool = False) -> None:
        """Run axe-core on the page as it is now: one page state, counted once.

        `main_only` for a state of a page already checked whole (a panel, a form's errors): the header
        and navigation around it have not changed.
        """
        wait_htmx_idle(self.page)
        started = time.monotonic()
        context = "document.querySelector('main') || document" if main_only else "document"
        result = AXE.run(self.page, AXE_OPTIONS, context)
        self.states.append(
            {"state": state, "url": self.page.url, "axe_seconds": round(time.monotonic() - started, 2)}
        )
        for html in self.page.evaluate(COLOUR_ONLY_JS):
            self.findings.append(
                Finding(
                    rule="colour-only-signal",
                    impact="serious",
                    help="A status, marker or message must say in words what its colour says (WCAG 1.4.1)",
                    state=state,
                    url=self.page.url,
                    targets=[html],
                )
            )
        for violation in result["violations"]:
            self.findings.append(
                Finding(
                    rule=violation["id"],
                    impact=violation["impact"] or "minor",
                    help=violation["help"],
                    state=state,
                    url=self.page.url,
                    targets=[", ".join(map(str, node["target"])) for node in violation["nodes"]][:5],
                )
            )

    def goto(self, url: str):
        self.requested.add(urlsplit(url).path)
        response = self.page.goto(url)
        self.page.wait_for_load_state("load")
        return response

    # --- reporting ----------------------------------------------------------------------------
    def report(self) -> dict:
        by_rule = Counter(f"{f.rule} ({f.impact})" for f in self.findings)
        return {
            "role": self.role,
            "width": self.width,
            "page_states": len(self.states),
            "pages": len({urlsplit(s["url"]).path for s in self.states}),
            "violations_by_rule": dict(sorted(by_rule.items())),
            "findings": [f.__dict__ for f in self.findings],
            "states": self.states,
        }

    def finish(self) -> dict:
        """Write the report, list moderate and minor findings as warnings, fail on serious ones."""
        report = self.report()
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{self.role}-{self.width}.json").write_text(
            json.dumps(report, indent=2, ensure_ascii=False)
        )
        for finding in self.findings:
            if finding.impact not in FAILING_IMPACTS:
                warnings.warn(
                    f"axe {finding.impact}: {finding.rule} ({finding.help}) on {finding.state} "
                    f"[{self.role} {self.width}px] at {finding.targets}",
                    UserWarning,
                    stacklevel=2,
                )
        serious = [f for f in self.findings if f.impact in FAILING_IMPACTS]
        problems = [
            f"{f.impact}: {f.rule} — {f.help}\n    on {f.state} ({f.url})\n    at {f.targets}"
            for f in serious
        ]
        problems += [f"server error: {e}" for e in self.server_errors]
        problems += [f"never settled: {u}" for u in self.unsettled]
        assert not problems, (
            f"Accessibility walk as {self.role} at {self.width} px, {len(self.states)} page states:\n"
            + "\n".join(problems)
        )
        return report


# --- discovery --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    name: str
    url: str


def page_targets(values: dict) -> list[Target]:
    """Every URL pattern of the project, filled with the walk's ids (a missing one fails here)."""
    targets = []
    for name, _route, entry in walk():
        if not name or name in NOT_PAGES:
            continue
        params = sorted(getattr(entry.pattern, "converters", {}))
        missing = [p for p in params if p not in values]
        assert not missing, (
            f"The accessibility walk cannot fill {name}: add providers for {missing} to "
            "tests/tenancy_ids.py (staff pages) or tests/e2e/a11y_ids.py (public pages)."
        )
        url = reverse(name, kwargs={p: values[p] for p in params})
        if name in QUERIES:
            url += "?" + urlencode(QUERIES[name](values))
        targets.append(Target(name, url))
    return targets


def classify(client: Client, target: Target) -> str:
    """'page', 'fragment' (a part htmx loads into a page: checked there), 'login' (needs a login),
    'forbidden', 'missing', 'not-allowed' (POST only), 'file'."""
    response = client.get(target.url, HTTP_ACCEPT="text/html")
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        return "login" if location.startswith(resolve_url(settings.LOGIN_URL)) else "page"
    if status == 200:
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            return "file"
        return "page" if b"<html" in response.content[:400].lower() else "fragment"
    return {403: "forbidden", 404: "missing", 405: "not-allowed"}.get(status, f"status {status}")


def public_pages(values: dict) -> frozenset:
    """URL names that answer a page without a login: the public walk checks them."""
    client = Client()
    return frozenset(t.name for t in page_targets(values) if classify(client, t) == "page")


def state_key(url: str) -> tuple | None:
    """Where a link leads, as (URL name, query keys): one check for each, whatever the ids."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return match.view_name, tuple(sorted({k for k, _ in parse_qsl(parts.query)}))


# --- page states ------------------------------------------------------------------------------
def wait_htmx_idle(page, timeout: float = 10_000) -> None:
    """No htmx request in flight (a part loaded on `load`, a swap still settling)."""
    page.wait_for_function(
        "() => document.readyState === 'complete' && !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')",
        timeout=timeout,
    )


def open_details(page) -> int:
    return page.evaluate(
        "() => { const d = [...document.querySelectorAll('main details:not([open])')];"
        " d.forEach(e => e.open = true); return d.length; }"
    )


def arm(page) -> None:
    """Mark the document, so the walk sees what a click or a submit did: an htmx swap or a new page."""
    page.evaluate(
        "() => { window.__a11ySettled = false; for (const name of "
        "['htmx:afterSettle', 'htmx:responseError', 'htmx:sendError', 'htmx:swapError']) "
        "document.addEventListener(name, () => { window.__a11ySettled = name; }, {once: true}); }"
    )


def wait_settled(walk_: Walk, what: str) -> bool:
    """The swap settled, a new document loaded or a file came back; a page that does nothing is reported."""
    downloads = len(walk_.downloads)
    for _ in range(20):
        if len(walk_.downloads) > downloads:
            return True
        try:
            walk_.page.wait_for_function(
                "() => window.__a11ySettled === undefined ? document.readyState === 'complete' : !!window.__a11ySettled",
                timeout=500,
            )
            return True
        except PlaywrightTimeout:
            continue
    walk_.unsettled.append(what)
    return False


def htmx_links(page) -> list[dict]:
    """The main content's htmx links (tabs, 'adjust', 'more doses'): each opens a panel in place."""
    return page.evaluate(
        "() => [...document.querySelectorAll('main a[hx-get]')].map((a, index) => "
        "({index, url: new URL(a.getAttribute('hx-get'), location.href).href}))"
    )


FORMS_JS = """() => [...document.querySelectorAll('main form')].map((form, index) => {
  const fields = [...form.elements].filter(e =>
    ['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName) &&
    !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type) && !e.disabled &&
    e.getClientRects().length > 0);
  const action = form.getAttribute('hx-post') || form.getAttribute('hx-get') || form.getAttribute('action') || location.pathname;
  return {index, fields: fields.length, method: (form.getAttribute('hx-post') ? 'post' : form.method || 'get').toLowerCase(),
          action: new URL(action, location.href).href};
})"""

FILL_JS = """([index, mode, invalid]) => {
  const form = document.querySelectorAll('main form')[index];
  form.noValidate = true;  // the server's own messages are what is checked, not the browser's bubbles
  for (const e of form.elements) {
    if (e.disabled || ['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type)) continue;
    if (e.type === 'checkbox' || e.type === 'radio') { if (mode === 'empty') e.checked = false; continue; }
    if (e.type === 'file') { e.value = ''; continue; }  // a script may only clear a file field
    if (e.tagName === 'SELECT') {
      if (mode === 'empty') { const blank = [...e.options].find(o => o.value === ''); e.value = blank ? '' : e.value; }
      continue;
    }
    if (e.readOnly) continue;
    e.value = mode === 'empty' ? '' : (invalid[e.type] ?? invalid['']);
  }
  const submitter = form.querySelector('[type=submit]:not([disabled]), button:not([type]):not([disabled])');
  form.requestSubmit(submitter || undefined);
}"""


def visit_states(walk_: Walk, url: str, label: str, seen: dict) -> list[str]:
    """Check a page, its opened details, its htmx panels and its forms' error states.

    Returns the links of the page (main content and navigation) for the walk to follow.
    """
    page = walk_.page
    walk_.goto(url)
    here = page.url
    landed = state_key(here)
    if landed != state_key(url):  # a redirect: the page it leads to is checked once
        if landed in seen["pages"]:
            return []
        seen["pages"].add(landed)
    open_details(page)
    walk_.check(label)
    links = page.evaluate(
        "() => [...document.querySelectorAll('main a[href], nav a[href]')].map(a => a.href)"
        ".filter(h => h.startsWith(location.origin))"
    )
    dirty = False
    for link in htmx_links(page):
        key = state_key(link["url"])
        if key is None or key in seen["links"]:
            continue
        seen["links"].add(key)
        if dirty:
            walk_.goto(here)
        arm(page)
        page.locator("main a[hx-get]").nth(link["index"]).click()
        dirty = True
        if wait_settled(walk_, f"htmx link {link['url']} on {here}"):
            open_details(page)
            walk_.check(f"{label} · panel {describe(key)}", main_only=True)
    # Forms by what they post to; found again after each reload, since a submission that was
    # accepted (an "invalid" value the form takes) can change what the page shows.
    pending = []
    for form in page.evaluate(FORMS_JS):
        key = (form["method"], state_key(form["action"]))
        for mode in ("empty", "invalid"):
            if form["fields"] and (key, mode) not in seen["forms"] and (key, mode) not in pending:
                pending.append((key, mode))
    for key, mode in pending:
        if dirty:
            walk_.goto(here)
        forms = [f for f in page.evaluate(FORMS_JS) if (f["method"], state_key(f["action"])) == key]
        if not forms:
            continue
        seen["forms"].add((key, mode))
        submit_form(walk_, forms[0], mode)
        dirty = True
        walk_.check(f"{label} · form {describe(key[1]) if key[1] else key} {mode}", main_only=True)
    return links


def describe(key: tuple) -> str:
    name, query = key
    return f"{name} ?{','.join(query)}" if query else name


def submit_form(walk_: Walk, form: dict, mode: str) -> None:
    page = walk_.page
    arm(page)
    page.evaluate(FILL_JS, [form["index"], mode, INVALID_VALUES])
    wait_settled(walk_, f"form {form['action']} ({mode}) on {page.url}")


def walk_role(walk_: Walk, client: Client, values: dict, *, skip: frozenset = frozenset()) -> dict:
    """Walk every page the client reaches: URL patterns first, then links found on the pages.

    `skip`: URL names checked by another walk (the public pages, when walking as staff).
    """
    queue: list[tuple[str, str]] = []
    classes = {}
    for target in page_targets(values):
        kind = "skipped" if target.name in skip else classify(client, target)
        classes[target.name] = kind
        if kind == "page":
            queue.append((target.url, target.name))
    seen: dict = {"pages": set(), "links": set(), "forms": set()}
    while queue:
        url, label = queue.pop(0)
        key = state_key(url)
        if key in seen["pages"]:
            continue
        seen["pages"].add(key)
        for link in visit_states(walk_, url, label, seen):
            link_key = state_key(link)
            if link_key is None or link_key in seen["pages"]:
                continue
            if classes.get(link_key[0], "page") != "page" or link_key[0] in NOT_PAGES:
                continue
            queue.append((link, describe(link_key)))
    return classes
