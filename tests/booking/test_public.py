"""Resident self-service (R14) on the public pages: no login, nothing revealed about anyone else."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from booking import services
from booking.models import Booking, Slot
from booking.services import booking_confirmation_send
from booking.tokens import booking_for_token, make_token
from journal.identity import identity_with_check_digit
from journal.models import Patient
from mittvaccin.models import OutboundMessage
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, make_slot
from tests.factories import PatientFactory, register_person

pytestmark = pytest.mark.django_db

PNR = "19850412-1230"  # not in any journal; valid check digit


def valid_pnr(birth: dt.date, serial: int = 982) -> str:
    value = identity_with_check_digit(birth.year, birth.month, birth.day, serial)
    return f"{value[:8]}-{value[8:]}"


def form_data(**overrides):
    data = {
        "identity": PNR,
        "given_names": "Elin",
        "family_name": "Svensson",
        "phone": "070-123 45 67",
        "email": "elin@example.invalid",
        "accept_rule": "on",
        "submission": "s-" + overrides.pop("key", "1"),
    }
    data.update(overrides)
    return data


def book_url(timebook, slot=None):
    return reverse(
        "booking:public_book", args=[timebook.unit.slug, timebook.visit_type.pk, (slot or timebook.slot).pk]
    )


def test_public_pages_need_no_login(timebook):
    client = Client()
    for url in [
        reverse("booking:public_index"),
        reverse("booking:public_unit", args=[timebook.unit.slug]),
        reverse("booking:public_times", args=[timebook.unit.slug, timebook.visit_type.pk]),
        book_url(timebook),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_r5_unit_without_timebook_has_no_public_page(cast, timebook):
    client = Client()
    assert client.get(reverse("booking:public_unit", args=[cast.health_centre_a.slug])).status_code == 404
    index = client.get(reverse("booking:public_index")).content.decode()
    assert cast.unit_a.name in index
    assert cast.health_centre_a.name not in index
    cast.unit_a.timebook_enabled = False
    cast.unit_a.save()
    assert client.get(reverse("booking:public_unit", args=[cast.unit_a.slug])).status_code == 404
    assert client.get(book_url(timebook)).status_code == 404


def test_r14_resident_books_and_gets_the_confirmation(timebook, django_capture_on_commit_callbacks):
    client = Client()
    page = client.get(book_url(timebook)).content.decode()
    assert "Avboka senast 24 timmar före besöket" in page  # the rule is stated before booking
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(book_url(timebook), form_data())
    booking = Booking.objects.get()
    assert response.status_code == 302
    # The link carries a signed token with a timestamp: compare the booking it opens, not the text.
    location = resolve(urlsplit(response["Location"]).path)
    assert location.url_name == "manage" and response["Location"].endswith("?ny=1")
    assert booking_for_token(location.kwargs["token"]) == booking
    assert booking.made_by_kind == "resident"
    assert booking.made_by is None
    assert booking.patient.identity_number == "198504121230"
    assert booking.patient.caregiver == timebook.unit.caregiver
    confirmation = client.get(response["Location"]).content.decode()
    assert "Din tid är bokad" in confirmation
    assert booking.reference_display in confirmation
    email = OutboundMessage.objects.get(channel="email", purpose="booking_confirmation")
    assert email.reference == booking.reference
    [link] = re.findall(r"/bokning/([^/\s]+)/", email.body)
    assert booking_for_token(link) == booking
    assert OutboundMessage.objects.filter(channel="sms", purpose="booking_confirmation").count() == 1


def test_confirmation_page_names_no_channel_the_resident_did_not_give(timebook):
    """Booked with a phone only, the page promises no e-mail; its words are the same whatever was given
    (a protected identity's booking keeps no contact detail, and the page must not show that, R7)."""
    client = Client()
    response = client.post(book_url(timebook), form_data(email=""))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Bekräftelsen skickas till de kontaktuppgifter du angav." in page
    confirmation = page.split('data-testid="confirmation"')[1].split("</section>")[0]
    assert "e-post" not in confirmation
    assert "{#" not in confirmation and "R7" not in confirmation  # the template's comment stays in it


def test_confirmation_email_carries_the_calendar_file(
    timebook, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(book_url(timebook), form_data())
    (message,) = mailoutbox
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == ("besok.ics", "text/calendar")
    assert content.startswith("BEGIN:VCALENDAR\r\n")
    assert "BEGIN:VEVENT" in content
    assert "DTSTART:" + timebook.slot.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ") in content
    assert all(len(line.encode()) <= 75 for line in content.split("\r\n"))


def test_existing_patient_record_is_used_and_never_changed_from_the_web(cast, timebook, resident):
    before = (resident.family_name, resident.given_names, resident.phone)
    number = f"{resident.identity_number[:8]}-{resident.identity_number[8:]}"
    Client().post(book_url(timebook), form_data(identity=number, family_name="Annat", given_names="Namn"))
    booking = Booking.objects.get()
    resident.refresh_from_db()
    assert booking.patient == resident
    assert (resident.family_name, resident.given_names, resident.phone) == before
    assert booking.given_name == "Namn Annat"
    assert Patient.objects.filter(caregiver=cast.caregiver_a).count() == 1


def _normalised_page(client, response, booking, typed: str) -> str:
    """The page the resident lands on, with what is unique to the booking (reference, link, the number
    that was typed) taken out."""
    page = client.get(response["Location"]).content.decode()
    token = urlsplit(response["Location"]).path.rstrip("/").split("/")[-1]
    for unique in (booking.reference_display, booking.reference, token, typed[:8]):
        page = page.replace(unique, "…")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_r7_a_protected_person_books_like_anyone_and_the_answers_reveal_nothing(
    cast, timebook, django_capture_on_commit_callbacks
):
    """docs/PUBLIC_BOOKING.md: a stranger who types a personnummer cannot tell whether it is protected."""
    # The register knows this person as protected (through another caregiver's record).
    hidden = PatientFactory(caregiver=cast.caregiver_b, protected=True)
    hidden_number = f"{hidden.identity_number[:8]}-{hidden.identity_number[8:]}"
    answers = {}
    for label, number in (("ordinary", PNR), ("protected", hidden_number)):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(book_url(timebook), form_data(identity=number, key=label))
        assert response.status_code == 302, label
        booking = Booking.objects.get(submission_key=f"s-{label}")
        answers[label] = (response.status_code, _normalised_page(client, response, booking, number))
        sent = OutboundMessage.objects.filter(reference=booking.reference)
        assert sorted(sent.values_list("channel", flat=True)) == ["email", "sms"], label
    assert answers["ordinary"] == answers["protected"]

    # R7: nothing that could locate the protected person is kept, not even the typed address.
    booking = Booking.objects.get(submission_key="s-protected")
    patient = booking.patient
    assert patient.protected_identity
    assert (patient.phone, patient.email, patient.address) == ("", "", "")
    assert (booking.contact_phone, booking.contact_email) == ("", "")
    for message in OutboundMessage.objects.filter(reference=booking.reference):
        assert message.status == "sent"
        assert (message.recipient, message.body) == ("", "")


def test_r7_a_person_the_register_protects_is_marked_everywhere_and_nothing_kept(
    cast, timebook, django_capture_on_commit_callbacks
):
    """A5: the register's answer is a fact about the person: the other caregiver's row is marked too,
    and the booking keeps no contact detail, while the page is the ordinary confirmation."""
    other = PatientFactory(caregiver=cast.caregiver_b)
    register_person(other.identity_number, protected=True)
    number = f"{other.identity_number[:8]}-{other.identity_number[8:]}"
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(book_url(timebook), form_data(identity=number, key="register"))
    assert response.status_code == 302
    booking = Booking.objects.get(submission_key="s-register")
    assert booking.patient.protected_identity
    assert (booking.contact_phone, booking.contact_email) == ("", "")
    assert (booking.patient.phone, booking.patient.email) == ("", "")
    other.refresh_from_db()
    assert other.protected_identity and other.phone == ""


def test_a_booking_that_collides_with_the_persons_own_is_told_to_call(cast, timebook, resident):
    busy_number = f"{resident.identity_number[:8]}-{resident.identity_number[8:]}"
    Client().post(book_url(timebook), form_data(identity=busy_number, key="a"))
    parallel = ScheduleFactory(unit=cast.unit_a, visit_types=[timebook.visit_type], hours=[])
    other = make_slot(parallel, timebook.slot.starts_at)
    busy = Client().post(book_url(timebook, other), form_data(identity=busy_number, key="b"))
    assert busy.status_code == 422
    assert "kan inte göras på webben" in busy.content.decode()


def test_a_web_booking_for_a_known_patient_also_tells_the_patients_own_contact(
    cast, timebook, resident, django_capture_on_commit_callbacks
):
    """Without e-identification whoever typed the number may not be the patient: the patient hears of it."""
    resident.email, resident.phone = "egen@example.invalid", "070-111 22 33"
    resident.save()
    number = f"{resident.identity_number[:8]}-{resident.identity_number[8:]}"
    before = (resident.family_name, resident.given_names, resident.phone, resident.email)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            book_url(timebook),
            form_data(
                identity=number, phone="070-999 88 77", email="annan@example.invalid", family_name="Falsk"
            ),
        )
    booking = Booking.objects.get()
    resident.refresh_from_db()
    assert (resident.family_name, resident.given_names, resident.phone, resident.email) == before
    recipients = set(
        OutboundMessage.objects.filter(reference=booking.reference).values_list("recipient", flat=True)
    )
    assert recipients == {"070-999 88 77", "annan@example.invalid", "070-111 22 33", "egen@example.invalid"}
    # Sent once, however often the task is delivered.

    booking_confirmation_send(
        booking_id=booking.pk,
        kind="confirmation",
        reference=booking.reference,
        sequence=booking.events.count(),
    )
    assert OutboundMessage.objects.filter(reference=booking.reference).count() == 4


def test_minimum_age_refused_with_a_clear_message(timebook):
    timebook.visit_type.minimum_age_years = 12
    timebook.visit_type.save()
    child = valid_pnr(timezone.localdate() - dt.timedelta(days=365 * 8))
    response = Client().post(book_url(timebook), form_data(identity=child))
    assert response.status_code == 422
    assert "kan bokas från 12 års ålder" in response.content.decode()
    assert not Booking.objects.exists()
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("identity", "message"),
    [("19850412-1235", "Kontrollsiffran"), ("abc", "bara innehålla siffror"), ("", "måste fyllas i")],
)
def test_invalid_personnummer_gets_a_clear_message(timebook, identity, message):
    response = Client().post(book_url(timebook), form_data(identity=identity))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_contact_and_rule_required(timebook):
    response = Client().post(book_url(timebook), form_data(phone="", email="", accept_rule=""))
    page = response.content.decode()
    assert "Ange mobiltelefon eller e-post" in page
    assert "Bekräfta att du har läst avbokningsreglerna" in page
    assert not Booking.objects.exists()


