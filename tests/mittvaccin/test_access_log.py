"""The access log: append-only in the database, searchable by the administrator (loggkontroll)."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from booking.access import TIMEBOOK_DAY
from journal.access import SEARCH_HIT, SHARED_READ_BY
from mittvaccin.access_actions import LEGACY, AccessAction, actions, describe
from mittvaccin.access_log import LoggedPatient, access_log_record
from mittvaccin.models import AccessLogEntry
from mittvaccin.services import client_address
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.fhirapi.helpers import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(cast, patient_a):
    client_for(cast.alice).get(reverse("journal:patient", args=[patient_a.pk]))
    return AccessLogEntry.objects.get(patient_id=patient_a.pk)


def test_database_refuses_update_of_a_log_row(entry):
    with (
        pytest.raises(Exception, match="access_log_append_only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE mittvaccin_accesslogentry SET action = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(Exception, match="access_log_append_only"), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(action="x")
    entry.refresh_from_db()
    assert entry.action == "journal.patient"


def test_database_refuses_delete_of_a_log_row(entry):
    with (
        pytest.raises(Exception, match="access_log_append_only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
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
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    settings.TRUST_X_FORWARDED_FOR = False
    assert client_address(request) == "10.0.0.5"
    settings.TRUST_X_FORWARDED_FOR = True
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7")
    assert client_address(request) == "192.0.2.7"  # the hop our proxy appended


def test_n6_rows_store_a_code_and_the_review_reads_it_in_the_readers_language(cast, patient_a, settings):
    english = client_for(cast.alice)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english.get(reverse("journal:patient", args=[patient_a.pk]))
    client_for(cast.bob).get(reverse("journal:patient", args=[patient_a.pk]))
    rows = AccessLogEntry.objects.filter(patient_id=patient_a.pk)
    # The nurse working in English and the physician working in Swedish leave the same fact.
    assert {(row.action, str(row.params)) for row in rows} == {("journal.patient", "{}")}
    query = {"patient": patient_a.identity_display}
    swedish_review = client_for(cast.admin_a).get(reverse("journal:access_log"), query).content.decode()
    assert swedish_review.count("Patientöversikt") == 2
    assert "Patient overview" not in swedish_review
    reviewer = client_for(cast.admin_a)
    reviewer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english_review = reviewer.get(reverse("journal:access_log"), query).content.decode()
    assert english_review.count("Patient overview") == 2
    assert "Patientöversikt" not in english_review


def logged_request(rf, user, unit=None):
    request = rf.get("/tidbok/1/dag/2026-11-25/", REMOTE_ADDR="10.1.2.3")
    request.user = user
    request.unit = unit
    return request


def test_n6_a_parameter_is_stored_as_a_fact_and_put_into_words_when_shown(cast, patient_a, rf):
    written = access_log_record(
        request=logged_request(rf, cast.alice, cast.unit_a),
        patient=patient_a,
        action=TIMEBOOK_DAY,
        params={"day": "2026-11-25"},
    )
    assert written == 1
    row = AccessLogEntry.objects.get(patient_id=patient_a.pk)
    assert (row.action, row.params) == ("booking.timebook.day", {"day": "2026-11-25"})
    assert (row.caregiver, row.unit, row.client_address) == (cast.caregiver_a, cast.unit_a, "10.1.2.3")
    with translation.override("sv"):
        assert row.description == "Tidbok, dag 2026-11-25"
    with translation.override("en"):
        assert row.description == "Timebook, day 2026-11-25"


def test_n6_a_list_page_is_logged_in_one_insert_one_row_per_patient(cast, rf):
    first, second = PatientFactory(caregiver=cast.caregiver_a), PatientFactory(caregiver=cast.caregiver_a)
    request = logged_request(rf, cast.alice, cast.unit_a)
    with CaptureQueriesContext(connection) as queries:
        written = access_log_record(request=request, patients=[first, second, first], action=SEARCH_HIT)
    assert written == 2
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert sorted(AccessLogEntry.objects.values_list("patient_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    assert access_log_record(request=request, patients=[], action=SEARCH_HIT) == 0


_ROW_FACTS = [
    f.attname for f in AccessLogEntry._meta.concrete_fields if f.attname not in ("id", "at", "patient_id")
]


@pytest.mark.parametrize("reader", ["staff", "api_client", "resident"])
def test_n6_a_list_pages_rows_are_the_rows_its_patients_would_get_one_by_one(cast, rf, reader):
    """A list page's rows are written as arrays in one statement (issue 11, the day view); each must be
    the row the one-patient path writes, whoever reads: staff, a receiving system, a resident."""
    patients = [
        PatientFactory(caregiver=cast.caregiver_a, protected=True),
        PatientFactory(caregiver=cast.caregiver_b),
        PatientFactory(caregiver=cast.caregiver_a),
    ]
    reader_args = {
        "staff": {},
        "api_client": {"api_client": make_client(cast.caregiver_a)[0]},
        "resident": {"resident_identity": "191212121212"},
    }[reader]
    request = logged_request(rf, cast.alice, cast.unit_a)
    params = {"day": "2026-11-25", "n": [1, 2]}
    for one in patients:
        access_log_record(request=request, patient=one, action=TIMEBOOK_DAY, params=params, **reader_args)
    alone = {row["patient_id"]: row for row in AccessLogEntry.objects.values("patient_id", *_ROW_FACTS)}
    first_new = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    assert (
        access_log_record(
            request=request, patients=patients, action=TIMEBOOK_DAY, params=params, **reader_args
        )
        == 3
    )
    listed = AccessLogEntry.objects.filter(id__gt=first_new).values("patient_id", *_ROW_FACTS)
    assert {row["patient_id"]: row for row in listed} == alone
    assert alone[patients[0].pk]["patient_protected"] is True


def test_r6_a_read_of_another_caregivers_record_is_logged_in_their_log_without_our_unit(cast, rf):
    theirs = PatientFactory(caregiver=cast.caregiver_b)
    access_log_record(
        request=logged_request(rf, cast.alice, cast.unit_a),
        patients=[LoggedPatient(theirs.pk, theirs.identity_number, False)],
        action=SHARED_READ_BY,
        params={"caregiver": cast.caregiver_a.name},
        caregiver=cast.caregiver_b.pk,
    )
    row = AccessLogEntry.objects.get()
    assert (row.caregiver, row.unit, row.user) == (cast.caregiver_b, None, cast.alice)
    with translation.override("sv"):
        assert row.description == "Sammanhållen journal, läst av Region A"


def test_an_action_is_named_once_and_every_action_speaks_english():
    with pytest.raises(ValueError, match="registered twice"):
        AccessAction("journal.patient", "Något annat")
    untranslated = []
    for code, action in actions().items():
        if action is LEGACY:
            continue
        with translation.override("sv"):
            swedish = action.describe()
        with translation.override("en"):
            english = action.describe()
        if swedish == english:
            untranslated.append(code)
    assert len(actions()) > 40
    assert not untranslated


def test_an_unknown_code_shows_as_itself_and_a_legacy_row_as_its_sentence():
    assert describe("removed.app.action") == "removed.app.action"
    assert describe("legacy", {"text": "Gammal mening"}) == "Gammal mening"


def test_the_access_log_has_one_way_in():
    """Only the writer builds rows: a view or service that made its own would skip the facts it records."""
    root = Path(__file__).resolve().parents[2]
    writer = root / "mittvaccin" / "access_log.py"
    builders = re.compile(
        r"(?<!class )AccessLogEntry\(|AccessLogEntry\.objects\.(create|bulk_create|get_or_create)\b"
    )
    found = []
    tops = [top for top in root.iterdir() if top.is_dir() and top.name[0] not in "._" and top.name != "tests"]
    for path in (path for top in tops for path in top.rglob("*.py")):
        if "migrations" in path.parts or path == writer:
            continue
        if builders.search(path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(root)))
    assert len(tops) >= 4, tops
    assert not found
