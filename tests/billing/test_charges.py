"""R16 (charges in the vaccination flow), R18 (only units with payment solution charge), and the
database's guards on charges."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import ArticleKind, Charge, ChargeSource, ChargeStatus
from billing.services import BillingError
from journal.models import VisitKind
from tests.billing.factories import (
    adult,
    approved,
    article,
    article_price,
    campaign,
    child,
    dose_charge,
    product_with_price,
    visit,
)
from tests.conftest import client_for
from tests.factories import VaccineProductFactory


def test_r16_dose_at_a_unit_with_payment_solution_gets_its_charge(cast, alice, grown_up, product):
    [charge] = dose_charge(grown_up, cast.unit_a, product, user=alice)
    assert charge.source == ChargeSource.DOSE
    assert charge.list_price == Decimal("345.00")
    assert charge.amount == Decimal("345.00")
    assert charge.status == ChargeStatus.OPEN
    assert charge.unit == cast.unit_a
    assert charge.service_date == timezone.localdate()
    assert charge.created_by == alice


@pytest.mark.parametrize("unit_name", ["unit_a_no_payment", "health_centre_a"])
def test_r18_no_charge_where_the_payment_solution_is_missing(cast, alice, grown_up, product, unit_name):
    assert dose_charge(grown_up, getattr(cast, unit_name), product, user=alice) == []
    assert not Charge.objects.exists()


def test_r18_price_is_shown_at_every_unit_that_vaccinates(cast, alice, grown_up, product):
    for unit in (cast.unit_a, cast.unit_a_no_payment, cast.health_centre_a):
        v = visit(grown_up, unit)
        response = client_for(alice, unit).get(
            reverse("billing:dose_price"), {"patient": grown_up.pk, "visit": v.pk, "product": product.pk}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "345,00\xa0kr" in html
        assert ("ingen faktura skapas" in html) == (not unit.has_invoicing)


def test_r10_free_campaign_makes_the_dose_free(cast, alice, product):
    kids = campaign(cast.caregiver_a, products=[product], name="Barnvaccination")
    [charge] = dose_charge(
        child(cast.caregiver_a),
        cast.unit_a,
        product,
        user=alice,
        billing_data={"billing-campaign": str(kids.pk)},
    )
    assert charge.list_price == Decimal("345.00")
    assert charge.campaign == kids
    assert charge.amount == Decimal("0.00")


def test_r10_reduced_price_campaign(cast, alice, product):
    cheaper = campaign(cast.caregiver_a, products=[product], price="100", min_age=0, max_age=120)
    [charge] = dose_charge(
        adult(cast.caregiver_a),
        cast.unit_a,
        product,
        user=alice,
        billing_data={"billing-campaign": str(cheaper.pk)},
    )
    assert charge.amount == Decimal("100.00")


def test_r10_campaign_the_patient_does_not_qualify_for_refuses_the_dose(cast, alice, product):
    kids = campaign(cast.caregiver_a, products=[product])
    with pytest.raises(BillingError, match="omfattas inte"):
        dose_charge(
            adult(cast.caregiver_a),
            cast.unit_a,
            product,
            user=alice,
            billing_data={"billing-campaign": str(kids.pk)},
        )
    ended = campaign(
        cast.caregiver_a, products=[product], starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2021, 1, 1)
    )
    with pytest.raises(BillingError, match="omfattas inte"):
        dose_charge(
            child(cast.caregiver_a),
            cast.unit_a,
            product,
            user=alice,
            billing_data={"billing-campaign": str(ended.pk)},
        )
    assert not Charge.objects.exists()


@pytest.mark.parametrize("value", ["x'; --", "999999", "foreign"])
def test_r10_a_value_that_is_no_campaign_of_the_caregiver_charges_the_list_price_for_review(
    cast, alice, product, value
):
    if value == "foreign":
        value = str(campaign(cast.caregiver_b, products=[product]).pk)
    [charge] = dose_charge(
        child(cast.caregiver_a), cast.unit_a, product, user=alice, billing_data={"billing-campaign": value}
    )
    assert charge.campaign is None
    assert charge.amount == Decimal("345.00")
    assert "okänd kampanj" in charge.note


def test_r16_visit_fee_is_charged_once_per_visit(cast, alice, grown_up, product):
    article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    other = product_with_price(cast.caregiver_a, "200")
    v = visit(grown_up, cast.unit_a)
    first = services.charges_for_dose(visit=v, product=product, user=alice)
    second = services.charges_for_dose(visit=v, product=other, user=alice)
    assert [c.description for c in first] == [product.name, "Besöksavgift"]
    assert [c.description for c in second] == [other.name]
    assert Charge.objects.filter(visit=v, article__kind=ArticleKind.VISIT_FEE).count() == 1


def test_r16_visit_fee_not_taken_when_the_caregiver_does_not_use_one(cast, alice, grown_up, product):
    fee = article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    fee.is_active = False
    fee.save()
    assert len(dose_charge(grown_up, cast.unit_a, product, user=alice)) == 1


def test_r10_campaign_covering_the_visit_fee_makes_it_free_too(cast, alice, product):
    fee = article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    kids = campaign(cast.caregiver_a, products=[product], articles=[fee])
    charges = dose_charge(
        child(cast.caregiver_a),
        cast.unit_a,
        product,
        user=alice,
        billing_data={"billing-campaign": str(kids.pk)},
    )
    assert [c.amount for c in charges] == [Decimal("0.00"), Decimal("0.00")]


def test_r17_dose_keeps_the_price_of_its_day(cast, alice, grown_up):
    product = VaccineProductFactory()
    services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("300"), valid_from=dt.date(2025, 1, 1)
    )
    services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("400"), valid_from=dt.date(2026, 1, 1)
    )
    [old] = dose_charge(grown_up, cast.unit_a, product, user=alice, day=dt.date(2025, 12, 31))
    [new] = dose_charge(grown_up, cast.unit_a, product, user=alice, day=dt.date(2026, 1, 1))
    assert (old.amount, new.amount) == (Decimal("300.00"), Decimal("400.00"))


def test_r16_product_without_price_is_charged_zero_and_flagged(cast, alice, grown_up):
    product = VaccineProductFactory()
    [charge] = dose_charge(grown_up, cast.unit_a, product, user=alice)
    assert charge.amount == 0
    assert "Inget pris" in charge.note


def test_r9_article_charge_is_idempotent_per_booking(cast, grown_up):
    late = article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")
    v = visit(grown_up, cast.unit_a, kind=VisitKind.LATE_CANCELLATION, booking_id=990001)
    outcome, charge = services.charge_for_article(visit=v, article=late, booking_id=990001)
    again, same = services.charge_for_article(visit=v, article=late, booking_id=990001)
    assert (outcome, again) == ("created", "exists")
    assert same == charge
    assert charge.amount == Decimal("300.00")


def test_r9_late_cancellation_is_free_for_children_under_a_campaign(cast):
    late = article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")
    kids = campaign(cast.caregiver_a, articles=[late], name="Barn och unga", min_age=0, max_age=19)
    young = child(cast.caregiver_a, age_years=12)
    v = visit(young, cast.unit_a, kind=VisitKind.LATE_CANCELLATION, booking_id=990002)
    _outcome, charge = services.charge_for_article(visit=v, article=late, booking_id=990002)
    assert charge.campaign == kids
    assert charge.amount == 0


# --- Database guards ------------------------------------------------------------------------------


def _charge_values(cast, patient, **extra):
    v = visit(patient, cast.unit_a)
    values = {
        "caregiver": cast.caregiver_a,
        "unit": cast.unit_a,
        "patient": patient,
        "visit": v,
        "source": ChargeSource.ARTICLE,
        "article": article(cast.caregiver_a, ArticleKind.NO_SHOW),
        "service_date": timezone.localdate(),
        "description": "x",
        "list_price": Decimal("10"),
        "amount": Decimal("10"),
    }
    values.update(extra)
    return values


@pytest.mark.parametrize(
    ("extra", "constraint"),
    [
        ({"amount": Decimal("-1")}, "charge_amount_range"),
        ({"amount": Decimal("100000.01")}, "charge_amount_range"),
        ({"list_price": Decimal("-1")}, "charge_list_price_range"),
        ({"source": ChargeSource.DOSE}, "charge_source_matches_item"),
        ({"status": ChargeStatus.APPROVED}, "charge_approved_has_time"),
    ],
)
def test_charge_check_constraints(cast, grown_up, extra, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Charge.objects.create(**_charge_values(cast, grown_up, **extra))


def _created_and_checked(**values) -> Charge:
    """Create a charge and run its deferred composite key check at once (a test never commits)."""
    with transaction.atomic():
        charge = Charge.objects.create(**values)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS charge_visit_patient_fk, charge_unit_caregiver_fk IMMEDIATE")
    return charge


def test_a_charge_is_for_its_visits_own_patient_one_composite_key_checks_both(cast, grown_up):
    """charge_visit_patient_fk: (visit, patient) is a visit and its own patient (billing 0006)."""
    other = adult(cast.caregiver_a, family_name="Annan", given_names="Olle")
    with pytest.raises(IntegrityError, match="charge_visit_patient_fk"):
        _created_and_checked(**{**_charge_values(cast, grown_up), "patient": other})
    values = _charge_values(cast, grown_up)
    missing_visit = values.pop("visit").pk + 10_000
    with pytest.raises(IntegrityError, match="charge_visit_patient_fk"):
        _created_and_checked(**values, visit_id=missing_visit)
    charge = _created_and_checked(**_charge_values(cast, grown_up))
    assert Charge.objects.filter(pk=charge.pk, patient=grown_up, visit__patient=grown_up).exists()


def test_a_charges_caregiver_is_its_units_one_composite_key_checks_both(cast, grown_up):
    """charge_unit_caregiver_fk: (unit, caregiver) is a unit and its own caregiver (billing 0007)."""
    with pytest.raises(IntegrityError, match="charge_unit_caregiver_fk"):
        _created_and_checked(**{**_charge_values(cast, grown_up), "unit": cast.unit_b})
    with pytest.raises(IntegrityError, match="charge_unit_caregiver_fk"):
        _created_and_checked(**{**_charge_values(cast, grown_up), "caregiver": cast.caregiver_b})
    values = _charge_values(cast, grown_up)
    missing_unit = values.pop("unit").pk + 10_000
    with pytest.raises(IntegrityError, match="charge_unit_caregiver_fk"):
        _created_and_checked(**values, unit_id=missing_unit)
    charge = _created_and_checked(**_charge_values(cast, grown_up))
    assert Charge.objects.filter(
        pk=charge.pk, unit__caregiver=cast.caregiver_a, caregiver=cast.caregiver_a
    ).exists()


def test_r8_database_allows_one_charge_per_booking_and_article(cast, grown_up):
    Charge.objects.create(**_charge_values(cast, grown_up, booking_id=4711))
    with pytest.raises(IntegrityError, match="charge_one_per_booking_and_article"), transaction.atomic():
        Charge.objects.create(**_charge_values(cast, grown_up, booking_id=4711, status=ChargeStatus.OPEN))


def test_r16_database_allows_one_live_visit_fee_per_visit(cast, grown_up):
    fee = article(cast.caregiver_a, ArticleKind.VISIT_FEE)
    first = Charge.objects.create(**_charge_values(cast, grown_up, article=fee))
    with pytest.raises(IntegrityError, match="charge_one_article_per_visit"), transaction.atomic():
        Charge.objects.create(**{**_charge_values(cast, grown_up, article=fee), "visit": first.visit})
    Charge.objects.filter(pk=first.pk).update(status=ChargeStatus.CANCELLED)
    Charge.objects.create(**{**_charge_values(cast, grown_up, article=fee), "visit": first.visit})


def test_charges_are_never_deleted(cast, grown_up):
    charge = Charge.objects.create(**_charge_values(cast, grown_up))
    with pytest.raises(DatabaseError, match="charge_never_deleted"), transaction.atomic():
        charge.delete()


def test_r15_invoiced_charge_is_frozen_by_the_database(
    cast, grown_up, alice, clinic_user, billing_ready, product
):
    charges = approved(dose_charge(grown_up, cast.unit_a, product, user=alice), clinic_user)
    services.invoices_issue(caregiver=cast.caregiver_a, user=clinic_user)
    charge = Charge.objects.get(pk=charges[0].pk)
    assert charge.status == ChargeStatus.INVOICED
    with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(amount=Decimal("1"))
    with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(status=ChargeStatus.OPEN)


def test_closed_charge_is_frozen_by_the_database(cast, grown_up, clinic_user):
    charge = Charge.objects.create(**_charge_values(cast, grown_up))
    services.charge_remove(charge=charge, reason="Fel patient", user=clinic_user)
    with pytest.raises(DatabaseError, match="is closed"), transaction.atomic():
        Charge.objects.filter(pk=charge.pk).update(status=ChargeStatus.OPEN)
