"""Staff pages of the timebook (R5, R14): only where turned on, per unit, with rights and access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.models import ActorKind, Booking
from mittvaccin.models import AccessLogEntry
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, make_slot
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.test_tenancy_urls import parameterised_patterns

pytestmark = pytest.mark.django_db


def _book(timebook, patient, slot=None, user=None):
    return services.booking_create(
        slot=slot or timebook.slot,
        visit_type=timebook.visit_type,
        patient=patient,
        made_by_kind=ActorKind.STAFF,
        user=user,
    )


def _day_url(unit, when):
    return reverse("booking:day", args=[unit.pk, timezone.localtime(when).date()])


def test_tenancy_walk_covers_the_staff_urls():
    names = {name for name, _, _ in parameterised_patterns()}
    for name in ["booking:day", "booking:week", "booking:book", "booking:booking", "booking:booking_check_in",
                 "booking:booking_no_show", "booking:booking_undo_no_show", "booking:billing_facts", "booking:setup",
                 "booking:schedule_edit", "booking:exception_remove"]:  # fmt: skip
        assert name in names


def test_r5_menu_shows_the_timebook_only_at_units_with_one(cast):
    home = client_for(cast.alice).get("/").content.decode()
    assert 'href="/tidbok/"' in home
    at_health_centre = client_for(cast.alice, cast.health_centre_a).get("/").content.decode()
    assert 'href="/tidbok/"' not in at_health_centre


def test_r5_staff_pages_are_a_clear_404_where_the_timebook_is_off(cast):
    client = client_for(cast.alice, cast.health_centre_a)
    response = client.get(reverse("booking:timebook"))
    assert response.status_code == 404
    assert "ingen tidbok" in response.content.decode()
    response = client_for(cast.alice).get(reverse("booking:today", args=[cast.health_centre_a.pk]))
    assert response.status_code == 404


def test_rights_are_checked(cast):
    assert client_for(cast.admin_a).get(reverse("booking:today", args=[cast.unit_a.pk])).status_code == 403
    assert client_for(cast.alice).get(reverse("booking:setup", args=[cast.unit_a.pk])).status_code == 403
    assert client_for(cast.clinic_a).get(reverse("booking:setup", args=[cast.unit_a.pk])).status_code == 200


def test_r14_day_view_lists_bookings_free_capacity_and_logs_the_reads(cast, timebook, resident):
    booking = _book(timebook, resident, user=cast.alice)
    response = client_for(cast.alice).get(_day_url(cast.unit_a, booking.starts_at))
    page = response.content.decode()
    assert response.status_code == 200
    assert resident.display_name in page
    assert timebook.visit_type.name in page
    assert "Ledigt: 1 av 2" in page
    assert "ledig (1 av 2)" in page
    assert AccessLogEntry.objects.filter(patient_id=resident.pk, user=cast.alice).count() == 1


def test_day_view_poll_answers_nothing_new_without_reading_patients(cast, timebook, resident):
    booking = _book(timebook, resident, user=cast.alice)
    client = client_for(cast.alice)
    url = _day_url(cast.unit_a, booking.starts_at)
    first = client.get(url)
    stamp = first.context["view"].stamp
    reads = AccessLogEntry.objects.count()
    assert client.get(url, {"stamp": stamp}, headers={"HX-Request": "true"}).status_code == 204
    assert AccessLogEntry.objects.count() == reads
    _book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    changed = client.get(url, {"stamp": stamp}, headers={"HX-Request": "true"})
    assert changed.status_code == 200
    assert "Ledigt: 0 av 2" in changed.content.decode()


def test_week_view_shows_counts(cast, timebook, resident):
    _book(timebook, resident, user=cast.alice)
    day = timezone.localtime(timebook.slot.starts_at).date()
    page = client_for(cast.alice).get(reverse("booking:week", args=[cast.unit_a.pk, day])).content.decode()
    assert "1/2" in page
    assert resident.family_name not in page


def test_r14_staff_books_a_new_patient_by_personnummer(cast, timebook, django_capture_on_commit_callbacks):
    client = client_for(cast.alice)
    url = reverse("booking:book", args=[cast.unit_a.pk])
    day = timezone.localtime(timebook.slot.starts_at).date().isoformat()
    page = client.get(url, {"q": "19121212-1212", "dag": day}).content.decode()
    assert "finns inte i journalen" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "q": "19121212-1212",
                "given_names": "Tolvan",
                "family_name": "Tolvansson",
                "visit_type": timebook.visit_type.pk,
                "slot": timebook.slot.pk,
                "contact_phone": "070-000 00 00",
                "submission": "x1",
            },
        )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.patient.family_name == "Tolvansson"
    assert (booking.made_by_kind, booking.made_by) == ("staff", cast.alice)
    detail = client.get(reverse("booking:booking", args=[booking.pk])).content.decode()
    assert "Skickade meddelanden" in detail
    assert "070-000 00 00" in detail  # the stored SMS confirmation is listed


def test_booking_page_offers_arrival_only_on_the_visit_day_then_the_vaccination(
    cast, timebook, resident, at_midday
):
    later = _book(timebook, resident, user=cast.alice)  # in three days
    client = client_for(cast.alice)
    page = client.get(reverse("booking:booking", args=[later.pk])).content.decode()
    assert "Ankomst" not in page
    assert "Boka om" in page
    slot = timebook.slot_at(timezone.now() + dt.timedelta(minutes=10))
    today = _book(timebook, resident, slot=slot, user=cast.alice)
    page = client.get(reverse("booking:booking", args=[today.pk])).content.decode()
    assert "Ankomst" in page
    client.post(reverse("booking:booking_check_in", args=[today.pk]))
    today.refresh_from_db()
    page = client.get(reverse("booking:booking", args=[today.pk])).content.decode()
    visit = reverse("journal:visit", kwargs={"patient_id": resident.pk, "visit_id": today.visit_id})
    assert f'href="{visit}"' in page
    assert "Öppna vaccination" in page


def test_staff_booking_refusal_is_a_message_not_a_500(cast, timebook, resident):
    timebook.visit_type.minimum_age_years = 99
    timebook.visit_type.save()
    response = client_for(cast.alice).post(
        reverse("booking:book", args=[cast.unit_a.pk]),
        {"q": resident.identity_number, "visit_type": timebook.visit_type.pk, "slot": timebook.slot.pk},
    )
    assert response.status_code == 200
    assert "99 års ålder" in response.content.decode()
    assert not Booking.objects.exists()


def test_check_in_leads_to_the_vaccination_visit(cast, timebook, resident, at_midday):
    slot = timebook.slot_at(timezone.now() + dt.timedelta(minutes=10))
    booking = _book(timebook, resident, slot=slot, user=cast.alice)
    response = client_for(cast.alice).post(reverse("booking:booking_check_in", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == "checked_in"
    assert response.status_code == 302
    expected = reverse("journal:visit", kwargs={"patient_id": resident.pk, "visit_id": booking.visit_id})
    assert response["Location"] == expected


def test_check_in_by_clinic_staff_stays_in_the_timebook(cast, timebook, resident):
    slot = timebook.slot_at(timezone.now() + dt.timedelta(minutes=10))
    booking = _book(timebook, resident, slot=slot, user=cast.alice)
    response = client_for(cast.clinic_a).post(reverse("booking:booking_check_in", args=[booking.pk]))
    assert response["Location"].startswith("/tidbok/")


def test_r8_no_show_via_htmx_swaps_the_row_and_refusal_is_a_message(cast, timebook, resident):
    booking = _book(timebook, resident, user=cast.alice)
    client = client_for(cast.alice)
    url = reverse("booking:booking_no_show", args=[booking.pk])
    early = client.post(url, headers={"HX-Request": "true"})
    assert early.status_code == 200
    assert early["HX-Retarget"] == "#messages"
    assert "först när tiden har passerat" in early.content.decode()
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=30), ends_at=timezone.now() - dt.timedelta(minutes=20)
    )
    marked = client.post(url, headers={"HX-Request": "true"})
    assert marked.status_code == 200
    assert f'id="booking-{booking.pk}"' in marked.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == "no_show"
    undo = client.post(
        reverse("booking:booking_undo_no_show", args=[booking.pk]), {"reason": "Kom efter 20 min"}
    )
    assert undo.status_code == 302
    assert Booking.objects.get(pk=booking.pk).no_show_undo_reason == "Kom efter 20 min"


def test_staff_cancel_and_billing_facts_page(cast, timebook):
    soon = timebook.slot_at(timezone.now() + dt.timedelta(hours=3))
    one = _book(
        timebook, PatientFactory(caregiver=cast.caregiver_a, family_name="Sent"), slot=soon, user=cast.alice
    )
    two = _book(
        timebook, PatientFactory(caregiver=cast.caregiver_a, family_name="Klinik"), slot=soon, user=cast.alice
    )
    client = client_for(cast.clinic_a)
    client.post(reverse("booking:booking_cancel", args=[one.pk]), {"by_kind": "staff", "reason": "ringde"})
    client.post(reverse("booking:booking_cancel", args=[two.pk]), {"by_kind": "clinic", "reason": "sjuk"})
    assert Booking.objects.get(pk=one.pk).late_cancellation is True
    assert Booking.objects.get(pk=two.pk).late_cancellation is False
    day = timezone.localtime(soon.starts_at).date().isoformat()
    page = client.get(reverse("booking:billing_facts", args=[cast.unit_a.pk]), {"dag": day}).content.decode()
    table = page.split('data-testid="late-cancellations"')[1].split("</table>")[0]
    assert "SENT" in table
    assert "KLINIK" not in table


def test_schedule_form_saves_hours_and_opens_slots(cast):
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    client = client_for(cast.clinic_a)
    data = {
        "name": "Kvällsmottagning",
        "visit_types": [visit_type.pk],
        "slot_minutes": 15,
        "capacity": 2,
        "valid_from": timezone.localdate().isoformat(),
        "is_active": "on",
        "d2_0_start": "17:00",
        "d2_0_end": "18:00",
    }
    response = client.post(reverse("booking:schedule_create", args=[cast.unit_a.pk]), data)
    assert response.status_code == 302
    schedule = cast.unit_a.schedules.get(name="Kvällsmottagning")
    assert [str(h) for h in schedule.hours.all()] == ["onsdag 17:00–18:00"]
    assert schedule.slots.count() >= 4 * 7  # four a Wednesday, eight weeks ahead


def test_schedule_form_refuses_a_visit_type_longer_than_the_slot(cast):
    visit_type = VisitTypeFactory(unit=cast.unit_a, duration_minutes=30)
    response = client_for(cast.clinic_a).post(
        reverse("booking:schedule_create", args=[cast.unit_a.pk]),
        {
            "name": "x",
            "visit_types": [visit_type.pk],
            "slot_minutes": 10,
            "capacity": 1,
            "valid_from": "2026-01-01",
            "is_active": "on",
            "d0_0_start": "08:00",
            "d0_0_end": "09:00",
        },
    )
    assert response.status_code == 200
    assert "ryms inte" in response.content.decode()


def test_closed_day_lists_affected_bookings(cast, timebook, resident):
    booking = _book(timebook, resident, user=cast.alice)
    client = client_for(cast.clinic_a)
    day = timezone.localtime(booking.starts_at).date()
    response = client.post(
        reverse("booking:exception_create", args=[cast.unit_a.pk]),
        {"day": day.isoformat(), "kind": "closed", "reason": "Helg"},
    )
    assert response.status_code == 302
    page = client.get(reverse("booking:affected", args=[cast.unit_a.pk])).content.decode()
    assert resident.display_name in page
    assert Booking.objects.get(pk=booking.pk).status == "booked"


def test_visit_type_form(cast):
    client = client_for(cast.clinic_a)
    response = client.post(
        reverse("booking:visit_type_create", args=[cast.unit_a.pk]),
        {
            "name": "HPV",
            "duration_minutes": 10,
            "minimum_age_years": 12,
            "price_text": "per dos",
            "online_bookable": "on",
            "is_active": "on",
            "position": 0,
        },
    )
    assert response.status_code == 302
    assert cast.unit_a.visit_types.get(name="HPV").minimum_age_years == 12


def test_second_schedule_does_not_leak_between_units(cast):
    ScheduleFactory(unit=cast.unit_b, hours=[])
    page = client_for(cast.clinic_a).get(reverse("booking:setup", args=[cast.unit_a.pk])).content.decode()
    assert "Vaccinkliniken B" not in page


def test_day_view_queries_do_not_grow_with_the_bookings_and_every_read_is_logged(cast, timebook):
    """Issue 11: a day of many bookings reads as few queries as a day of one (rows made in
    booking/day_rows.py), and every booked patient's read is logged."""
    slots = [timebook.slot] + [
        make_slot(timebook.schedule, timebook.slot.starts_at + dt.timedelta(minutes=15 * n))
        for n in range(1, 6)
    ]
    client = client_for(cast.alice)
    url = _day_url(cast.unit_a, timebook.slot.starts_at)
    _book(timebook, PatientFactory(caregiver=cast.caregiver_a, protected=True), user=cast.alice)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    patients = [PatientFactory(caregiver=cast.caregiver_a) for _n in range(10)]
    for index, patient in enumerate(patients):
        _book(timebook, patient, slot=slots[1 + index // 2], user=cast.alice)
    before = AccessLogEntry.objects.count()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(one) <= 6, "\n".join(q["sql"][:120] for q in many.captured_queries)
    assert AccessLogEntry.objects.count() == before + 11
    assert page.count('data-testid="booking-row"') == 11
    assert page.count(" slot-first") >= 6 and "Skyddad identitet" in page
    booking = Booking.objects.filter(patient=patients[0]).get()
    row = page.split(f'<tr id="booking-{booking.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/tidbok/bokning/{booking.pk}/flytta/"' in row and patients[0].display_name in row
