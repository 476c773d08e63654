"""R17 (prices per product and caregiver, with validity periods) and R18 (visible everywhere)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import ArticleKind, Price
from billing.services import BillingError
from tests.billing.factories import article, product_with_price
from tests.conftest import client_for
from tests.factories import VaccineProductFactory

D = dt.date


def test_r17_new_price_from_a_date_closes_the_old_one(cast):
    product = VaccineProductFactory()
    old = services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("300"), valid_from=D(2025, 1, 1)
    )
    new = services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("345"), valid_from=D(2026, 3, 1)
    )
    old.refresh_from_db()
    assert old.valid_until == D(2026, 2, 28)
    assert new.valid_until is None
    assert services.price_for(caregiver=cast.caregiver_a, product=product, day=D(2026, 2, 28)).amount == 300
    assert services.price_for(caregiver=cast.caregiver_a, product=product, day=D(2026, 3, 1)).amount == 345
    assert services.price_for(caregiver=cast.caregiver_a, product=product, day=D(2024, 12, 31)) is None


def test_r17_prices_are_per_caregiver(cast):
    product = product_with_price(cast.caregiver_a, "345")
    services.price_set(
        caregiver=cast.caregiver_b, product=product, amount=Decimal("500"), valid_from=D(2020, 1, 1)
    )
    today = timezone.localdate()
    assert services.price_for(caregiver=cast.caregiver_a, product=product, day=today).amount == 345
    assert services.price_for(caregiver=cast.caregiver_b, product=product, day=today).amount == 500


def test_r17_overlapping_closed_period_is_refused_with_the_period_named(cast):
    product = VaccineProductFactory()
    services.price_set(
        caregiver=cast.caregiver_a,
        product=product,
        amount=Decimal("300"),
        valid_from=D(2026, 1, 1),
        valid_until=D(2026, 6, 30),
    )
    with pytest.raises(BillingError) as refused:
        services.price_set(
            caregiver=cast.caregiver_a,
            product=product,
            amount=Decimal("310"),
            valid_from=D(2026, 6, 1),
            valid_until=D(2026, 7, 31),
        )
    assert "300,00" in str(refused.value)
    assert "2026-01-01" in str(refused.value)
    assert Price.objects.filter(product=product).count() == 1


def test_r17_price_before_a_later_price_is_refused(cast):
    product = VaccineProductFactory()
    services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("300"), valid_from=D(2026, 6, 1)
    )
    with pytest.raises(BillingError):
        services.price_set(
            caregiver=cast.caregiver_a, product=product, amount=Decimal("280"), valid_from=D(2026, 1, 1)
        )


def test_r17_overlap_trigger_refuses_what_the_service_would(cast):
    """The database itself refuses overlapping periods (no btree_gist: a trigger)."""
    product = VaccineProductFactory()
    services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("300"), valid_from=D(2026, 1, 1)
    )
    with pytest.raises(IntegrityError, match="price periods overlap"), transaction.atomic():
        Price.objects.create(
            caregiver=cast.caregiver_a, product=product, amount=Decimal("1"), valid_from=D(2027, 1, 1)
        )
    # The same item at another caregiver, or another item, is no overlap.
    Price.objects.create(
        caregiver=cast.caregiver_b, product=product, amount=Decimal("1"), valid_from=D(2027, 1, 1)
    )


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"amount": Decimal("-1")}, "price_amount_range"),
        ({"amount": Decimal("100000.01")}, "price_amount_range"),
        ({"valid_until": D(2025, 12, 31)}, "price_period_ordered"),
        ({"article_also": True}, "price_product_xor_article"),
    ],
)
def test_r17_price_check_constraints(cast, fields, constraint):
    product = VaccineProductFactory()
    values = {
        "caregiver": cast.caregiver_a,
        "product": product,
        "amount": Decimal("10"),
        "valid_from": D(2026, 1, 1),
    }
    if fields.pop("article_also", False):
        values["article"] = article(cast.caregiver_a, ArticleKind.NO_SHOW)
    values.update(fields)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Price.objects.create(**values)


def test_r17_negative_and_absurd_prices_are_refused_by_the_service(cast):
    product = VaccineProductFactory()
    for amount in ("-10", "250000"):
        with pytest.raises(BillingError):
            services.price_set(
                caregiver=cast.caregiver_a, product=product, amount=Decimal(amount), valid_from=D(2026, 1, 1)
            )
    assert not Price.objects.filter(product=product).exists()


def test_r17_future_price_can_be_removed_and_the_old_one_runs_on(cast):
    product = VaccineProductFactory()
    today = timezone.localdate()
    old = services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("300"), valid_from=D(2020, 1, 1)
    )
    future = services.price_set(
        caregiver=cast.caregiver_a,
        product=product,
        amount=Decimal("400"),
        valid_from=today + dt.timedelta(days=10),
    )
    services.price_remove(price=future)
    old.refresh_from_db()
    assert old.valid_until is None
    with pytest.raises(BillingError):
        services.price_remove(price=old)


def test_r17_admin_sets_a_price_on_the_page(cast):
    product = VaccineProductFactory(name="Testvaccin R17")
    client = client_for(cast.admin_a)
    today = timezone.localdate()
    url = reverse("billing:price_new") + f"?product={product.pk}"
    response = client.post(url, {"amount": "1 250,50", "valid_from": today.isoformat()})
    assert response.status_code == 302
    assert services.price_for(caregiver=cast.caregiver_a, product=product, day=today).amount == Decimal(
        "1250.50"
    )
    page = client.get(reverse("billing:prices"))
    assert "1\xa0250,50\xa0kr" in page.content.decode()


@pytest.mark.parametrize(
    ("amount", "valid_from", "message"),
    [
        ("-100", 0, "negativt"),
        ("99999999", 0, "orimligt högt"),
        ("tre hundra", 0, "inget belopp"),
        ("300", -3, "i dag eller senare"),
    ],
)
def test_r17_bad_price_input_gets_a_message_not_an_error(cast, amount, valid_from, message):
    product = VaccineProductFactory()
    client = client_for(cast.admin_a)
    day = timezone.localdate() + dt.timedelta(days=valid_from)
    response = client.post(
        reverse("billing:price_new") + f"?product={product.pk}",
        {"amount": amount, "valid_from": day.isoformat()},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Price.objects.filter(product=product).exists()


def test_r17_overlap_on_the_page_is_a_message(cast):
    product = VaccineProductFactory()
    today = timezone.localdate()
    services.price_set(
        caregiver=cast.caregiver_a,
        product=product,
        amount=Decimal("300"),
        valid_from=today + dt.timedelta(days=5),
        valid_until=today + dt.timedelta(days=20),
    )
    response = client_for(cast.admin_a).post(
        reverse("billing:price_new") + f"?product={product.pk}",
        {"amount": "310", "valid_from": (today + dt.timedelta(days=10)).isoformat()},
    )
    assert response.status_code == 200
    assert "överlappar" in response.content.decode()


def test_r17_only_administrators_set_prices(cast):
    assert client_for(cast.alice).get(reverse("billing:prices")).status_code == 403
    assert client_for(cast.clinic_a).get(reverse("billing:prices")).status_code == 403


def test_r4_another_caregivers_article_is_not_found(cast):
    foreign = article(cast.caregiver_b, ArticleKind.NO_SHOW)
    response = client_for(cast.admin_a).get(reverse("billing:price_new") + f"?article={foreign.pk}")
    assert response.status_code == 404


def test_articles_have_the_guidelines_names(cast):
    names = {a.kind: a.name for a in services.articles_ensure(cast.caregiver_a).values()}
    assert names[ArticleKind.NO_SHOW] == "Uteblivet besök vaccination"
    assert names[ArticleKind.LATE_CANCELLATION] == "Sent avbokat besök vaccination"
    assert names[ArticleKind.VISIT_FEE] == "Besöksavgift"
