"""N4 in the timebook's day view, and the printable day list (page and PDF): who is booked when, visit
type, attention-signal markers and check-in status, without buttons or free times."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from journal.services import signal_create
from mittvaccin.models import AccessLogEntry
from tests.billing.factories import adult, booking_for, timebook_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def booked_today(cast):
    patient = adult(cast.caregiver_a, family_name="Signalsson", given_names="Saga")
    signal_create(patient=patient, user=cast.bob, kind="hypersensitivity", agent="ägg", severity="severe")
    starts_at = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    timebook = timebook_for(cast.unit_a)
    booking = booking_for(
        patient, cast.unit_a, starts_at=starts_at, made_at=starts_at - dt.timedelta(days=3), timebook=timebook
    )
    return patient, booking


# `at_midday`: the visit at 15:00 is later the same day whenever the suite runs.


def test_n4_day_view_shows_the_patients_attention_signal(cast, at_midday):
    _patient, booking = booked_today(cast)
    html = (
        client_for(cast.alice)
        .get(reverse("booking:day", args=[cast.unit_a.pk, timezone.localdate()]))
        .content.decode()
    )
    row = html.split(f'id="booking-{booking.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="signal-badges"' in row and "ägg" in row
    assert reverse("booking:day_list", args=[cast.unit_a.pk, timezone.localdate()]) in html


def test_n4_printable_day_list_has_bookings_signals_and_status_but_no_buttons_or_free_times(cast, at_midday):
    patient, booking = booked_today(cast)
    url = reverse("booking:day_list", args=[cast.unit_a.pk, timezone.localdate()])
    html = client_for(cast.alice).get(url).content.decode()
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert "SIGNALSSON, Saga" in main or "Signalsson" in main
    assert booking.visit_type.name in main and "▲" in main and "ägg" in main and "Bokad" in main
    # The toolbar (back, PDF, print) is screen-only; what is printed has no buttons or forms.
    printed = main.split('<p class="no-print">', 1)[1].split("</p>", 1)[1]
    assert "data-print" in main and "<h1>" in printed
    assert "<button" not in printed and "<form" not in printed and "ledig" not in main
    assert AccessLogEntry.objects.filter(patient_id=patient.pk, action="booking.day_list").exists()


def test_printable_day_list_as_pdf(cast, at_midday):
    _patient, booking = booked_today(cast)
    response = client_for(cast.clinic_a).get(
        reverse("booking:day_list_pdf", args=[cast.unit_a.pk, timezone.localdate()])
    )
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Dagslista" in text and "Signalsson".upper() in text.upper() and booking.visit_type.name in text


def test_day_list_needs_the_booking_right(cast):
    url = reverse("booking:day_list", args=[cast.unit_a.pk, timezone.localdate()])
    assert client_for(cast.admin_a).get(url).status_code == 403
