"""R10: campaigns make vaccines (or articles) free or cheaper for a group; only qualifying ones are offered."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.forms import CampaignForm
from billing.models import ArticleKind, Campaign, Qualification
from billing.services import BillingError
from tests.billing.factories import adult, article, campaign, child, dose_charge, patient, product_with_price
from tests.conftest import client_for

D = dt.date


def test_r10_age_campaign_offered_only_to_patients_of_that_age(cast):
    product = product_with_price(cast.caregiver_a)
    kids = campaign(cast.caregiver_a, products=[product], name="Barn", min_age=0, max_age=17)
    today = timezone.localdate()
    assert services.campaigns_for(patient=child(cast.caregiver_a), day=today, product=product) == [kids]
    assert services.campaigns_for(patient=adult(cast.caregiver_a), day=today, product=product) == []


def test_r10_age_is_counted_on_the_visit_date_with_inclusive_limits(cast):
    product = product_with_price(cast.caregiver_a)
    kids = campaign(cast.caregiver_a, products=[product], min_age=0, max_age=17)
    person = patient(cast.caregiver_a, birth_date=D(2008, 6, 15))
    assert kids.qualifies(person, D(2026, 6, 14))  # 17 the day before the 18th birthday
    assert not kids.qualifies(person, D(2026, 6, 15))  # 18 on the birthday


def test_r10_birth_year_campaign(cast):
    product = product_with_price(cast.caregiver_a)
    born = campaign(
        cast.caregiver_a,
        products=[product],
        qualification=Qualification.BIRTH_YEAR,
        birth_year_from=1950,
        birth_year_to=1960,
        min_age=None,
        max_age=None,
    )
    assert born.qualifies(patient(cast.caregiver_a, birth_date=D(1955, 3, 1)), D(2026, 1, 1))
    assert not born.qualifies(patient(cast.caregiver_a, birth_date=D(1961, 1, 1)), D(2026, 1, 1))
    unknown = patient(cast.caregiver_a)
    unknown.birth_date = None  # a reserve number without a known birth date
    assert not born.qualifies(unknown, D(2026, 1, 1))


def test_r10_campaign_runs_only_in_its_period_and_for_its_products(cast):
    product = product_with_price(cast.caregiver_a)
    other = product_with_price(cast.caregiver_a)
    kids = campaign(cast.caregiver_a, products=[product], starts_on=D(2026, 1, 1), ends_on=D(2026, 3, 31))
    person = patient(cast.caregiver_a, birth_date=D(2019, 1, 1))
    assert services.campaigns_for(patient=person, day=D(2026, 2, 1), product=product) == [kids]
    assert services.campaigns_for(patient=person, day=D(2026, 4, 1), product=product) == []
    assert services.campaigns_for(patient=person, day=D(2025, 12, 31), product=product) == []
    assert services.campaigns_for(patient=person, day=D(2026, 2, 1), product=other) == []


def test_r10_other_caregivers_campaigns_are_never_offered(cast):
    product = product_with_price(cast.caregiver_a)
    campaign(cast.caregiver_b, products=[product])
    assert (
        services.campaigns_for(patient=child(cast.caregiver_a), day=timezone.localdate(), product=product)
        == []
    )


def test_r10_risk_group_campaign_is_offered_and_needs_the_nurses_confirmation(cast, alice):
    product = product_with_price(cast.caregiver_a)
    risk = campaign(
        cast.caregiver_a,
        products=[product],
        qualification=Qualification.RISK_GROUP,
        risk_group="Kronisk lungsjukdom",
        min_age=None,
        max_age=None,
    )
    patient = adult(cast.caregiver_a)
    assert services.campaigns_for(patient=patient, day=timezone.localdate(), product=product) == [risk]
    with pytest.raises(BillingError, match="riskgruppen"):
        dose_charge(
            patient, cast.unit_a, product, user=alice, billing_data={"billing-campaign": str(risk.pk)}
        )
    charges = dose_charge(
        patient,
        cast.unit_a,
        product,
        user=alice,
        billing_data={"billing-campaign": str(risk.pk), "billing-risk-group-confirmed": "1"},
    )
    assert charges[0].amount == 0
    assert charges[0].campaign_confirmation == "Kronisk lungsjukdom"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"min_age": 18, "max_age": 5}, "min_age", "ingen kan omfattas"),
        ({"min_age": -1, "max_age": 5}, "min_age", "negativ"),
        ({"min_age": 0, "max_age": 200}, "max_age", "högst 130"),
        ({"min_age": None, "max_age": 5}, "min_age", "både"),
        (
            {"qualification": Qualification.BIRTH_YEAR, "birth_year_from": 2000, "birth_year_to": 1990},
            "birth_year_from",
            "senare än",
        ),
        ({"qualification": Qualification.RISK_GROUP, "risk_group": " "}, "risk_group", "Beskriv"),
        ({"starts_on": D(2026, 5, 1), "ends_on": D(2026, 4, 1)}, "ends_on", "slutar före"),
        ({"campaign_price": Decimal("-5")}, "campaign_price", "negativt"),
    ],
)
def test_r10_impossible_campaigns_are_refused(cast, fields, field, message):
    product = product_with_price(cast.caregiver_a)
    with pytest.raises(BillingError) as refused:
        campaign(cast.caregiver_a, products=[product], **fields)
    assert message in " ".join(refused.value.by_field[field])
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"qualification": "age", "min_age": 18, "max_age": 5}, "campaign_age_range_possible"),
        ({"qualification": "age", "min_age": 0, "max_age": 131}, "campaign_age_range_possible"),
        ({"qualification": "age", "min_age": None, "max_age": 5}, "campaign_age_range_possible"),
        (
            {"qualification": "birth_year", "birth_year_from": 2001, "birth_year_to": 2000},
            "campaign_birth_years_possible",
        ),
        (
            {"qualification": "birth_year", "birth_year_from": 1000, "birth_year_to": 2000},
            "campaign_birth_years_possible",
        ),
        ({"qualification": "risk_group", "risk_group": ""}, "campaign_risk_group_named"),
        (
            {"qualification": "age", "min_age": 0, "max_age": 5, "ends_on": D(2019, 1, 1)},
            "campaign_period_ordered",
        ),
        (
            {"qualification": "age", "min_age": 0, "max_age": 5, "campaign_price": Decimal("-1")},
            "campaign_price_range",
        ),
    ],
)
def test_r10_campaign_check_constraints(cast, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Campaign.objects.create(caregiver=cast.caregiver_a, name="x", starts_on=D(2020, 1, 1), **fields)


def test_r10_campaign_needs_at_least_one_item(cast):
    with pytest.raises(BillingError, match="minst ett"):
        campaign(cast.caregiver_a)


def test_r10_used_campaign_keeps_its_terms(cast, alice):
    product = product_with_price(cast.caregiver_a)
    kids = campaign(cast.caregiver_a, products=[product])
    dose_charge(
        child(cast.caregiver_a),
        cast.unit_a,
        product,
        user=alice,
        billing_data={"billing-campaign": str(kids.pk)},
    )
    # The campaign form's fields but the items (products and articles go to the service separately).
    data = {f: getattr(kids, f) for f in CampaignForm.Meta.fields if f not in ("products", "articles")}
    with pytest.raises(BillingError, match="redan använts"):
        services.campaign_save(
            caregiver=cast.caregiver_a,
            data={**data, "campaign_price": Decimal("50")},
            products=[product],
            articles=[],
            campaign=kids,
        )
    ended = services.campaign_save(
        caregiver=cast.caregiver_a,
        data={**data, "ends_on": timezone.localdate()},
        products=[product],
        articles=[],
        campaign=kids,
    )
    assert ended.ends_on == timezone.localdate()


def test_r10_campaign_form_shows_impossible_age_range_as_a_message(cast):
    product = product_with_price(cast.caregiver_a)
    response = client_for(cast.admin_a).post(
        reverse("billing:campaign_create"),
        {
            "name": "Fel",
            "products": [product.pk],
            "campaign_price": "0",
            "qualification": "age",
            "min_age": "70",
            "max_age": "12",
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "ingen kan omfattas" in response.content.decode()
    assert not Campaign.objects.exists()


def test_r9_campaign_for_the_late_cancellation_article_is_created_on_the_page(cast):
    late = article(cast.caregiver_a, ArticleKind.LATE_CANCELLATION)
    response = client_for(cast.admin_a).post(
        reverse("billing:campaign_create"),
        {
            "name": "Barn och unga: sen avbokning",
            "articles": [late.pk],
            "campaign_price": "0",
            "qualification": "age",
            "min_age": "0",
            "max_age": "19",
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 302
    saved = Campaign.objects.get()
    assert list(saved.articles.all()) == [late]
    assert client_for(cast.admin_a).get(reverse("billing:campaigns")).status_code == 200


def test_r4_campaign_of_another_caregiver_is_not_found(cast):
    product = product_with_price(cast.caregiver_b)
    foreign = campaign(cast.caregiver_b, products=[product])
    assert (
        client_for(cast.admin_a).get(reverse("billing:campaign_edit", args=[foreign.pk])).status_code == 404
    )