def test_full_slot_tells_the_slot_just_filled_and_offers_others(cast, timebook):
    Slot.objects.filter(pk=timebook.slot.pk).update(capacity=1, planned_capacity=1)
    Client().post(book_url(timebook), form_data(key="first"))
    later = timebook.slot_at(timebook.slot.starts_at + dt.timedelta(minutes=30))
    response = Client().post(
        book_url(timebook), form_data(identity=valid_pnr(dt.date(1970, 1, 1)), key="second")
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "inte längre ledig" in page or "fullbokad" in page
    assert reverse("booking:public_book", args=[cast.unit_a.slug, timebook.visit_type.pk, later.pk]) in page
    assert Booking.objects.count() == 1


def test_r14_a_time_already_full_is_answered_without_a_booking_attempt(cast, timebook):
    Slot.objects.filter(pk=timebook.slot.pk).update(capacity=1, planned_capacity=1)
    Client().post(book_url(timebook), form_data(key="first"))
    with CaptureQueriesContext(connection) as captured:
        response = Client().post(
            book_url(timebook), form_data(identity=valid_pnr(dt.date(1970, 1, 1)), key="late")
        )
    assert response.status_code == 409
    # Unit, visit type, slot, the form's earlier booking (none), the alternatives and the price list's
    # figures the answer shows (R18: vaccines, visit fee; billing settings for the fee of each kind,
    # asked of billing once per kind): no lock, no patient, no write, no question to the population
    # register (most answers in a rush are this one). The unit and its caregiver are read once at most
    # (the first post left them in the public booking cache; test_public_rush.py holds a warm one to 3).
    assert len(captured.captured_queries) <= 9, "\n".join(q["sql"][:150] for q in captured.captured_queries)
    assert sum('FROM "mittvaccin_unit"' in q["sql"] for q in captured.captured_queries) <= 1
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "SAVEPOINT")) for q in captured.captured_queries)
    assert not Patient.objects.filter(
        identity_number=valid_pnr(dt.date(1970, 1, 1)).replace("-", "")
    ).exists()


