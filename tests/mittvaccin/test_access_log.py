"""The access log: append-only in the database, searchable by the administrator (loggkontroll)."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from mittvaccin.models import AccessLogEntry
from tests.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(cast, patient_a):
    client_for(cast.alice).get(reverse("journal:patient", args=[patient_a.pk]))
    return AccessLogEntry.objects.get(patient_id=patient_a.pk)


def test_database_refuses_update_of_a_log_row(entry):
    with pytest.raises(Exception, match="access_log_append_only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE mittvaccin_accesslogentry SET what = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(Exception, match="access_log_append_only"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(what="x")
    entry.refresh_from_db()
    assert entry.what == "Patientöversikt"


def test_database_refuses_delete_of_a_log_row(entry):
    with pytest.raises(Exception, match="access_log_append_only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM mittvaccin_accesslogentry WHERE id = %s", [entry.pk])
    with pytest.raises(Exception, match="access_log_append_only"), transaction.atomic():
        entry.delete()
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_administrator_searches_the_log_by_patient(cast, entry, patient_a):
    other = PatientFactory(caregiver=cast.caregiver_a)
    client_for(cast.bob).get(reverse("journal:patient", args=[other.pk]))
    response = client_for(cast.admin_a).get(
        reverse("journal:access_log"), {"patient": patient_a.identity_display}
    )
    html = response.content.decode()
    assert "1 loggpost" in html
    assert "Alice" in html
    assert other.identity_display not in html


def test_administrator_searches_the_log_by_user_and_period(cast, entry, patient_a):
    client = client_for(cast.admin_a)
    today = timezone.localdate()
    html = client.get(
        reverse("journal:access_log"), {"user": cast.alice.pk, "date_from": today, "date_to": today}
    ).content.decode()
    assert "1 loggpost" in html
    html = client.get(reverse("journal:access_log"), {"user": cast.bob.pk}).content.decode()
    assert "0 loggposter" in html
    yesterday = today - dt.timedelta(days=1)
    html = client.get(reverse("journal:access_log"), {"date_to": yesterday}).content.decode()
    assert "0 loggposter" in html


def test_log_search_refuses_a_reversed_period_and_a_bad_number(cast, entry):
    client = client_for(cast.admin_a)
    html = client.get(
        reverse("journal:access_log"), {"date_from": "2026-11-25", "date_to": "2026-11-01"}
    ).content.decode()
    assert "Från-datumet ligger efter till-datumet" in html
    html = client.get(reverse("journal:access_log"), {"patient": "12345"}).content.decode()
    assert "10 eller 12 siffror" in html


def test_r4_log_shows_only_the_own_caregiver(cast, entry):
    other = PatientFactory(caregiver=cast.caregiver_b)
    client_for(cast.charlie).get(reverse("journal:patient", args=[other.pk]))
    html = (
        client_for(cast.admin_a)
        .get(reverse("journal:access_log"), {"date_from": "2000-01-01"})
        .content.decode()
    )
    assert "1 loggpost" in html
    assert "Charlie" not in html


def test_r7_protected_reads_are_marked_in_the_log(cast, protected_patient_a):
    client_for(cast.alice).get(reverse("journal:patient", args=[protected_patient_a.pk]))
    html = (
        client_for(cast.admin_a)
        .get(reverse("journal:access_log"), {"patient": protected_patient_a.identity_display})
        .content.decode()
    )
    assert "Skyddad" in html


def test_patient_log_extract_lists_units_and_times(cast, entry, patient_a):
    client_for(cast.bob, cast.unit_a_no_payment).get(reverse("journal:patient", args=[patient_a.pk]))
    html = (
        client_for(cast.admin_a)
        .get(reverse("journal:access_log_extract", args=[patient_a.pk]))
        .content.decode()
    )
    assert "Loggutdrag" in html
    assert cast.unit_a.name in html and cast.unit_a_no_payment.name in html
    assert "ANDERSSON, Astrid" in html


def test_log_extract_is_for_administrators_only(cast, patient_a):
    response = client_for(cast.alice).get(reverse("journal:access_log_extract", args=[patient_a.pk]))
    assert response.status_code == 403


def test_client_address_ignores_a_forged_forwarded_header_unless_behind_our_proxy(settings, rf):
    from mittvaccin.services import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.TRUST_X_FORWARDED_FOR = False
    assert client_address(request) == "10.0.0.5"
    settings.TRUST_X_FORWARDED_FOR = True
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7")
    assert client_address(request) == "192.0.2.7"  # the hop our proxy appended
