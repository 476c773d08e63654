"""Redirects after a form go through one safe helper: a posted `next` (or `tillbaka`) pointing off the
site is ignored, in every view that follows one."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from booking.models import Booking
from journal.models import Note
from tests.conftest import client_for
from tests.tenancy_ids import ID_PROVIDERS

ROOT = Path(__file__).resolve().parents[1]
EVIL = ["//evil.example/", "/\\evil.example/", "https://evil.example/", "\\\\evil.example"]


def _note(cast):
    note = Note.objects.get(pk=ID_PROVIDERS["note_id"](cast))
    return reverse("journal:note_comment", args=[note.patient_id, note.pk]), {"text": "En kommentar."}


def _no_show(cast):
    booking_id = ID_PROVIDERS["booking_id"](cast)
    now = timezone.now()
    # The visit has begun, so the no-show is accepted and the view follows `next`.
    Booking.objects.filter(pk=booking_id).update(
        starts_at=now - dt.timedelta(minutes=30), ends_at=now - dt.timedelta(minutes=20)
    )
    return reverse("booking:booking_no_show", args=[booking_id]), {}


# name: (user, field, prepare(cast) -> (url, data)); each view that follows a posted page.
FOLLOWERS = {
    "unit_switch": ("alice", "next", lambda cast: (reverse("unit_switch"), {"unit": cast.unit_a.pk})),
    "journal:consent": (
        "alice",
        "next",
        lambda cast: (reverse("journal:consent", args=[ID_PROVIDERS["patient_id"](cast)]), {"given": "yes"}),
    ),
    "journal:note_comment": ("bob", "next", _note),
    "journal:emergency_access": (
        "alice",
        "tillbaka",
        lambda cast: (
            reverse("journal:emergency_access", args=[ID_PROVIDERS["patient_id"](cast)]),
            {"reason": "Medvetslös patient, oklar reaktion", "confirm": "on"},
        ),
    ),
    "booking:booking_no_show": ("alice", "next", _no_show),
    "billing:charges_approve": ("clinic_a", "next", lambda cast: (reverse("billing:charges_approve"), {})),
    "billing:invoices_create": ("clinic_a", "next", lambda cast: (reverse("billing:invoices_create"), {})),
    "billing:charge_remove": (
        "clinic_a",
        "next",
        lambda cast: (
            reverse("billing:charge_remove", args=[ID_PROVIDERS["charge_id"](cast)]),
            {"reason": "Dubbelregistrerad"},
        ),
    ),
}


def on_site(location: str) -> bool:
    return (
        url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})
        and location.startswith("/")
        and "evil" not in location
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FOLLOWERS))
@pytest.mark.parametrize("evil", EVIL)
def test_a_posted_page_off_the_site_is_ignored(cast, name, evil):
    username, field, prepare = FOLLOWERS[name]
    url, data = prepare(cast)
    response = client_for(getattr(cast, username)).post(url, {**data, field: evil})
    assert response.status_code == 302, response.content.decode()[:500]
    assert on_site(response["Location"]), response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FOLLOWERS))
def test_a_page_on_the_site_is_followed(cast, name):
    username, field, prepare = FOLLOWERS[name]
    url, data = prepare(cast)
    # The journal keeps a patient's forms within that patient's pages; the others accept any page here.
    target = url.rsplit("/", 2)[0] + "/" if name.startswith("journal:") else "/tidbok/"
    target = re.sub(r"^(/patient/\d+/).*", r"\1", target)
    response = client_for(getattr(cast, username)).post(url, {**data, field: target})
    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.django_db
def test_a_form_page_never_carries_a_foreign_next_into_its_form(cast):
    charge = ID_PROVIDERS["charge_id"](cast)
    html = (
        client_for(cast.clinic_a)
        .get(reverse("billing:charge_adjust", args=[charge]), {"next": "//evil.example/"})
        .content.decode()
    )
    assert 'name="next" value="/fakturering/granskning/"' in html
    assert 'value="//evil' not in html  # the page's own address (in the unit switch) is encoded, not followed


def test_views_read_a_page_to_return_to_only_through_safe_next():
    """A view that read `next` itself could send the user anywhere; comparing it to a word is fine."""
    direct = []
    for path in sorted(ROOT.glob("*/views/*.py")) + sorted(ROOT.glob("*/views.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        compared = {id(n) for node in ast.walk(tree) if isinstance(node, ast.Compare) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "get"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in {"next", "tillbaka"}
                and id(node) not in compared
            ):
                direct.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not direct