def test_r18_the_unit_page_reads_the_unit_once_whatever_its_visit_types(cast, timebook):
    url = reverse("booking:public_unit", args=[timebook.unit.slug])
    Client().get(url)
    with CaptureQueriesContext(connection) as one:
        Client().get(url)
    for _n in range(3):
        VisitTypeFactory(unit=timebook.unit)
    with CaptureQueriesContext(connection) as four:
        page = Client().get(url)
    assert page.content.decode().count("TBE dos") >= 4
    units = [q for q in four.captured_queries if 'FROM "mittvaccin_unit"' in q["sql"]]
    assert len(units) == 1, "\n".join(q["sql"][:150] for q in four.captured_queries)
    # Each visit type still asks the price list for its own figures (R18), nothing more.
    assert len(four) - len(one) <= 3 * 3


def test_r14_the_form_that_took_the_last_seat_sent_again_finds_its_booking(timebook):
    Slot.objects.filter(pk=timebook.slot.pk).update(capacity=1, planned_capacity=1)
    client = Client()
    first = client.post(book_url(timebook), form_data(key="last-seat"))
    again = client.post(book_url(timebook), form_data(key="last-seat"))
    assert (first.status_code, again.status_code) == (302, 302)
    # Both lead to the one booking (the signed links may differ in their time stamp).
    opened = [
        booking_for_token(resolve(urlsplit(r["Location"]).path).kwargs["token"]) for r in (first, again)
    ]
    assert opened == [Booking.objects.get()] * 2


