"""A2 under load: racing movements on one lot at one unit, each on its own database connection."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from journal import stock
from journal.services import JournalError
from journal.stock_models import StockMovement
from tests.concurrency import race
from tests.journal.factories import ready_visit, register, tbe_product

pytestmark = pytest.mark.django_db(transaction=True)


def _ledger_sum(unit, batch) -> int:
    return StockMovement.objects.filter(unit=unit, batch=batch).aggregate(total=Sum("quantity"))["total"] or 0


def test_a2_a_stocktake_racing_a_dose_on_the_same_lot_keeps_the_balance_right(cast):
    product = tbe_product()
    ready = ready_visit(cast, product=product)
    batch = ready.batch
    # The shelf holds 10; the nurse counts 8 while a colleague signs a dose from the same lot.
    stock.stocktake_record(
        user=cast.alice, unit=cast.unit_a, batch=batch, counted=10, expected=50, reason="Start"
    )

    def count():
        return stock.stocktake_record(
            user=cast.alice, unit=cast.unit_a, batch=batch, counted=8, expected=10, reason="Två saknas"
        )

    def dose():
        return register(cast, ready, batch=batch)

    for _round in range(3):
        results = race([count, dose])
        counted, signed = results
        balance = stock.balance_of(cast.unit_a, batch)
        # Whatever order the database chose, the balance is the sum of the ledger, never below zero,
        # and a stock-take never counted against a balance the counter did not see.
        assert balance == _ledger_sum(cast.unit_a, batch) >= 0
        assert not isinstance(signed, Exception) or isinstance(signed, JournalError), signed
        if isinstance(counted, StockMovement):
            # The count came first (against 10): 8 on the shelf, then the dose took one.
            assert counted.quantity == -2
            assert balance == (7 if not isinstance(signed, Exception) else 8)
        else:
            # The dose came first: the count against 10 is refused, the balance is 10 - 1.
            assert isinstance(counted, stock.StockError), counted
            assert "ändrats sedan du började räkna" in counted.message
            assert balance == 9
        # Back to a known state for the next round (a new visit, the shelf recounted to 10).
        ready = ready_visit(cast, product=product)
        current = stock.balance_of(cast.unit_a, batch)
        stock.stocktake_record(
            user=cast.alice, unit=cast.unit_a, batch=batch, counted=10, expected=current, reason="Omräknat"
        )


def test_a2_two_nurses_taking_the_last_dose_at_once_get_one_dose(cast):
    product = tbe_product()
    first = ready_visit(cast, product=product)
    second = ready_visit(cast, product=product)
    batch = first.batch
    stock.stocktake_record(
        user=cast.alice, unit=cast.unit_a, batch=batch, counted=1, expected=50, reason="Sista"
    )
    results = race([lambda: register(cast, first, batch=batch), lambda: register(cast, second, batch=batch)])
    signed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(signed) == 1 and len(refused) == 1
    assert isinstance(refused[0], JournalError), refused[0]
    assert stock.balance_of(cast.unit_a, batch) == 0 == _ledger_sum(cast.unit_a, batch)
