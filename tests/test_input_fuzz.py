"""No input gives a 500: every form of every app, found from the URL configuration, fuzzed.

Like the tenancy walk, the URLs come from the URL configuration (new ones join by themselves) with
caregiver A's ids from tests/tenancy_ids.py, and the public pages with a real unit, slot and booking
link. Each page is opened as each role (anonymous, nurse, physician, clinic staff, administrator); every
form on a page that answers is posted with every field set to a NUL byte, invalid UTF-8, 100,000
characters and emoji, and every GET form and page with its query parameters set the same way. No
answer may be a 5xx. The figures are kept in FIGURES for the closing note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from booking import services as booking_services
from booking.models import ActorKind
from booking.tokens import make_token
from journal.models import Patient
from mittvaccin.input import clean_text
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.tenancy_ids import ID_PROVIDERS
from tests.test_tenancy_urls import url_for, walk

pytestmark = pytest.mark.django_db

PAYLOADS: dict[str, bytes] = {
    "nul": "ett\x00två".encode(),
    "invalid-utf8": b"\xc3\x28\xa0\xa1\xff\xfe",
    # ASCII, so a form of twenty such fields still fits under Django's request-size limit.
    "100k": ("x" * 100_000).encode(),
    "emoji": "💉🧒🏽‍⚕️ 👩‍👩‍👧 🇸🇪".encode(),
}
# Each fuzzing request gets a client of its own, so a form that ends the session or switches the
# language does not change the rest of the walk.
FIGURES: dict[str, int] = {}


@dataclass
class Form:
    action: str
    method: str
    fields: list[str] = field(default_factory=list)

    def key(self):
        return (urlsplit(self.action).path, self.method, tuple(sorted(set(self.fields))))


class FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.loose: list[str] = []  # fields outside a form (htmx hx-post/hx-get on inputs)
        self.hx_targets: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for verb in ("hx-post", "hx-get"):
            if attrs.get(verb):
                self.hx_targets.append((urljoin(self.page_url, attrs[verb]), verb[3:]))
        if tag == "form":
            action = urljoin(self.page_url, attrs.get("action") or self.page_url)
            self.current = Form(action=action, method=(attrs.get("method") or "get").lower())
            self.forms.append(self.current)
        elif tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            target = self.current.fields if self.current else self.loose
            target.append(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def public_values(cast) -> dict:

    visit_type = VisitTypeFactory(unit=cast.unit_a, minimum_age_years=0)
    schedule = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[])
    slot = make_slot(schedule, in_days(3))
    make_slot(schedule, in_days(4))

    booking = booking_services.booking_create(
        slot=slot,
        visit_type=visit_type,
        patient=PatientFactory(caregiver=cast.caregiver_a),
        made_by_kind=ActorKind.RESIDENT,
        contact_email="a@example.invalid",
    )
    return {
        "unit_slug": cast.unit_a.slug,
        "visit_type_id": visit_type.pk,
        "slot_id": slot.pk,
        "token": make_token(booking),
    }


def every_url(cast) -> list[str]:
    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    values.update(public_values(cast))
    urls = []
    for name, _route, entry in walk():
        if not name or name.startswith("set_language"):
            continue
        params = sorted(getattr(entry.pattern, "converters", {}))
        if any(p not in values for p in params):
            raise AssertionError(f"no value for {name}'s {params}: add a provider")
        urls.append(url_for(name, params, values) if params else reverse(name))
    return urls


def encoded(fields, payload: bytes) -> bytes:
    return "&".join(f"{quote(name)}={quote_from_bytes(payload)}" for name in fields).encode()


def fuzz(client_factory, form: Form, failures: list, counts: dict) -> None:
    path = urlsplit(form.action).path
    for label, payload in PAYLOADS.items():
        client = client_factory()
        fields = form.fields or ["q"]
        if form.method == "post":
            response = client.generic(
                "POST", path, data=encoded(fields, payload), content_type="application/x-www-form-urlencoded"
            )
        else:
            response = client.get(f"{path}?{encoded(fields, payload).decode()}")
        counts["requests"] += 1
        if response.status_code >= 500:
            failures.append(
                f"{form.method.upper()} {path} {sorted(set(fields))} with {label} → {response.status_code}"
            )


def test_no_input_gives_a_5xx_on_any_form_of_any_app(cast):
    urls = every_url(cast)
    roles = {
        "anonymous": lambda: Client(raise_request_exception=False),
        "nurse": lambda: _signed_in(cast.alice),
        "physician": lambda: _signed_in(cast.bob),
        "clinic staff": lambda: _signed_in(cast.clinic_a),
        "administrator": lambda: _signed_in(cast.admin_a),
    }
    failures: list[str] = []
    counts = {"requests": 0}
    fuzzed: set = set()
    pages_reached = 0
    for role, make_client in roles.items():
        browser = make_client()
        for url in urls:
            response = browser.get(url)
            if response.status_code >= 500:
                failures.append(f"{role} GET {url} → {response.status_code}")
                continue
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages_reached += 1
            parser = FormParser(url)
            parser.feed(response.content.decode())
            forms = list(parser.forms)
            for target, method in parser.hx_targets:
                forms.append(Form(action=target, method=method, fields=parser.loose))
            # The page itself with its own query parameters (search boxes, filters, day pickers).
            forms.append(Form(action=url, method="get", fields=["q", "dag", "fran", "till", "page", "sida"]))
            for form in forms:
                if urlsplit(form.action).netloc not in ("", "testserver"):
                    continue
                key = (role, *form.key())
                if key in fuzzed:
                    continue
                fuzzed.add(key)
                fuzz(make_client, form, failures, counts)
    FIGURES.update(
        forms_fuzzed=len({key[1:] for key in fuzzed}),
        form_role_pairs=len(fuzzed),
        requests=counts["requests"],
        pages=pages_reached,
        five_hundreds=len(failures),
    )
    print(f"\nfuzz figures: {FIGURES}")
    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures)
    assert FIGURES["forms_fuzzed"] > 60
    post_forms = {key for key in fuzzed if key[2] == "post"}
    assert len(post_forms) > 40


def _signed_in(user) -> Client:
    client = client_for(user)
    client.raise_request_exception = False
    return client


def test_a_nul_byte_is_stripped_before_any_view_sees_it(cast, patient_a):
    client = client_for(cast.alice)
    response = client.get(reverse("journal:patient_search"), {"q": "Anders\x00son"})
    assert response.status_code == 200
    assert patient_a.family_name in response.content.decode()


def test_a_nul_byte_in_the_public_booking_is_not_a_database_error(cast):

    values = public_values(cast)
    url = reverse(
        "booking:public_book", args=[values["unit_slug"], values["visit_type_id"], values["slot_id"]]
    )
    data = {
        "identity": "19850412-1230",
        "given_names": "El\x00in",
        "family_name": "Svens\x00son",
        "phone": "070-123 45 67",
        "email": "elin@example.invalid",
        "accept_rule": "on",
        "submission": "s-nul",
    }
    response = Client().post(url, data)
    assert response.status_code == 302
    assert Patient.objects.get(identity_number="198504121230").family_name == "Svensson"


def test_control_characters_go_but_tabs_and_line_breaks_stay():

    assert clean_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert clean_text("rad 1\r\nrad 2\tslut 💉") == "rad 1\r\nrad 2\tslut 💉"


def test_an_unreadable_form_body_is_a_400_not_a_500(cast):
    response = client_for(cast.alice).generic(
        "POST",
        reverse("journal:patient_create"),
        data=b"--x\r\nContent-Disposition: form-data; name=\r\n\r\n",
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