def test_past_and_closed_slots_cannot_be_booked(timebook):
    past = timebook.slot_at(timezone.now() - dt.timedelta(hours=2))
    assert Client().post(book_url(timebook, past), form_data()).status_code == 409
    Slot.objects.filter(pk=timebook.slot.pk).update(is_closed=True)
    assert Client().post(book_url(timebook), form_data(key="2")).status_code == 409
    assert not Booking.objects.exists()


def test_slot_of_another_unit_is_not_found(cast, timebook):
    url = reverse(
        "booking:public_book", args=[cast.unit_a_no_payment.slug, timebook.visit_type.pk, timebook.slot.pk]
    )
    assert Client().get(url).status_code == 404


def test_double_submit_makes_one_booking(timebook):
    client = Client()
    first = client.post(book_url(timebook), form_data(key="same"))
    second = client.post(book_url(timebook), form_data(key="same"))
    assert Booking.objects.count() == 1
    # Both answers lead to the same booking (the signed links may differ by the second they were made).
    opened = [
        booking_for_token(resolve(urlsplit(r["Location"]).path).kwargs["token"]) for r in (first, second)
    ]
    assert opened == [Booking.objects.get()] * 2


@override_settings(BOOKING_RATE_LIMIT_PER_ADDRESS=3, BOOKING_RATE_LIMIT_PER_IDENTITY=100)
def test_rate_limit_per_client_address(timebook):
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        client.post(book_url(timebook), form_data(identity="bad", key=str(i))).status_code for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert "För många försök" in client.post(book_url(timebook), form_data()).content.decode()
    assert (
        Client(REMOTE_ADDR="203.0.113.10").post(book_url(timebook), form_data(identity="bad")).status_code
        == 200
    )


@override_settings(BOOKING_RATE_LIMIT_PER_ADDRESS=100, BOOKING_RATE_LIMIT_PER_IDENTITY=2)
def test_rate_limit_per_personnummer(timebook):
    full = timebook.slot_at(timezone.now() - dt.timedelta(hours=1))
    for i in range(2):
        Client(REMOTE_ADDR=f"198.51.100.{i}").post(book_url(timebook, full), form_data(key=str(i)))
    response = Client(REMOTE_ADDR="198.51.100.50").post(book_url(timebook), form_data(key="x"))
    assert response.status_code == 429
    assert not Booking.objects.exists()


def test_public_times_show_counts_never_names(cast, timebook, resident):
    services.booking_create(
        slot=timebook.slot,
        visit_type=timebook.visit_type,
        patient=resident,
        made_by_kind="staff",
        user=cast.alice,
    )
    client = Client()
    day = timezone.localtime(timebook.slot.starts_at).date().isoformat()
    pages = [
        client.get(
            reverse("booking:public_times", args=[cast.unit_a.slug, timebook.visit_type.pk]) + f"?dag={day}"
        ),
        client.get(book_url(timebook)),
        client.get(reverse("booking:public_unit", args=[cast.unit_a.slug])),
    ]
    for response in pages:
        text = response.content.decode()
        assert resident.family_name not in text
        assert resident.identity_number[:8] not in text
    assert "1 plats kvar" in pages[0].content.decode()


# --- The private link ---------------------------------------------------------------------------


def _booked(timebook, **kwargs):
    Client().post(book_url(timebook, kwargs.pop("slot", None)), form_data(**kwargs))
    return Booking.objects.latest("pk")


