"""A2, A3: stock by lot per unit — deliveries, the ledger, the balance the database keeps at or above zero."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import journal.tasks  # noqa: F401  (registers the tasks as the worker's autodiscovery does)
from journal import services, stock
from journal.models import Vaccination
from journal.schedules import BEAT_SCHEDULE
from journal.stock_models import (
    MovementKind,
    StockBalance,
    StockMinimum,
    StockMovement,
    StockNotice,
    VialOpening,
)
from mittvaccin.celery import app
from mittvaccin.models import OutboundMessage
from tests.conftest import client_for
from tests.factories import UnitFactory, VaccineProductFactory
from tests.journal.factories import batch_for, ready_visit, register, stock_for, tbe_product

pytestmark = pytest.mark.django_db

IN_A_YEAR = timezone.localdate() + dt.timedelta(days=365)


def deliver(cast, *, unit=None, product=None, lot="AB123", expiry=IN_A_YEAR, quantity=10, **extra):
    return stock.delivery_receive(
        user=cast.alice,
        unit=unit or cast.unit_a,
        product=product or tbe_product(),
        lot_number=lot,
        expiry_date=expiry,
        quantity=quantity,
        supplier=extra.pop("supplier", "Apoteket AB"),
        delivery_note=extra.pop("delivery_note", "F-1"),
        **extra,
    )


def balance(unit, batch) -> int:
    return stock.balance_of(unit, batch)


# --- Deliveries -----------------------------------------------------------------------------------------------


def test_a2_a_delivery_makes_the_batch_and_the_balance(cast):
    movement = deliver(cast, lot="  Fx7k2  ", quantity=25)
    batch = movement.batch
    assert batch.lot_number == "Fx7k2"  # trimmed, case kept as printed
    assert batch.caregiver_id == cast.caregiver_a.pk
    assert movement.kind == MovementKind.DELIVERY and movement.quantity == 25
    assert movement.supplier == "Apoteket AB" and movement.delivery_note == "F-1"
    assert balance(cast.unit_a, batch) == 25


def test_a2_the_same_lot_at_two_units_is_one_batch(cast):
    product = tbe_product()
    first = deliver(cast, product=product, lot="Fx7k2", quantity=5)
    second = deliver(cast, product=product, unit=cast.unit_a_no_payment, lot="FX7K2", quantity=7)
    assert first.batch_id == second.batch_id
    assert second.batch.lot_number == "Fx7k2"
    assert balance(cast.unit_a, first.batch) == 5
    assert balance(cast.unit_a_no_payment, first.batch) == 7


def test_a2_a_double_submitted_delivery_is_received_once(cast):
    key = uuid.uuid4()
    first = deliver(cast, idempotency_key=key)
    second = deliver(cast, idempotency_key=key)
    assert first.pk == second.pk
    assert balance(cast.unit_a, first.batch) == 10


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"quantity": 0}, "quantity", "minst 1"),
        ({"quantity": -5}, "quantity", "minst 1"),
        ({"quantity": 10_000_000}, "quantity", "högst"),
        ({"expiry": timezone.localdate() - dt.timedelta(days=1)}, "expiry_date", "redan passerat"),
        ({"lot": "   "}, "lot_number", "batchnumret"),
        ({"lot": "AB\x00C"}, "lot_number", "otillåtna tecken"),
        ({"lot": "X" * 41}, "lot_number", "40 tecken"),
        ({"supplier": " "}, "supplier", "leverantör"),
    ],
)
def test_a2_bad_delivery_input_is_refused_with_nothing_saved(cast, changes, field, text):
    with pytest.raises(stock.StockError) as refused:
        deliver(cast, **changes)
    assert refused.value.field == field
    assert text.lower() in refused.value.message.lower()
    assert not StockMovement.objects.exists()
    assert not StockBalance.objects.exists()


def test_a2_a_lot_number_of_another_product_is_refused(cast):
    deliver(cast, product=tbe_product(), lot="SHARED1")
    other = VaccineProductFactory(name="Havrix test", disease="Hepatit A")
    with pytest.raises(stock.StockError) as refused:
        deliver(cast, product=other, lot="shared1")
    assert refused.value.field == "lot_number"
    assert "FSME-Immun test" in refused.value.message
    assert StockMovement.objects.count() == 1


def test_a2_a_known_lot_with_another_expiry_is_refused(cast):
    deliver(cast, lot="EXP1")
    with pytest.raises(stock.StockError) as refused:
        deliver(cast, lot="EXP1", expiry=IN_A_YEAR + dt.timedelta(days=30))
    assert refused.value.field == "expiry_date"


def test_a2_a_retired_product_is_not_received(cast):
    product = tbe_product()
    product.is_active, product.retired_at = False, timezone.now()
    product.save()
    with pytest.raises(stock.StockError, match="utgått"):
        deliver(cast, product=product)


def test_a2_a_nurse_of_another_caregiver_cannot_receive_at_our_unit(cast):
    with pytest.raises(stock.StockError):
        stock.delivery_receive(
            user=cast.charlie, unit=cast.unit_a, product=tbe_product(), lot_number="X1", expiry_date=IN_A_YEAR,
            quantity=1, supplier="A",
        )  # fmt: skip


# --- The ledger and the balance in the database ----------------------------------------------------------------


def test_a2_the_database_refuses_a_movement_below_zero(cast):
    batch = deliver(cast, quantity=3).batch
    with pytest.raises(IntegrityError, match="stock_balance_never_negative"), transaction.atomic():
        StockMovement.objects.create(
            caregiver=cast.caregiver_a, unit=cast.unit_a, batch=batch, kind=MovementKind.WASTE, quantity=-4,
            waste_reason="broken",
        )  # fmt: skip
    with pytest.raises(IntegrityError, match="stock_balance_never_negative"), transaction.atomic():
        # A unit that never had the lot cannot give from it either.
        StockMovement.objects.create(
            caregiver=cast.caregiver_a, unit=cast.unit_a_no_payment, batch=batch, kind=MovementKind.WASTE,
            quantity=-1, waste_reason="broken",
        )  # fmt: skip
    assert balance(cast.unit_a, batch) == 3


def test_a2_the_balance_changes_only_through_a_ledger_row(cast):
    batch = deliver(cast, quantity=3).batch
    for statement, params in (
        ("UPDATE journal_stockbalance SET balance = 100", []),
        ("DELETE FROM journal_stockbalance", []),
        (
            "INSERT INTO journal_stockbalance (caregiver_id, unit_id, batch_id, balance, updated_at) "
            "VALUES (%s, %s, %s, 9, now())",
            [cast.caregiver_a.pk, cast.unit_a_no_payment.pk, batch.pk],
        ),
    ):
        with (
            pytest.raises(DatabaseError, match="only through a stock movement"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, params)
    assert balance(cast.unit_a, batch) == 3


def test_a2_the_ledger_is_append_only(cast):
    movement = deliver(cast)
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(quantity=100)
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).delete()


def test_a2_the_database_refuses_a_movement_across_caregivers(cast):
    batch = deliver(cast).batch
    with pytest.raises(DatabaseError, match="different caregivers"), transaction.atomic():
        StockMovement.objects.create(
            caregiver=cast.caregiver_b, unit=cast.unit_b, batch=batch, kind=MovementKind.DELIVERY, quantity=1,
            supplier="x",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"kind": "delivery", "quantity": -1, "supplier": "x"}, "stock_movement_sign_by_kind"),
        ({"kind": "delivery", "quantity": 1}, "stock_delivery_has_supplier"),
        ({"kind": "waste", "quantity": -1}, "stock_waste_has_reason"),
        ({"kind": "waste", "quantity": -1, "waste_reason": "other"}, "stock_waste_has_reason"),
        ({"kind": "stocktake", "quantity": -1, "counted": 1}, "stock_stocktake_has_reason"),
        ({"kind": "transfer_out", "quantity": -1}, "stock_transfer_has_counterpart"),
        ({"kind": "dose_given", "quantity": -1}, "stock_dose_movement_has_dose"),
        ({"kind": "stocktake", "quantity": 0, "counted": 1, "reason": "x"}, "stock_movement_not_zero"),
    ],
)
def test_a2_every_movement_carries_what_its_kind_needs(cast, fields, constraint):
    batch = deliver(cast).batch
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        StockMovement.objects.create(caregiver=cast.caregiver_a, unit=cast.unit_a, batch=batch, **fields)


# --- Waste, transfer, stock-take --------------------------------------------------------------------------------


def test_a2_waste_needs_a_reason_and_never_takes_more_than_there_is(cast):
    batch = deliver(cast, quantity=4).batch
    with pytest.raises(stock.StockError) as refused:
        stock.waste_record(
            user=cast.alice, unit=cast.unit_a, batch=batch, quantity=1, reason="other", text=""
        )
    assert refused.value.field == "text"
    with pytest.raises(stock.StockError) as refused:
        stock.waste_record(user=cast.alice, unit=cast.unit_a, batch=batch, quantity=5, reason="broken")
    assert "4 doser" in refused.value.message and "inventering" in refused.value.message
    movement = stock.waste_record(
        user=cast.alice, unit=cast.unit_a, batch=batch, quantity=2, reason="cold_chain", text="Kylen larmade"
    )
    assert movement.quantity == -2 and movement.reason_text.startswith("Bruten kylkedja")
    assert balance(cast.unit_a, batch) == 2


def test_a2_a_transfer_is_seen_by_both_units(cast):
    batch = deliver(cast, quantity=10).batch
    out, into = stock.transfer_record(
        user=cast.alice, from_unit=cast.unit_a, to_unit=cast.unit_a_no_payment, batch=batch, quantity=4
    )
    assert out.transfer_ref == into.transfer_ref
    assert (out.unit, out.quantity, out.counterpart_unit) == (cast.unit_a, -4, cast.unit_a_no_payment)
    assert (into.unit, into.quantity, into.counterpart_unit) == (cast.unit_a_no_payment, 4, cast.unit_a)
    assert balance(cast.unit_a, batch) == 6
    assert balance(cast.unit_a_no_payment, batch) == 4
    assert [m.kind for m in stock.lot_ledger(cast.unit_a_no_payment, batch)] == ["transfer_in"]


@pytest.mark.parametrize("case", ["too_many", "same_unit", "other_caregiver", "zero"])
def test_a2_a_bad_transfer_is_refused_with_nothing_saved(cast, case):
    batch = deliver(cast, quantity=3).batch
    to_unit = {"same_unit": cast.unit_a, "other_caregiver": cast.unit_b}.get(case, cast.unit_a_no_payment)
    quantity = {"too_many": 4, "zero": 0}.get(case, 1)
    with pytest.raises(stock.StockError):
        stock.transfer_record(
            user=cast.alice, from_unit=cast.unit_a, to_unit=to_unit, batch=batch, quantity=quantity
        )
    assert StockMovement.objects.count() == 1
    assert balance(cast.unit_a, batch) == 3


def test_a2_a_stocktake_records_the_difference_with_its_reason(cast):
    batch = deliver(cast, quantity=10).batch
    assert (
        stock.stocktake_record(
            user=cast.alice, unit=cast.unit_a, batch=batch, counted=10, expected=10, reason=""
        )
        is None
    )
    with pytest.raises(stock.StockError) as refused:
        stock.stocktake_record(
            user=cast.alice, unit=cast.unit_a, batch=batch, counted=8, expected=10, reason=""
        )
    assert refused.value.field == "reason"
    movement = stock.stocktake_record(
        user=cast.alice,
        unit=cast.unit_a,
        batch=batch,
        counted=8,
        expected=10,
        reason="Två doser trasiga i kylen",
    )
    assert (movement.kind, movement.quantity, movement.counted) == ("stocktake", -2, 8)
    assert balance(cast.unit_a, batch) == 8
    # The count was made against a balance that has moved since: refused, nothing saved.
    with pytest.raises(stock.StockError, match="ändrats sedan du började räkna"):
        stock.stocktake_record(
            user=cast.alice, unit=cast.unit_a, batch=batch, counted=7, expected=10, reason="x"
        )
    assert balance(cast.unit_a, batch) == 8


def test_a2_the_lot_ledger_shows_the_running_balance(cast):
    batch = deliver(cast, quantity=10).batch
    stock.waste_record(user=cast.alice, unit=cast.unit_a, batch=batch, quantity=3, reason="broken")
    deliver(cast, product=batch.product, lot=batch.lot_number, quantity=5)
    assert [(m.quantity, m.running) for m in stock.lot_ledger(cast.unit_a, batch)] == [
        (5, 12),
        (-3, 7),
        (10, 10),
    ]


# --- The dose's side --------------------------------------------------------------------------------------------


def test_a2_signing_a_dose_takes_one_dose_from_the_units_stock_of_its_lot(cast):
    ready = ready_visit(cast)
    before = balance(cast.unit_a, ready.batch)
    dose = register(cast, ready)
    assert balance(cast.unit_a, ready.batch) == before - 1
    taken = StockMovement.objects.get(vaccination=dose)
    assert (taken.kind, taken.unit, taken.batch, taken.quantity) == (
        "dose_given",
        cast.unit_a,
        ready.batch,
        -1,
    )
    # Other units' stock of the same lot is untouched.
    assert balance(cast.unit_a_no_payment, ready.batch) == 50


def test_a2_no_dose_is_signed_against_stock_that_is_not_there(cast):
    ready = ready_visit(cast)
    empty = batch_for(cast.caregiver_a, ready.product, lot="EMPTY1", stock=0)
    with pytest.raises(services.JournalError) as refused:
        register(cast, ready, batch=empty)
    # The nurse is told how to correct a wrong count, never blocked silently.
    assert "inventering" in refused.value.message
    assert refused.value.field == "batch"
    assert not Vaccination.objects.filter(visit=ready.visit).exists()
    assert not StockMovement.objects.filter(batch=empty).exists()


def test_a2_a_dose_entered_in_error_returns_its_dose_once(cast):
    ready = ready_visit(cast)
    dose = register(cast, ready)
    services.vaccination_enter_in_error(vaccination=dose, user=cast.alice, reason="Fel patient")
    assert balance(cast.unit_a, ready.batch) == 50
    returned = StockMovement.objects.get(vaccination=dose, kind="dose_returned")
    assert returned.quantity == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            caregiver=cast.caregiver_a, unit=cast.unit_a, batch=ready.batch, kind="dose_returned", quantity=1,
            vaccination=dose,
        )  # fmt: skip


def test_a2_the_dose_form_offers_only_lots_in_stock_earliest_expiry_first(cast):
    ready = ready_visit(cast)  # its lot expires in a year
    soon = batch_for(
        cast.caregiver_a, ready.product, lot="SOON1", expiry=timezone.localdate() + dt.timedelta(days=40)
    )
    batch_for(cast.caregiver_a, ready.product, lot="NONE1", stock=0)
    batch_for(cast.caregiver_a, ready.product, lot="OLD1", expiry=timezone.localdate() - dt.timedelta(days=1))
    elsewhere = batch_for(cast.caregiver_a, ready.product, lot="ELSEWHERE1", stock=0)

    stock_for(elsewhere, cast.unit_a_no_payment, 5)
    html = (
        client_for(cast.alice)
        .get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]))
        .content.decode()
    )
    select = html[
        html.index('data-testid="lot-select"') : html.index(
            "</select>", html.index('data-testid="lot-select"')
        )
    ]
    assert select.index(soon.lot_number) < select.index(ready.batch.lot_number)
    assert f'value="{soon.lot_number}" selected' in select
    for absent in ("NONE1", "OLD1", "ELSEWHERE1"):
        assert absent not in select


def test_a2_without_stock_the_dose_form_says_how_to_correct_the_count(cast):
    ready = ready_visit(cast)
    StockMovement.objects.create(
        caregiver=cast.caregiver_a, unit=cast.unit_a, batch=ready.batch, kind="waste", quantity=-50,
        waste_reason="broken",
    )  # fmt: skip
    html = (
        client_for(cast.alice)
        .get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]))
        .content.decode()
    )
    assert 'data-testid="no-stock"' in html
    assert "inventering" in html and reverse("journal:stock") in html


# --- Multi-dose vials (A3) --------------------------------------------------------------------------------------


def multidose_product():
    return VaccineProductFactory(
        name="Comirnaty test", disease="COVID-19", doses_per_vial=6, hours_usable_after_opening=12
    )


def test_a3_a_dose_opens_a_vial_and_the_job_wastes_its_rest_once(cast):
    product = multidose_product()
    ready = ready_visit(cast, product=product, doses=1)
    ready2 = ready_visit(cast, product=product, doses=1)
    register(cast, ready, batch=ready.batch)
    register(cast, ready2, batch=ready.batch)
    vial = VialOpening.objects.get()
    assert vial.doses == 6 and vial.unit == cast.unit_a
    assert StockMovement.objects.filter(vial=vial, kind="dose_given").count() == 2
    assert balance(cast.unit_a, ready.batch) == 48
    assert stock.opened_vials_expire() == 0  # still usable
    later = timezone.now() + dt.timedelta(hours=13)
    assert stock.opened_vials_expire(now=later) == 1
    assert stock.opened_vials_expire(now=later) == 0  # a second run finds nothing to do
    rest = StockMovement.objects.get(vial=vial, kind="waste")
    assert (rest.quantity, rest.waste_reason) == (-4, "opened_vial_expired")
    assert balance(cast.unit_a, ready.batch) == 44


def test_a3_a_full_vial_opens_the_next_one(cast):
    product = VaccineProductFactory(
        name="Tvådos test", disease="X", doses_per_vial=2, hours_usable_after_opening=6
    )
    readies = [ready_visit(cast, product=product, doses=1) for _ in range(3)]
    for ready in readies:
        register(cast, ready, batch=readies[0].batch)
    assert VialOpening.objects.count() == 2
    assert (
        stock.opened_vials_expire(now=timezone.now() + dt.timedelta(hours=7)) == 1
    )  # only the second has a rest


def test_a3_opening_a_vial_is_recorded_on_the_lot_page(cast):
    product = multidose_product()
    batch = batch_for(cast.caregiver_a, product)
    response = client_for(cast.alice).post(
        reverse("journal:stock_lot_open_vial", args=[batch.pk]), follow=True
    )
    assert "hållbar till" in response.content.decode()
    vial = VialOpening.objects.get()
    assert vial.usable_until - vial.opened_at == dt.timedelta(hours=12)
    single = batch_for(cast.caregiver_a, tbe_product())
    with pytest.raises(stock.StockError, match="inte en flerdosförpackning"):
        stock.vial_open(user=cast.alice, unit=cast.unit_a, batch=single)


# --- The stock page and its daily alert --------------------------------------------------------------------------


def test_a2_the_stock_page_flags_expiring_lots_and_products_below_minimum_in_words(cast):
    product = tbe_product()
    deliver(cast, product=product, lot="LATE1", quantity=3)
    deliver(
        cast, product=product, lot="SOON1", expiry=timezone.localdate() + dt.timedelta(days=10), quantity=2
    )
    StockMinimum.objects.create(caregiver=cast.caregiver_a, unit=cast.unit_a, product=product, minimum=10)
    html = client_for(cast.alice).get(reverse("journal:stock")).content.decode()
    assert "Går ut inom 30 dagar" in html
    assert "Under lägsta nivå (10)" in html
    assert html.index("SOON1") < html.index("LATE1")  # earliest expiry first


def test_a2_the_stock_page_query_count_does_not_grow_with_the_lots(cast, django_assert_max_num_queries):
    product = tbe_product()
    client = client_for(cast.alice)
    for index in range(3):
        deliver(cast, product=product, lot=f"Q{index}")
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("journal:stock"))
    for index in range(3, 30):
        deliver(cast, product=product, lot=f"Q{index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("journal:stock"))
    assert response.content.decode().count('class="lot"') == 30


def test_a2_the_stock_page_reads_each_product_once_whatever_the_products_and_lots(cast):
    """Issue 11: the page's queries are fixed (no read per product or lot), products in name order, each
    lot linked to its own page, and a product with a minimum but nothing in stock still listed."""
    client = client_for(cast.alice)
    products = [VaccineProductFactory(name=name) for name in ("Cvax", "avax", "Bvax")]
    for product in products[:2]:
        for index in range(2):
            deliver(cast, product=product, lot=f"{product.name}-{index}")
    stock.minimum_set(user=cast.alice, unit=cast.unit_a, product=products[2], minimum=5)
    client.get(reverse("journal:stock"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("journal:stock"))
    for product in [*products[:2], VaccineProductFactory(name="Dvax")]:
        for index in range(2, 8):
            deliver(cast, product=product, lot=f"{product.name}-{index}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("journal:stock"))
    assert len(many) == len(few) <= 12, "\n".join(q["sql"][:120] for q in many.captured_queries)
    html = response.content.decode()
    assert [html.index(f">{name} <") for name in ("avax", "Bvax", "Cvax", "Dvax")] == sorted(
        html.index(f">{name} <") for name in ("avax", "Bvax", "Cvax", "Dvax")
    )
    assert 'data-testid="below-minimum"' in html[html.index(">Bvax <") : html.index(">Cvax <")]
    lot = StockBalance.objects.get(unit=cast.unit_a, batch__lot_number="Dvax-5").batch
    url = reverse("journal:stock_lot", args=[lot.pk])
    assert f'<a href="{url}" class="lot">Dvax-5</a>' in html
    assert f"<td>{lot.expiry_date.isoformat()}</td>" in html


def test_a2_the_daily_alert_is_made_once_per_unit_and_day_in_the_app_and_by_e_mail(
    cast, django_capture_on_commit_callbacks
):
    product = tbe_product()
    deliver(
        cast, product=product, lot="SOON1", expiry=timezone.localdate() + dt.timedelta(days=5), quantity=2
    )
    stock.minimum_set(user=cast.alice, unit=cast.unit_a, product=product, minimum=20)
    stock.alert_email_set(user=cast.alice, unit=cast.unit_a, email="lager@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        assert stock.stock_alerts_send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert stock.stock_alerts_send() == 0
    notice = StockNotice.objects.get(unit=cast.unit_a)
    assert {line["kind"] for line in notice.lines} == {"expiring", "low"}
    mail = OutboundMessage.objects.get(purpose="stock_alert")
    assert mail.recipient == "lager@example.invalid" and "SOON1" in mail.body
    home = client_for(cast.alice).get("/").content.decode()
    assert 'data-testid="home-stock-notice"' in home and "SOON1" in home
    # Staff without the stock right are not bothered on their start page.
    assert 'data-testid="home-stock-notice"' not in client_for(cast.clinic_a).get("/").content.decode()


def test_stock_jobs_are_in_the_beat_schedule():

    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"journal.expire_opened_vials", "journal.send_stock_alerts"} <= tasks
    assert {"journal.expire_opened_vials", "journal.send_stock_alerts"} <= set(app.tasks)


# --- The screens ------------------------------------------------------------------------------------------------


def _delivery_form(vaccine, **changes) -> dict:
    """The delivery screen's fields as a nurse fills them in, with `changes` on top."""
    return {
        "idempotency_key": str(uuid.uuid4()),
        "product": vaccine.pk,
        "lot_number": "SCR1",
        "expiry_date": IN_A_YEAR.isoformat(),
        "quantity": "12",
        "supplier": "Apoteket AB",
        **changes,
    }


