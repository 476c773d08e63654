"""Query counts do not grow with the length of a patient's history (bench: history_page_queries)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import StockMovement, Vaccination
from mittvaccin.models import AccessLogEntry
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import dose_post, hepb_product, make_order, ready_visit, register, tbe_product

pytestmark = pytest.mark.django_db


def patient_with_history(cast, doses: int, notes: int):
    patient = PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1970, 1, 1))
    products = [tbe_product(), hepb_product()]
    start = timezone.now() - dt.timedelta(days=10 * doses + 10)
    for index in range(doses):
        ready = ready_visit(cast, patient=patient, product=products[index % 2], doses=1)
        register(
            cast,
            ready,
            given_at=start + dt.timedelta(days=10 * index),
            dose_number=1 + (index // 2) % 20,
            override_reason="Historik i test",
        )
    for index in range(notes):
        note = services.note_create(patient=patient, user=cast.bob, text=f"Anteckning {index}")
        services.note_comment(note=note, user=cast.alice, text="Kommentar")
    services.signal_create(patient=patient, user=cast.bob, kind="other", agent="Signal")
    make_order(cast, patient, products[0])
    return patient


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def warm_patient_page_queries(cast, patient) -> int:
    """The queries of a view of the patient's page once the session, the cached account and the
    catalogue's form are warm; the view writes exactly one access-log row."""
    client = client_for(cast.alice)
    url = reverse("journal:patient", args=[patient.pk])
    client.get(url)
    logged = AccessLogEntry.objects.filter(patient_id=patient.pk).count()
    queries = count_queries(client, url)
    assert AccessLogEntry.objects.filter(patient_id=patient.pk).count() == logged + 1
    return queries


def test_patient_page_query_count_is_the_same_for_5_and_50_doses(cast):
    short = patient_with_history(cast, doses=5, notes=2)
    long = patient_with_history(cast, doses=50, notes=20)
    client = client_for(cast.alice)
    client.get(reverse("journal:patient", args=[short.pk]))  # warm the session and caches alike
    few = count_queries(client, reverse("journal:patient", args=[short.pk]))
    many = count_queries(client, reverse("journal:patient", args=[long.pk]))
    assert few == many, (few, many)


def test_visit_screen_query_count_is_the_same_for_5_and_50_doses(cast):
    short = patient_with_history(cast, doses=5, notes=2)
    long = patient_with_history(cast, doses=50, notes=20)
    client = client_for(cast.alice)
    urls = []
    for patient in (short, long):
        visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice)
        urls.append(reverse("journal:visit", args=[patient.pk, visit.pk]))
    client.get(urls[0])
    few = count_queries(client, urls[0])
    many = count_queries(client, urls[1])
    assert few == many, (few, many)


def test_history_page_of_50_doses_and_20_notes_takes_at_most_12_queries(cast):
    """bench history_page_queries: the patient page of a long history, with its access-log row. The
    "given elsewhere" form's product list comes from the catalogue cache after the first view (13 before)."""
    assert warm_patient_page_queries(cast, patient_with_history(cast, doses=50, notes=20)) <= 12


def test_patient_page_takes_at_most_11_queries_with_its_access_log_row(cast):
    """bench patient_page_queries (warm): an ordinary patient (doses, visits, an order, a signal, no notes:
    a patient with notes has one more, their comments), each list read once with only what it shows."""
    assert warm_patient_page_queries(cast, patient_with_history(cast, doses=3, notes=0)) <= 11


def test_the_block_list_names_each_blocked_dose_without_a_query_per_block(cast):
    """A block names its dose by the version the dose was given under, taken from the history already read
    (before, each block of a dose read that version with a query of its own)."""
    one, three = (patient_with_history(cast, doses=3, notes=0) for _ in range(2))
    doses = {
        patient: list(Vaccination.objects.filter(patient=patient).order_by("given_at"))
        for patient in (one, three)
    }
    services.block_record(patient=one, user=cast.alice, vaccination=doses[one][0])
    for dose in doses[three]:
        services.block_record(patient=three, user=cast.alice, vaccination=dose)
    client = client_for(cast.alice)
    client.get(reverse("journal:patient", args=[one.pk]))
    assert count_queries(client, reverse("journal:patient", args=[one.pk])) == count_queries(
        client, reverse("journal:patient", args=[three.pk])
    )
    page = client.get(reverse("journal:patient", args=[three.pk])).content.decode()
    blocks = page[page.index("Patientens spärrar hos oss") : page.index('id="block-vaccination"')]
    for dose in doses[three]:
        assert dose.product_version_id is not None
        day = timezone.localtime(dose.given_at).strftime("%Y-%m-%d")
        assert f"{dose.product_version.name} {day}" in blocks
    assert blocks.count("Häv spärr") == 3


