"""Every page, as every role, checked by axe-core in chromium against WCAG 2.1 A and AA.

Staff pages at 1280 px as the nurse, the physician, the clinic staff and the administrator; the
public pages (booking steps, the resident's own booking, the accessibility statement, the login) at
390 px without a login; the error pages and the login at 1280 px. Serious and critical violations fail; moderate
and minor ones are listed as warnings in the test output and in test-results/a11y/*.json, and are
fixed or explained in docs/accessibility.md. See tests/e2e/a11y.py for how pages are found.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.e2e.a11y import NOT_PAGES, Walk, classify, page_targets, public_pages, visit_states, walk_role
from tests.e2e.a11y_ids import resident_session_key, scene, walk_values
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The roles of the README, as the shared cast plays them (tests/conftest.py).
ROLES = {
    "nurse": "alice",
    "physician": "bob",
    "clinic_staff": "clinic_a",
    "administrator": "admin_a",
    # Made by the walk's scene (tests/e2e/a11y_ids.py): the national catalogue's maintainer.
    "catalogue_maintainer": "maintainer",
}


def new_page(browser, live_server, width: int):
    phone = width < 700
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_a11y_every_page_is_reached_by_some_role(cast):
    """A page nobody reaches with the walk's ids would be skipped silently: name it instead."""
    values = walk_values(cast)
    clients = {role: client_for(getattr(cast, attr)) for role, attr in ROLES.items()}
    clients["anonymous"] = Client()
    clients["resident"] = Client()
    clients["resident"].cookies["sessionid"] = resident_session_key(cast)
    unreached = []
    for target in page_targets(values):
        kinds = {role: classify(client, target) for role, client in clients.items()}
        if "page" in kinds.values() or "fragment" in kinds.values():
            continue
        # POST-only actions answer 405 to a GET, files answer a non-HTML body: neither is a page.
        if set(kinds.values()) <= {"not-allowed", "file", "login", "forbidden"} and (
            "not-allowed" in kinds.values() or "file" in kinds.values()
        ):
            continue
        unreached.append(f"{target.name} {target.url} → {kinds}")
    assert not unreached, (
        "No role reaches these pages with the walk's ids; fix the provider in tests/tenancy_ids.py or "
        "tests/e2e/a11y_ids.py (or list a non-page in NOT_PAGES with a reason):\n" + "\n".join(unreached)
    )
    assert NOT_PAGES


@pytest.mark.parametrize("role", list(ROLES))
def test_a11y_staff_pages_at_1280_px(role, cast, browser, live_server):
    values = walk_values(cast)
    user = getattr(cast, ROLES[role])
    context, page = new_page(browser, live_server, 1280)
    login(page, user.username)
    navigation = page.evaluate(
        "() => [...document.querySelectorAll('nav.mainnav a')].map(a => new URL(a.href).pathname)"
    )
    walk = Walk(page, role, 1280)
    walk_role(walk, client_for(user), values, skip=public_pages(values))
    report = walk.finish()
    context.close()
    checked = {state["url"].split("?")[0].removeprefix(live_server.url) for state in report["states"]}
    checked |= walk.requested  # a navigation item that redirects is checked where it leads
    assert navigation, "the role has a navigation"
    assert set(navigation) <= checked, f"navigation items not walked: {set(navigation) - checked}"
    assert report["pages"] >= len(navigation)


def test_a11y_resident_pages_at_390_px(cast, browser, live_server):
    """Mina vaccinationer as the scene's resident, signed in with e-identification (A16)."""
    values = walk_values(cast)
    session_key = resident_session_key(cast)
    context, page = new_page(browser, live_server, 390)
    context.add_cookies([{"name": "sessionid", "value": session_key, "url": live_server.url}])
    walk = Walk(page, "resident", 390)
    resident = Client()
    resident.cookies["sessionid"] = session_key
    residents_only = frozenset(name for name in public_pages(values) if not name.startswith("residents:"))
    walk_role(walk, resident, values, skip=residents_only)
    report = walk.finish()
    context.close()
    checked = {state["url"].split("?")[0].removeprefix(live_server.url) for state in report["states"]}
    booking = scene(cast).booking
    for path in (
        "/mina-vaccinationer/",
        f"/mina-vaccinationer/bokning/{booking.pk}/",
        "/mina-vaccinationer/boka/",
    ):
        assert path in checked, f"{path} was not walked"


@pytest.mark.parametrize("width", [390])
def test_a11y_public_pages(width, cast, browser, live_server):
    values = walk_values(cast)
    context, page = new_page(browser, live_server, width)
    walk = Walk(page, "public", width)
    walk_role(walk, Client(), values)
    report = walk.finish()
    context.close()
    checked = {state["url"].split("?")[0].removeprefix(live_server.url) for state in report["states"]}
    booking = scene(cast)
    for path in (
        "/boka/",
        f"/boka/{booking.unit.slug}/",
        f"/boka/{booking.unit.slug}/{booking.visit_type.pk}/",
        f"/boka/{booking.unit.slug}/{booking.visit_type.pk}/{booking.free_slot.pk}/",
        f"/bokning/{values['token']}/",
        f"/bokning/{values['token']}/avboka/",
        f"/bokning/{values['token']}/flytta/",
    ):
        assert path in checked, f"{path} was not walked"


def test_a11y_error_pages(cast, browser, live_server, settings):
    """403, 404, 405, the CSRF refusal and 500, signed in and not."""
    values = walk_values(cast)
    context, page = new_page(browser, live_server, 1280)
    walk = Walk(page, "errors", 1280)
    seen = {"pages": set(), "links": set(), "forms": set()}
    walk.goto("/finns-inte/")
    walk.check("404 without login (public)")
    walk.goto(f"/boka/{values['unit_slug']}/999999/")
    walk.check("404 of the public booking")
    walk.goto("/bokning/ogiltig-lank/")
    walk.check("invalid private link")
    # A form posted after its CSRF cookie is gone: the refusal page, not a bare 403.
    walk.goto("/logga-in/")
    context.clear_cookies()
    page.get_by_label("Användarnamn").fill(cast.alice.username)
    page.get_by_label("Lösenord").fill("fel")
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    assert "403" in str(page.evaluate("document.title")) or page.locator("h1").count() == 1
    walk.check("403 CSRF refusal")
    login(page, cast.alice.username)
    for url, state, status in (
        ("/admin/personal/", "403 as a nurse on an administrator's page", 403),
        ("/finns-inte/", "404 signed in", 404),
        (
            f"/patient/{values['patient_id']}/besok/{values['visit_id']}/kontroller/",
            "405 GET of a form's action",
            405,
        ),
    ):
        response = walk.goto(url)
        assert response.status == status, f"{url} answered {response.status}"
        walk.check(state)
    visit_states(walk, "/", "start page after the errors", seen)
    # The staff's login page is public, and walked at 390 px with the public pages; here at 1280 px.
    context.clear_cookies()
    visit_states(walk, "/logga-in/", "login", seen)
    walk.finish()
    context.close()


@pytest.mark.urls("tests.e2e.a11y_urls")
def test_a11y_server_error_page(browser, live_server, db):
    context, page = new_page(browser, live_server, 390)
    walk = Walk(page, "error-500", 390)
    response = page.goto("/a11y-500/")
    assert response.status == 500
    walk.server_errors.clear()
    walk.check("500")
    walk.finish()
    context.close()