def test_a2_a_nurse_receives_a_delivery_on_the_screen(cast):
    client = client_for(cast.alice)
    assert "Lager" in client.get("/").content.decode()
    data = _delivery_form(tbe_product(), delivery_note="123")
    response = client.post(reverse("journal:stock_delivery"), data, follow=True)
    assert "Leveransen är registrerad" in response.content.decode()
    assert StockBalance.objects.get(unit=cast.unit_a).balance == 12


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"quantity": "0"}, "lika med 1"),
        ({"quantity": "-3"}, "lika med 1"),
        ({"quantity": "abc"}, "heltal"),
        ({"expiry_date": "2001-01-01"}, "redan passerat"),
        ({"expiry_date": "31/31/2031"}, "datum"),
        ({"product": "999999"}, "giltigt"),
    ],
)
def test_a2_bad_delivery_on_the_screen_gets_a_message_and_saves_nothing(cast, changes, text):
    data = _delivery_form(tbe_product(), **changes)
    response = client_for(cast.alice).post(reverse("journal:stock_delivery"), data)
    assert response.status_code == 422
    assert text.lower() in response.content.decode().lower()
    assert not StockMovement.objects.exists()


def test_a2_the_lot_page_refuses_a_transfer_larger_than_the_balance_with_a_message(cast):
    batch = deliver(cast, quantity=2).batch
    response = client_for(cast.alice).post(
        reverse("journal:stock_lot_transfer", args=[batch.pk]),
        {"idempotency_key": str(uuid.uuid4()), "to_unit": cast.unit_a_no_payment.pk, "quantity": "3"},
    )
    assert response.status_code == 422
    assert "Det finns 2 doser" in response.content.decode()
    assert balance(cast.unit_a, batch) == 2


