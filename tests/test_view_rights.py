"""Rights are checked in one layer: every view declares its door (mittvaccin/decorators.py).

Walks every URL pattern, as the tenancy walk does: each view declares the right that lets a user in,
or that every signed-in account may use it, or that it is public on purpose. Then an account of the
same caregiver with no rights at all is turned away (403) by every door that names a right.
"""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from mittvaccin.decorators import Door
from mittvaccin.models import User
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.tenancy_ids import ID_PROVIDERS
from tests.test_tenancy_urls import walk

ROOT = Path(__file__).resolve().parents[1]


def doors() -> dict[str, tuple[str, list[str], Door | None]]:
    found = {}
    for name, route, entry in walk():
        callback = entry.callback
        found[name or route] = (
            route,
            sorted(getattr(entry.pattern, "converters", {})),
            getattr(callback, "door", None),
        )
    return found


def test_every_view_declares_its_door():
    found = doors()
    assert len(found) > 60
    undeclared = sorted(name for name, (_route, _params, door) in found.items() if not isinstance(door, Door))
    assert not undeclared, f"Declare require_right(...), signed_in or public on: {undeclared}"


def test_public_on_purpose_means_no_login_and_nothing_else_is_public():
    """A view declared public is the one the login middleware lets through, and the other way round."""
    mismatched = []
    for name, _route, entry in walk():
        door = getattr(entry.callback, "door", None)
        no_login = getattr(entry.callback, "login_required", True) is False
        if door is not None and door.public != no_login:
            mismatched.append(name)
    assert not mismatched


def test_the_public_views_are_the_residents_pages_the_sign_in_the_api_and_the_health_checks():
    public = {name for name, (_route, _params, door) in doors().items() if door is not None and door.public}
    assert public == {
        "login",
        "accessibility_statement",
        "ping",
        "healthz",
        "booking:public_index",
        "booking:public_unit",
        "booking:public_times",
        "booking:public_book",
        "booking:manage",
        "booking:manage_ics",
        "booking:manage_cancel",
        "booking:manage_move",
        # The language is chosen before signing in too (the login page and the residents' pages).
        "set_language",
        # Sign-in with e-identification, and signing out (also from a session that has already ended).
        "eid_start",
        "eid_callback",
        "logout",
        # The residents' own pages: their door is the resident's e-identification (residents.session).
        "residents:home",
        "residents:act_for",
        "residents:certificate",
        "residents:logout",
        "residents:book_units",
        "residents:book_types",
        "residents:book_times",
        "residents:book_confirm",
        "residents:booking",
        "residents:booking_cancel",
        "residents:booking_move",
        "residents:declaration",
        # The FHIR API (A8): its door is the OAuth2 bearer token and scope (fhirapi.auth), no session.
        "fhir:token",
        "fhir:metadata",
        "fhir:patient_read",
        "fhir:patient_search",
        "fhir:immunization_search",
        "fhir:recommendation_search",
        "fhir:allergy_search",
        "fhir:flag_search",
        "fhir:unknown",
    }


@pytest.mark.django_db
def test_an_account_without_the_right_is_turned_away_at_every_door(cast):
    nobody = UserFactory(caregiver=cast.caregiver_a, default_unit=cast.unit_a)
    User.objects.filter(pk=nobody.pk).update(rights=[])
    client = client_for(User.objects.get(pk=nobody.pk))
    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    checked, let_in = 0, []
    for name, (_route, params, door) in doors().items():
        if door is None or not door.rights:
            continue
        url = reverse(name, kwargs={p: values[p] for p in params})
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (403, 405):
                let_in.append(f"{method.upper()} {name} → {status}")
        checked += 1
    assert checked > 50
    assert not let_in


def test_views_never_check_a_right_inline():
    """A PermissionDenied in a view body is a door nobody can see in the walk above."""
    inline = []
    for path in sorted(ROOT.glob("*/views/*.py")) + sorted(ROOT.glob("*/views.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inline += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Raise) and "PermissionDenied" in ast.unparse(node)
        ]
    assert not inline