def test_private_link_shows_only_this_booking(cast, timebook):
    booking = _booked(timebook)
    page = Client().get(reverse("booking:manage", args=[make_token(booking)])).content.decode()
    assert booking.reference_display in page
    assert "19850412-****" in page
    assert "198504121230" not in page
    assert "19850412-1230" not in page


def test_tampered_link_is_refused_and_expired_link_says_so(timebook):
    booking = _booked(timebook)
    token = make_token(booking)
    client = Client()
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("booking:manage", args=[tampered])).status_code == 404
    assert client.post(reverse("booking:manage_cancel", args=[tampered])).status_code == 404
    forged = signing.dumps({"r": booking.reference, "k": "guess"}, salt="booking.manage-link")
    assert client.get(reverse("booking:manage", args=[forged])).status_code == 404
    assert client.get(reverse("booking:manage", args=["nonsense"])).status_code == 404
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    expired = client.get(reverse("booking:manage", args=[token]))
    assert expired.status_code == 410
    assert "gått ut" in expired.content.decode()
    assert client.post(reverse("booking:manage_cancel", args=[token])).status_code == 410
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_r9_late_cancel_through_the_link_is_flagged_and_warned(timebook):
    soon = timebook.slot_at(timezone.now() + dt.timedelta(hours=5))
    with time_machine.travel(timezone.now() - dt.timedelta(days=3)):
        booking = _booked(timebook, slot=soon)  # booked in good time
    client = Client()
    url = reverse("booking:manage_cancel", args=[make_token(booking)])
    assert "Det är mindre än 24 timmar kvar" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.late_cancellation is True
    assert booking.cancelled_by_kind == "resident"
    assert "faktura för sent avbokat" in response.content.decode()
    # Cancelling again through the link changes nothing.
    client.post(url)
    assert Booking.objects.get(pk=booking.pk).cancelled_at == booking.cancelled_at


def test_r9_late_cancel_of_a_short_notice_booking_promises_no_fee(timebook):
    soon = timebook.slot_at(timezone.now() + dt.timedelta(hours=5))
    booking = _booked(timebook, slot=soon)  # booked 5 hours before: the caregiver exempts such bookings
    client = Client()
    url = reverse("booking:manage_cancel", args=[make_token(booking)])
    page = client.get(url).content.decode()
    assert "Avbokningen är kostnadsfri" in page
    assert "faktura" not in page.split("<main", 1)[1]
    response = client.post(url, follow=True)
    booking.refresh_from_db()
    assert booking.late_cancellation is True  # the fact is kept for billing either way
    assert "faktura för sent avbokat" not in response.content.decode()


def test_r5_r18_a_unit_without_payment_solution_promises_no_fees(cast):
    unit = cast.unit_a_no_payment
    visit_type = VisitTypeFactory(unit=unit, name="Influensa")
    ScheduleFactory(unit=unit, visit_types=[visit_type], hours=[])
    page = Client().get(reverse("booking:public_unit", args=[unit.slug])).content.decode()
    assert "Avboka gärna senast 24 timmar" in page
    assert "faktura" not in page.split("<main", 1)[1]


def test_cancel_in_good_time_through_the_link_is_free(timebook):
    booking = _booked(timebook)
    Client().post(reverse("booking:manage_cancel", args=[make_token(booking)]))
    booking.refresh_from_db()
    assert (booking.status, booking.late_cancellation) == ("cancelled", False)


def test_move_through_the_link(timebook):
    booking = _booked(timebook)
    target = timebook.slot_at(timebook.slot.starts_at + dt.timedelta(days=1))
    client = Client()
    url = reverse("booking:manage_move", args=[make_token(booking)])
    day = timezone.localtime(target.starts_at).date().isoformat()
    assert f'value="{target.pk}"' in client.get(url + f"?dag={day}").content.decode()
    # A tapped time is only proposed: the page asks before anything moves.
    proposal = client.post(url, {"slot": target.pk})
    assert proposal.status_code == 200 and 'data-testid="move-confirm"' in proposal.content.decode()
    booking.refresh_from_db()
    assert booking.slot != target
    response = client.post(url, {"slot": target.pk, "confirm": "1"})
    booking.refresh_from_db()
    assert response.status_code == 302
    assert booking.slot == target
    assert client.post(url, {"slot": "999999"}).status_code == 422
    assert client.post(url, {"slot": "x"}).status_code == 422


def test_calendar_file_download(timebook):
    booking = _booked(timebook)
    response = Client().get(reverse("booking:manage_ics", args=[make_token(booking)]))
    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:booking-{booking.reference}@" in response.content.decode()