def test_a2_the_lot_page_tells_the_counter_when_the_balance_moved(cast):
    batch = deliver(cast, quantity=5).batch
    client = client_for(cast.alice)
    stale = {"expected": "4", "counted": "3", "reason": "Räknat"}
    response = client.post(reverse("journal:stock_lot_stocktake", args=[batch.pk]), stale)
    assert response.status_code == 422 and "Räkna igen" in response.content.decode()
    fresh = {"expected": "5", "counted": "3", "reason": "Två saknas"}
    response = client.post(reverse("journal:stock_lot_stocktake", args=[batch.pk]), fresh, follow=True)
    assert "differens -2" in response.content.decode()
    assert balance(cast.unit_a, batch) == 3


def test_stock_pages_need_the_stock_right(cast):
    batch = deliver(cast).batch
    for url in (
        reverse("journal:stock"),
        reverse("journal:stock_delivery"),
        reverse("journal:stock_lot", args=[batch.pk]),
    ):
        assert client_for(cast.clinic_a).get(url).status_code == 403
        assert client_for(cast.alice).get(url).status_code == 200
    assert "/lager/" not in client_for(cast.clinic_a).get("/").content.decode()


def test_the_alert_and_lots_are_per_unit(cast):
    other_unit = UnitFactory(caregiver=cast.caregiver_a, name="Enhet utan lager")
    deliver(cast, lot="U1")
    html = client_for(cast.alice, unit=other_unit).get(reverse("journal:stock")).content.decode()
    assert 'data-testid="stock-empty"' in html and "U1" not in html


def test_a2_time_of_a_dose_in_the_past_is_kept_in_the_vial(cast):
    product = multidose_product()
    ready = ready_visit(cast, product=product, doses=1)
    dose = register(cast, ready, given_at=timezone.now() - dt.timedelta(minutes=30))
    vial = VialOpening.objects.get()
    assert vial.opened_at == dose.given_at
