"""Ids for the accessibility walk beyond tests/tenancy_ids.py: the public booking's own parameters.

The tenancy walk leaves the resident's pages out (they are public by design, tests/tenancy_ids.py
PUBLIC_URL_NAMES), so their parameters are filled here, as one coherent scene at caregiver A's unit:
a visit type booked online, free times over the next days, a resident's booking with its private
link, and a booking today of a protected patient with an attention signal, so the day view shows its
markers. A new public parameter fails the walk until it has a provider here.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone


def scene(cast) -> SimpleNamespace:
    found = getattr(cast, "_a11y_scene", None)
    if found is not None:
        return found
    from booking.timebook import local_datetime
    from journal.services import signal_create
    from tests.billing.factories import product_with_price
    from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
    from tests.factories import PatientFactory

    unit = cast.unit_a
    unit.phone, unit.address, unit.postal_code, unit.city = (
        "054-10 20 30",
        "Storgatan 1",
        "652 25",
        "Karlstad",
    )
    unit.save()
    visit_type = VisitTypeFactory(
        unit=unit,
        name="TBE, första dosen",
        description="Första dosen mot TBE.",
        price_text="gratis för barn",
    )
    # R18: the price shown comes from the price list (the walk sees the price line too).
    visit_type.vaccines.set([product_with_price(cast.caregiver_a, "350", name="TBE a11y")])
    schedule = ScheduleFactory(unit=unit, visit_types=[visit_type], hours=[], capacity=2)
    slots = [make_slot(schedule, in_days(days, 9, minutes)) for days in (1, 2, 3) for minutes in (0, 10, 20)]
    resident = PatientFactory(caregiver=cast.caregiver_a, family_name="Svensson", given_names="Elin")
    booking = _book(slots[-1], resident, made_by_kind="resident", contact_phone="070-123 45 67")
    # Today, five minutes past midnight: in the past whatever the hour the walk runs, so the day view
    # offers its "Ankomst"/"Uteblev" actions and shows the protected marker and the signal badge.
    protected = PatientFactory(
        caregiver=cast.caregiver_a, family_name="Hemlig", given_names="Hanna", protected=True
    )
    signal_create(patient=protected, user=cast.bob, kind="hypersensitivity", agent="ägg", severity="severe")
    early = make_slot(schedule, local_datetime(timezone.localdate(), dt.time(0, 5)))
    _book(early, protected, made_by_kind="staff", made_by=cast.clinic_a)
    # The national catalogue's maintainer: an installation-level account with no caregiver rights.
    from journal.catalogue import maintainer_set
    from tests.factories import UserFactory

    cast.maintainer = UserFactory(caregiver=cast.caregiver_a, username="katalog_a", rights=[])
    maintainer_set(user=cast.maintainer, granted=True, by=None, reason="Tillgänglighetsgenomgången")
    cast._a11y_scene = SimpleNamespace(
        unit=unit, visit_type=visit_type, free_slot=slots[0], booking=booking, protected=protected
    )
    return cast._a11y_scene


def _book(slot, patient, **fields):
    from booking.models import Booking

    return Booking.objects.create(
        unit=slot.unit,
        patient=patient,
        visit_type=slot.schedule.visit_types.first(),
        slot=slot,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        **fields,
    )


def _token(cast) -> str:
    from booking.tokens import make_token

    return make_token(scene(cast).booking)


A11Y_PROVIDERS = {
    "unit_slug": lambda cast: scene(cast).unit.slug,
    "visit_type_id": lambda cast: scene(cast).visit_type.pk,
    "slot_id": lambda cast: scene(cast).free_slot.pk,
    "token": _token,
    # No identity provider is configured in the tests: the sign-in pages are walked where they lead
    # in tests/e2e/test_eid_sign_in.py, against a real provider (NOT_PAGES says so).
    "provider_key": lambda cast: "invanare",
    # The scene's booking is a resident's own: the residents' pages of a booking reach it as that
    # resident, the staff pages as caregiver A's staff.
    "booking_id": lambda cast: scene(cast).booking.pk,
}


def resident_session_key(cast) -> str:
    """A session of the scene's resident signed in with e-identification (what mittvaccin.eid keeps)."""
    import time

    from django.contrib.sessions.backends.db import SessionStore

    from mittvaccin.eid import SESSION_RESIDENT

    patient = scene(cast).booking.patient
    store = SessionStore()
    now = int(time.time())
    store[SESSION_RESIDENT] = {
        "identity": patient.identity_number,
        "given_names": patient.given_names,
        "family_name": patient.family_name,
        "at": now,
        "seen": now,
        "provider": "",
    }
    store.create()
    return store.session_key


# Pages that are no page without a query string (a 404 without it): what the links to them carry.
QUERIES = {
    "billing:price_new": lambda values: {"article": values["article_id"]},
    "billing:dose_price": lambda values: {"patient": values["patient_id"], "visit": values["visit_id"]},
    "reports:statistics_csv": lambda values: {"figur": "doses"},
}


def walk_values(cast) -> dict:
    """Caregiver A's ids for every URL parameter: the tenancy walk's providers, then the public ones."""
    from tests.tenancy_ids import ID_PROVIDERS

    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    values.update({param: provider(cast) for param, provider in A11Y_PROVIDERS.items()})
    _remind(cast, values["invoice_id"])
    return values


def _remind(cast, invoice_id) -> None:
    """The walk's invoice gets its payment reminder (sent when it may be), so the reminder PDF is walked."""
    from billing.models import Invoice
    from billing.services.reminders import reminder_send

    invoice = Invoice.objects.get(pk=invoice_id)
    if not hasattr(invoice, "reminder"):
        reminder_send(invoice=invoice, user=cast.clinic_a, today=invoice.due_date + dt.timedelta(days=60))