def test_every_kind_of_dose_row_shows_what_it_is_with_every_text_escaped(cast):
    """The history rows are drawn in Python (journal.history_rows): given, not given, given elsewhere,
    entered in error, blocked for other caregivers; the link to mark an error only on the rows that can
    still be marked."""
    patient = PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1970, 1, 1))
    product = tbe_product()
    first = ready_visit(cast, patient=patient, product=product, doses=1)
    given = register(cast, first, given_at=timezone.now() - dt.timedelta(days=40))
    second = ready_visit(cast, patient=patient, product=product, doses=1)
    wrong = register(cast, second, dose_number=2, override_reason="Historik i test")
    services.vaccination_enter_in_error(vaccination=wrong, user=cast.alice, reason="Fel <patient>")
    services.vaccination_not_given(
        visit=second.visit, user=cast.alice, unit=cast.unit_a, reason="declined", product=product
    )
    services.vaccination_record_elsewhere(
        patient=patient,
        user=cast.alice,
        given_on=dt.date(2020, 5, 1),
        product_text="Utländskt & okänt",
        place="Oslo <Norge>",
    )
    services.block_record(patient=patient, user=cast.alice, vaccination=given)
    page = client_for(cast.alice).get(reverse("journal:patient", args=[patient.pk])).content.decode()
    start = page.index('data-testid="history"')
    table = page[start : page.index("</table>", start)]
    assert table.count("<tr class=") == 4
    assert 'class="in-error status-given"' in table and "Fel &lt;patient&gt; (" in table
    assert 'class=" status-not_given"' in table and "Patienten avböjde" in table
    assert "Oslo &lt;Norge&gt;" in table and "Utländskt &amp; okänt" in table
    assert table.count("Spärrad för andra vårdgivare") == 1
    assert "<patient>" not in table and "<Norge>" not in table
    assert table.count("felregistrerad/") == 3
    assert f'href="{reverse("journal:vaccination_error", args=[patient.pk, given.pk])}"' in table
    assert reverse("journal:vaccination_error", args=[patient.pk, wrong.pk]) not in table


def test_the_dose_post_reads_the_order_and_the_staff_once_and_makes_at_most_20_queries(cast):
    """bench dose_register: the signed dose, its stock movement and its charge (unit A invoices), with
    R6's checks read again inside the transaction. 37 queries before the form chose among the orders
    already read, both staff fields were read in one query, and billing read its prices together; 28
    before the twice-sent check and the order's count came from R6's own reads, taken after the
    locks, and the dose's INSERT lost its savepoint; 24 before R6's signals, notes, comments,
    declaration, consent and confirmation were read in one statement (journal/checks_reads.py)."""
    ready, warm = ready_visit(cast), ready_visit(cast)
    client = client_for(cast.alice)
    url = reverse("journal:visit_dose", args=[ready.patient.pk, ready.visit.pk])
    client.post(reverse("journal:visit_dose", args=[warm.patient.pk, warm.visit.pk]), dose_post(warm))
    logged = AccessLogEntry.objects.filter(patient_id=ready.patient.pk).count()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, dose_post(ready))
    assert response.status_code == 302
    dose = Vaccination.objects.get(visit=ready.visit)
    assert (dose.order, dose.prepared_by, dose.given_by) == (ready.order, cast.alice, cast.alice)
    assert StockMovement.objects.filter(vaccination=dose).count() == 1
    assert AccessLogEntry.objects.filter(patient_id=ready.patient.pk).count() == logged + 1
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('FROM "journal_order"' in q for q in sql) == 3, sql  # the view's, the lock's, R6's
    assert sum('FROM "mittvaccin_user"' in q for q in sql) == 1, sql
    assert sum('FROM "journal_vaccination"' in q for q in sql) == 1, sql  # R6's history, nothing else
    # The dose's own transaction (a savepoint inside the test's) and nothing nested in it.
    assert sum(q.startswith("SAVEPOINT") for q in sql) == 1, sql
    locks = [q for q in sql if " FOR UPDATE" in q]
    # Visit, order, the lot's balance at the unit; R6's reads come after the first two.
    assert [lock.split('FROM "')[1].split('"')[0] for lock in locks] == [
        "journal_visit",
        "journal_order",
        "journal_stockbalance",
    ], locks
    assert sql.index(locks[1]) < min(i for i, q in enumerate(sql) if 'FROM "journal_attentionsignal"' in q)
    assert len(sql) <= 20, len(sql)


def test_a_dose_post_with_staff_not_at_the_caregiver_or_an_unknown_order_is_refused_at_the_form(cast):
    ready = ready_visit(cast)
    client = client_for(cast.alice)
    url = reverse("journal:visit_dose", args=[ready.patient.pk, ready.visit.pk])
    other_patients_order = make_order(cast, PatientFactory(caregiver=cast.caregiver_a), ready.product)
    for field, value in (
        ("given_by", cast.charlie.pk),  # another caregiver's nurse
        ("prepared_by", cast.clinic_a.pk),  # no right to register doses
        ("prepared_by", "x"),
        ("given_by", ""),
        ("order", other_patients_order.pk),
        ("order", "1e3"),
        ("prepared_by", str(10**30)),
    ):
        response = client.post(url, dose_post(ready, **{field: value}))
        assert response.status_code == 200, (field, value)
        assert response.context["dose_form"].errors.keys() == {field}, (field, value)
    assert not Vaccination.objects.filter(visit=ready.visit).exists()
    staff = client.post(url, dose_post(ready, prepared_by=cast.bob.pk))
    assert staff.status_code == 302
    assert Vaccination.objects.get(visit=ready.visit).prepared_by == cast.bob
