"""A4: lot recall look-back — everyone who got a lot, how to reach them, the record, one message each."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journal import recall as recalls
from journal import services
from journal.recall_models import Recall, RecallDelivery, RecallEntry, RecallMessage
from journal.tasks import send_recall_message
from mittvaccin.models import AccessLogEntry, OutboundMessage
from tests.conftest import client_for
from tests.factories import PatientFactory, VaccineProductFactory
from tests.journal.factories import batch_for, ready_visit, register, tbe_product
from tests.worker import wait_for_queued_tasks

pytestmark = pytest.mark.django_db


def _dosed(cast, product, batch, **patient):
    ready = ready_visit(cast, product=product, patient=PatientFactory(caregiver=cast.caregiver_a, **patient))
    return register(cast, ready, batch=batch)


@pytest.fixture
def lot(cast):
    """One lot given to four patients (one protected, one without phone, one without contact details)."""
    product = tbe_product()
    batch = batch_for(cast.caregiver_a, product, lot="RECALL1")
    doses = [
        _dosed(cast, product, batch, family_name="Sms", phone="070-111 11 11", email="a@example.invalid"),
        _dosed(cast, product, batch, family_name="Mejl", phone="", email="b@example.invalid"),
        _dosed(cast, product, batch, family_name="Hemlig", protected=True),
        _dosed(cast, product, batch, family_name="Brev", phone="", email=""),
    ]
    other = batch_for(cast.caregiver_a, product, lot="OTHER1")
    _dosed(cast, product, other, family_name="Annan")
    return product, batch, doses


class _Request:
    """What a view passes to the service: the user, the unit, the path for the access log."""

    def __init__(self, user, unit):
        self.user, self.unit, self.META = user, unit, {"REMOTE_ADDR": "127.0.0.1"}

    def get_full_path(self):
        return "/aterkallelse/"


def test_a4_a_recall_by_lot_lists_every_patient_who_got_it(cast, lot):
    product, batch, doses = lot
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a),
        product=product,
        batch=batch,
        reason="Tillverkarens meddelande 12/3",
    )
    assert (recall.patient_count, recall.dose_count) == (4, 4)
    assert set(RecallEntry.objects.filter(recall=recall).values_list("vaccination_id", flat=True)) == {
        d.pk for d in doses
    }
    assert (recall.created_by, recall.reason) == (cast.bob, "Tillverkarens meddelande 12/3")
    routes = {row.patient.family_name: row.route for row in recalls.recall_rows(recall)}
    assert routes == {"Sms": "sms", "Mejl": "email", "Hemlig": "forwarding", "Brev": "letter"}


def test_a4_the_list_is_in_name_order_and_its_pages_are_ranges_of_positions(cast, lot):
    product, batch, _doses = lot
    request = _Request(cast.bob, cast.unit_a)
    recall = recalls.recall_create(request=request, product=product, batch=batch, reason="x")
    entries = RecallEntry.objects.filter(recall=recall).order_by("position")
    assert [e.position for e in entries] == [1, 2, 3, 4]
    assert [e.patient.family_name for e in entries] == ["Brev", "Hemlig", "Mejl", "Sms"]
    pages = [recalls.recall_page(request, recall, page=n, per_page=3) for n in (1, 2, 9)]
    assert [[row.patient.family_name for row in rows] for rows, *_rest in pages] == [
        ["Brev", "Hemlig", "Mejl"],
        ["Sms"],
        ["Sms"],  # past the end: the last page
    ]
    assert [(page, count, total) for _rows, page, count, total in pages] == [(1, 2, 4), (2, 2, 4), (2, 2, 4)]


def test_a4_the_database_refuses_a_second_entry_at_a_taken_position(cast, lot):
    product, batch, doses = lot
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, batch=batch, reason="x"
    )
    first = RecallEntry.objects.get(recall=recall, position=1)
    other = RecallEntry.objects.filter(recall=recall).exclude(pk=first.pk).first()
    with pytest.raises(IntegrityError, match="recall_entry_one_per_position"), transaction.atomic():
        RecallEntry.objects.create(
            recall=recall, patient_id=other.patient_id, vaccination_id=doses[-1].pk + 1000, position=1
        )
    assert RecallEntry.objects.filter(recall=recall).count() == 4


def test_a4_every_listed_patient_gets_an_access_log_row_with_the_purpose_recall(cast, lot):
    product, batch, doses = lot
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, batch=batch, reason="x"
    )
    rows = AccessLogEntry.objects.filter(action="journal.recall")
    assert sorted(rows.values_list("patient_id", flat=True)) == sorted(d.patient_id for d in doses)
    assert all(f"Återkallelse {recall.pk}" in row.reason for row in rows)
    assert rows.filter(patient_protected=True).count() == 1


def test_a4_a_recall_by_product_unit_and_period(cast, lot):
    product, _batch, _doses = lot
    today = timezone.localdate()
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, unit=cast.unit_a,
        period_from=today - dt.timedelta(days=1), period_to=today, reason="Kylskåpet larmade",
    )  # fmt: skip
    assert recall.patient_count == 5  # the other lot of the product at the unit too
    empty = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, unit=cast.unit_a_no_payment,
        period_from=today - dt.timedelta(days=1), period_to=today, reason="x",
    )  # fmt: skip
    assert empty.patient_count == 0


def test_a4_doses_entered_in_error_and_other_caregivers_are_not_listed(cast, lot):
    product, batch, doses = lot
    services.vaccination_enter_in_error(vaccination=doses[0], user=cast.alice, reason="Fel patient")
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, batch=batch, reason="x"
    )
    assert recall.patient_count == 3
    with pytest.raises(recalls.RecallError):
        recalls.recall_create(
            request=_Request(cast.charlie, cast.unit_b), product=product, batch=batch, reason="x"
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": " "}, "reason"),
        ({"batch": None}, "unit"),
        ({"batch": None, "unit": "a", "period_from": None}, "period_from"),
        ({"batch": None, "unit": "a", "period_to": dt.date(2000, 1, 1)}, "period_to"),
        ({"product": "other"}, "lot_number"),
    ],
)
def test_a4_a_bad_recall_is_refused_and_nothing_recorded(cast, lot, changes, field):
    product, batch, _doses = lot
    kwargs = {
        "product": product, "batch": batch, "reason": "x", "unit": None,
        "period_from": timezone.localdate() - dt.timedelta(days=3), "period_to": timezone.localdate(),
    }  # fmt: skip
    kwargs.update(changes)
    if kwargs["unit"] == "a":
        kwargs["unit"] = cast.unit_a
    if kwargs["product"] == "other":
        kwargs["product"] = VaccineProductFactory(name="Annat vaccin")
    with pytest.raises(recalls.RecallError) as refused:
        recalls.recall_create(request=_Request(cast.bob, cast.unit_a), **kwargs)
    assert refused.value.field == field
    assert not Recall.objects.exists()


def test_a4_the_page_and_csv_show_a_protected_patient_only_the_forwarding_route(cast, lot):
    product, _batch, doses = lot
    protected = doses[2].patient
    client = client_for(cast.bob)
    response = client.post(
        reverse("journal:recalls"), {"product": product.pk, "lot_number": "recall1", "reason": "Återkallad"}
    )
    recall = Recall.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("journal:recall", args=[recall.pk])
    html = client.get(reverse("journal:recall", args=[recall.pk])).content.decode()
    assert "Via Skatteverkets postförmedling" in html
    assert "070-111 11 11" in html and "Testgatan 1" in html  # the others' routes
    exported = client.get(reverse("journal:recall_csv", args=[recall.pk])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert rows[0][:5] == ["Personnummer", "Namn", "Dosdatum", "Enhet", "Dosnummer"]
    hidden = next(row for row in rows if row[0] == protected.identity_display)
    assert (
        hidden[1] == "" and hidden[7].startswith("Via Skatteverkets") and hidden[8:] == ["", "", "", "", ""]
    )
    assert len(rows) == 5


def test_a4_a_page_of_the_list_is_one_range_of_positions_with_every_text_escaped(cast, lot):
    product, batch, doses = lot
    _dosed(cast, product, batch, family_name="Zeta <b>x</b>", phone="070-222 22 22")
    client = client_for(cast.bob)
    client.post(reverse("journal:recalls"), {"product": product.pk, "lot_number": "recall1", "reason": "x"})
    recall = Recall.objects.get()
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("journal:recall", args=[recall.pk])).content.decode()
    entries = [q["sql"] for q in queries.captured_queries if 'FROM "journal_recallentry"' in q["sql"]]
    assert (
        len(entries) == 1
        and '"position" >' in entries[0]
        and "family_name" not in entries[0].split("ORDER BY")[1]
    )
    assert len(queries.captured_queries) <= 12
    assert "ZETA &lt;B&gt;X&lt;/B&gt;" in html and "<b>" not in html
    protected = doses[2].patient
    row = html.split(protected.identity_display)[1].split("</tr>")[0]
    assert "Skyddad identitet" in row and "Via Skatteverkets postförmedling" in row
    given = timezone.localtime(doses[0].given_at).strftime("%Y-%m-%d")
    assert f"<td>{given}</td>" in html and f"<td>{doses[0].unit.name}</td>" in html
    names = [name.split("</a>")[0].split(">")[-1] for name in html.split('<a href="/patient/')[1:]]
    assert [name.split(",")[0] for name in names if "," in name] == [
        "BREV",
        "HEMLIG",
        "MEJL",
        "SMS",
        "ZETA &lt;B&gt;X&lt;/B&gt;",
    ]


def test_a4_the_csv_never_carries_a_formula(cast):
    product = tbe_product()
    batch = batch_for(cast.caregiver_a, product, lot="FORMULA1")
    _dosed(cast, product, batch, family_name='=HYPERLINK("http://x.invalid","klicka")', phone="+46701234567")
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, batch=batch, reason="x"
    )
    exported = recalls.recall_csv(_Request(cast.bob, cast.unit_a), recall)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert "'=HYPERLINK" in exported and "'+46701234567" in exported


def test_a4_recall_screens_need_the_recall_right(cast, lot):
    product, batch, _doses = lot
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, batch=batch, reason="x"
    )
    for url in (reverse("journal:recalls"), reverse("journal:recall", args=[recall.pk])):
        assert client_for(cast.alice).get(url).status_code == 403
        assert client_for(cast.bob).get(url).status_code == 200
    assert "/aterkallelse/" in client_for(cast.bob).get("/").content.decode()
    assert "/aterkallelse/" not in client_for(cast.alice).get("/").content.decode()


def test_a4_an_unknown_lot_on_the_screen_gets_a_message(cast, lot):
    product, _batch, _doses = lot
    response = client_for(cast.bob).post(
        reverse("journal:recalls"), {"product": product.pk, "lot_number": "NOPE", "reason": "x"}
    )
    assert response.status_code == 422 and "finns inte hos vårdgivaren" in response.content.decode()


def test_a4_the_message_is_stored_once_for_a_double_submit(cast, lot, django_capture_on_commit_callbacks):
    product, batch, _doses = lot
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, batch=batch, reason="x"
    )
    key = uuid.uuid4()
    data = {"idempotency_key": str(key), "subject": "Återkallad batch", "body": "Ring oss.", "confirm": "on"}
    client = client_for(cast.bob)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("journal:recall_message", args=[recall.pk]), data)
        client.post(reverse("journal:recall_message", args=[recall.pk]), data)
    assert RecallMessage.objects.filter(recall=recall).count() == 1
    bad = client.post(
        reverse("journal:recall_message", args=[recall.pk]),
        {**data, "idempotency_key": str(uuid.uuid4()), "body": ""},
    )
    assert bad.status_code == 422


@pytest.mark.django_db(transaction=True)
def test_a4_the_message_reaches_each_patient_once_on_a_real_worker_even_when_sent_twice(cast, celery_worker):

    product = tbe_product()
    batch = batch_for(cast.caregiver_a, product, lot="WORKER1")
    doses = [
        _dosed(cast, product, batch, family_name="Sms", phone="070-111 11 11"),
        _dosed(cast, product, batch, family_name="Mejl", phone="", email="b@example.invalid"),
        _dosed(cast, product, batch, family_name="Hemlig", protected=True),
    ]
    recall = recalls.recall_create(
        request=_Request(cast.bob, cast.unit_a), product=product, batch=batch, reason="x"
    )
    message = recalls.recall_message_create(
        recall=recall, user=cast.bob, subject="Batch återkallad", body="Ring oss."
    )
    send_recall_message.delay(message.pk)
    send_recall_message.delay(message.pk)
    wait_for_queued_tasks()
    sent = OutboundMessage.objects.filter(purpose="recall")
    assert sorted(sent.values_list("channel", "recipient")) == [
        ("email", "b@example.invalid"),
        ("sms", "070-111 11 11"),
    ]
    assert sent.filter(reference=f"recall-message:{message.pk}:patient:{doses[0].patient_id}").count() == 1
    # The protected patient is claimed (so the page can count them) but nothing is sent from here.
    assert RecallDelivery.objects.get(message=message, patient=doses[2].patient).channel == "forwarding"
    assert recalls.message_status(message) == {"sms": 1, "email": 1, "forwarding": 1, "none": 0, "total": 3}
