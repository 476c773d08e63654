"""R7, A5: once a patient is marked protected, no page, PDF, export or message shows where they are.

The walk discovers every URL pattern of the project (as the tenancy walk does), fills its parameters
with the ids of ONE richly documented patient (visit, dose, order, note, signal, block, booking,
charge, invoice, the resident's private booking link), and reads each page as every staff role. None
may show any of the contact details the patient had before the marking. Then every path that sends
a message to a patient is run: none may send anything.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing import services as billing_services
from billing.models import Charge
from booking import services as booking_services
from booking.models import ActorKind, Booking
from booking.tokens import make_token
from journal import services
from journal.models import Patient, ProtectionChange
from journal.reminders import _deliver, next_dose_reminder_send
from journal.services import consent_record
from mittvaccin.models import OutboundMessage
from tests.billing.factories import approved, ready_caregiver
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.conftest import client_for
from tests.factories import PatientFactory, register_person
from tests.journal.factories import ready_visit, register
from tests.journal.factories import ready_visit as ready_at_a
from tests.tenancy_ids import ID_PROVIDERS
from tests.test_tenancy_urls import walk

pytestmark = pytest.mark.django_db

CONTACT = {
    "address": "Hemlighetsvägen 17",
    "postal_code": "653 41",
    "city": "Lönnhult",
    "phone": "070-987 65 43",
    "email": "hemlig.person@example.invalid",
}
BOOKING_PHONE = "073-555 12 34"
BOOKING_EMAIL = "bokning.hemlig@example.invalid"
# Each contact detail, also as digits only (a number can be shown normalised).
FORBIDDEN = [
    "Hemlighetsvägen",
    "653 41",
    "65341",
    "Lönnhult",
    "987 65 43",
    "9876543",
    "hemlig.person@",
    "555 12 34",
    "5551234",
    "bokning.hemlig@",
]


def leaks(text: str) -> list[str]:
    return [needle for needle in FORBIDDEN if needle in text]


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8-sig", errors="replace")


class Documented:
    """One patient of caregiver A with something behind every kind of URL."""

    def __init__(self, cast):
        ready_caregiver(cast.caregiver_a)
        self.patient = PatientFactory(caregiver=cast.caregiver_a, **CONTACT)
        self.ready = ready_visit(cast, patient=self.patient)
        billing_services.price_set(
            caregiver=cast.caregiver_a,
            product=self.ready.product,
            amount=Decimal("345"),
            valid_from=dt.date(2020, 1, 1),
        )
        self.dose = register(cast, self.ready)
        self.charge = approved(list(Charge.objects.filter(patient=self.patient)), cast.clinic_a)[0]
        [self.invoice] = billing_services.invoices_issue(
            caregiver=cast.caregiver_a, user=cast.clinic_a, patient_ids=[self.patient.pk]
        ).invoices
        assert self.invoice.recipient_address == CONTACT["address"]  # the invoice was made before
        self.note = services.note_create(patient=self.patient, user=cast.bob, text="Bedömning före TBE.")
        self.signal = services.signal_create(
            patient=self.patient, user=cast.bob, kind="hypersensitivity", agent="ägg", severity="severe"
        )
        self.block = services.block_record(patient=self.patient, user=cast.alice, vaccination=None)
        self.visit_type = VisitTypeFactory(unit=cast.unit_a, minimum_age_years=0)
        schedule = ScheduleFactory(unit=cast.unit_a, visit_types=[self.visit_type], hours=[])
        self.slot = make_slot(schedule, in_days(3), capacity=5)
        self.later_slot = make_slot(schedule, in_days(4), capacity=5)
        self.booking = booking_services.booking_create(
            slot=self.slot,
            visit_type=self.visit_type,
            patient=self.patient,
            made_by_kind=ActorKind.STAFF,
            user=cast.alice,
            contact_phone=BOOKING_PHONE,
            contact_email=BOOKING_EMAIL,
        )
        # What went out before the marking: the booking's confirmation and a next-dose reminder.
        booking_services.booking_confirmation_send(booking_id=self.booking.pk, kind="confirmation")

        _deliver(self.dose, "sms")
        assert (
            OutboundMessage.objects.filter(
                recipient__in=[BOOKING_PHONE, BOOKING_EMAIL, CONTACT["phone"]]
            ).count()
            == 3
        )

    def url_values(self, cast) -> dict:
        values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
        values.update(
            patient_id=self.patient.pk,
            visit_id=self.ready.visit.pk,
            order_id=self.ready.order.pk,
            vaccination_id=self.dose.pk,
            note_id=self.note.pk,
            signal_id=self.signal.pk,
            block_id=self.block.pk,
            booking_id=self.booking.pk,
            charge_id=self.charge.pk,
            invoice_id=self.invoice.pk,
            unit_slug=cast.unit_a.slug,
            visit_type_id=self.visit_type.pk,
            slot_id=self.later_slot.pk,
            token=make_token(self.booking),
            day=timezone.localtime(self.booking.starts_at).date(),
        )
        return values


def every_get_url(values, patient, booking):
    """Every URL pattern, its parameters filled; list pages with the query that shows the patient."""
    today = timezone.localdate().isoformat()
    queries = {
        "journal:patient_search": {"q": patient.family_name},
        "booking:book": {"q": patient.identity_number},
        "billing:invoices_export": {"date_from": today, "date_to": today, "hamta": "1"},
        "billing:review": {"fran": "2020-01-01", "till": today},
        "billing:invoices": {"fran": "2020-01-01", "till": today},
    }
    for name, _route, entry in walk():
        params = sorted(getattr(entry.pattern, "converters", {}))
        if name in (None, "logout"):
            continue
        url = reverse(name, kwargs={p: values[p] for p in params})
        yield name, url, queries.get(name, {})


@pytest.mark.xdist_group("protection_walk")
def test_r7_a5_marking_an_existing_patient_shields_every_page_pdf_export_and_message(cast):
    documented = Documented(cast)
    patient = documented.patient
    values = documented.url_values(cast)
    # Control: before the marking the same walk finds the details (the needles are the right ones).
    before = {
        name: leaks(body_text(client_for(cast.clinic_a).get(url, query)))
        for name, url, query in every_get_url(values, patient, documented.booking)
        if name in ("journal:patient", "booking:booking", "billing:invoices_export", "billing:invoice_pdf")
    }
    assert all(before.values()), before
    change = services.protection_mark(
        patient=patient, user=cast.admin_a, reason="Beslut från Skatteverket visat"
    )

    # The one fact, and nothing left stored to leak.
    patient.refresh_from_db()
    assert patient.protected_identity
    assert all(getattr(patient, name) == "" for name in CONTACT)
    booking = Booking.objects.get(pk=documented.booking.pk)
    assert booking.contact_phone == booking.contact_email == ""
    sent = OutboundMessage.objects.filter(reference=booking.reference) | OutboundMessage.objects.filter(
        patient_id=patient.pk
    )
    assert sent.count() == 3  # the fact that they were sent stays
    assert set(sent.values_list("recipient", flat=True)) == {""}
    assert all(m.recipient_removed_at for m in sent)
    assert change.user == cast.admin_a and "adress" in change.removed and "telefon" in change.removed

    reached, leaked = set(), []
    for user in (cast.admin_a, cast.alice, cast.bob, cast.clinic_a):
        client = client_for(user)
        for name, url, query in every_get_url(values, patient, booking):
            response = client.get(url, query)
            if response.status_code != 200:
                continue
            reached.add(name)
            found = leaks(body_text(response))
            if found:
                leaked.append(f"{user.username} {name} {url}: {found}")
    assert not leaked, "Contact details of a protected patient shown:\n" + "\n".join(leaked)
    # The walk reached the pages that showed the details before (patient, contact form, search, the
    # booking and its form, the invoice, its PDF and CSV, the resident's own page, the certificate).
    for name in (
        "journal:patient",
        "journal:patient_edit",
        "journal:patient_search",
        "journal:certificate",
        "journal:protection",
        "booking:booking",
        "booking:book",
        "booking:day",
        "booking:manage",
        "billing:invoice",
        "billing:invoice_pdf",
        "billing:invoices_export",
        "billing:charge",
    ):
        assert name in reached, name

    # Every path that messages a patient: nothing goes out, to anyone.
    before = OutboundMessage.objects.count()
    for kind in ("confirmation", "moved", "cancelled"):
        assert booking_services.booking_confirmation_send(booking_id=booking.pk, kind=kind) == 0
    booking_services.booking_reminder_send(
        booking_id=booking.pk, now=booking.starts_at - dt.timedelta(hours=2)
    )

    assert next_dose_reminder_send(vaccination_id=documented.dose.pk) is False
    moved = booking_services.booking_move(
        booking=Booking.objects.get(pk=booking.pk),
        new_slot=documented.later_slot,
        by_kind=ActorKind.STAFF,
        user=cast.alice,
    )
    assert moved.contact_phone == moved.contact_email == ""
    again = booking_services.booking_create(
        slot=documented.slot,
        visit_type=documented.visit_type,
        patient=Patient.objects.get(pk=patient.pk),
        made_by_kind=ActorKind.STAFF,
        user=cast.alice,
        contact_phone=BOOKING_PHONE,
        contact_email=BOOKING_EMAIL,
    )
    assert again.contact_phone == again.contact_email == ""
    assert OutboundMessage.objects.count() == before


def test_r7_a5_the_register_protects_the_person_at_every_caregiver_before_a_message_goes_out(cast):
    here = PatientFactory(caregiver=cast.caregiver_a, **CONTACT)
    elsewhere = PatientFactory(
        caregiver=cast.caregiver_b,
        identity_number=here.identity_number,
        phone="070-444 33 22",
        address="Norrgatan 2",
    )
    visit_type = VisitTypeFactory(unit=cast.unit_a, minimum_age_years=0)
    slot = make_slot(ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[]), in_days(3))
    booking = booking_services.booking_create(
        slot=slot,
        visit_type=visit_type,
        patient=here,
        made_by_kind=ActorKind.STAFF,
        user=cast.alice,
        contact_phone=BOOKING_PHONE,
    )
    # The tax agency protects the person; the register says so. The reminder asks before it sends.
    register_person(here.identity_number, protected=True)
    assert booking_services.booking_confirmation_send(booking_id=booking.pk, kind="confirmation") == 0
    assert not OutboundMessage.objects.exists()
    for row in (here, elsewhere):
        row.refresh_from_db()
        assert row.protected_identity
        assert row.phone == row.address == ""
        assert ProtectionChange.objects.get(patient=row).source == ProtectionChange.Source.REGISTER
    assert Booking.objects.get(pk=booking.pk).contact_phone == ""


def test_r7_a5_manual_marking_at_one_caregiver_reaches_the_persons_rows_elsewhere(cast):
    here = PatientFactory(caregiver=cast.caregiver_a)
    elsewhere = PatientFactory(caregiver=cast.caregiver_b, identity_number=here.identity_number)
    services.protection_mark(
        patient=here, user=cast.alice, reason="Patienten visade beslut från Skatteverket"
    )
    elsewhere.refresh_from_db()
    assert elsewhere.protected_identity and elsewhere.email == ""
    change = ProtectionChange.objects.get(patient=elsewhere)
    # The other caregiver learns that the person is protected, not who marked it here.
    assert change.source == ProtectionChange.Source.OTHER_CAREGIVER
    assert change.user is None and change.signature == "" and change.reason == ""


def test_r7_shared_record_of_a_protected_person_does_not_name_the_unit(cast):

    treated = PatientFactory(caregiver=cast.caregiver_a)
    register(cast, ready_at_a(cast, patient=treated))
    other = PatientFactory(caregiver=cast.caregiver_b, identity_number=treated.identity_number)
    register_person(treated.identity_number, protected=True)
    assert services.protection_check_register(
        identity_kind=other.identity_kind, identity_number=other.identity_number
    )
    consent_record(patient=other, user=cast.charlie, given=True)
    services.visit_open(patient=other, unit=cast.unit_b, user=cast.charlie)  # a care relationship (R6)
    page = client_for(cast.charlie).get(reverse("journal:patient", args=[other.pk])).content.decode()
    assert cast.caregiver_a.name in page  # the dose is there, with its caregiver
    assert 'data-testid="shared-unit-hidden"' in page
    assert cast.unit_a.name not in page
