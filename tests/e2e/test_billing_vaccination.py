"""A nurse vaccinates a child under a free campaign in chromium; the charge is 0 kr (R10, R16)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing import services
from billing.models import ArticleKind, Charge
from tests.billing.factories import article_price, campaign, ready_caregiver
from tests.billing.factories import patient as billing_patient
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_journal_vaccination import open_visit_ready_to_vaccinate
from tests.factories import VaccineProductFactory
from tests.journal.factories import batch_for, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r10_r16_nurse_vaccinates_a_child_under_a_free_campaign_and_the_charge_is_zero(
    cast, page, browser, live_server
):
    ready_caregiver(cast.caregiver_a)
    product = VaccineProductFactory(name="FSME-Immun Junior", disease="TBE", series_doses=3, min_age_days=365)
    services.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("295"), valid_from=dt.date(2020, 1, 1)
    )
    fee = article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    campaign(cast.caregiver_a, products=[product], name="Influensa 65+", min_age=65, max_age=130)
    kids = campaign(
        cast.caregiver_a,
        products=[product],
        articles=[fee],
        name="TBE för barn och unga",
        min_age=1,
        max_age=19,
    )
    child = billing_patient(
        cast.caregiver_a,
        family_name="Lund",
        given_names="Elsa",
        birth_date=timezone.localdate() - dt.timedelta(days=8 * 365 + 40),
    )
    batch_for(cast.caregiver_a, product, lot="JUN2027")
    make_order(cast, child, product, doses=3)

    login(page, "alice")
    open_visit_ready_to_vaccinate(page, child)

    price = page.get_by_test_id("dose-price")
    expect(price.get_by_test_id("dose-list-price")).to_have_text("295,00\u00a0kr")
    campaigns = price.get_by_label("Kampanj")
    # R10: only the campaign the child qualifies for is offered.
    expect(campaigns.locator("option")).to_have_count(2)
    expect(campaigns).to_contain_text("TBE för barn och unga")
    expect(campaigns).not_to_contain_text("Influensa 65+")
    expect(price.get_by_test_id("dose-amount")).to_contain_text("295,00")
    campaigns.select_option(label=f"{kids.name} – kostnadsfritt")
    expect(page.get_by_test_id("dose-amount")).to_contain_text("Att betala: 0,00")
    expect(page.get_by_test_id("dose-amount")).to_contain_text("besöksavgift 0,00")
    page.locator("#id_lot").select_option("JUN2027")
    page.get_by_label("Injektionsställe").select_option("left_deltoid")
    screenshot(page, "billing-vaccination-01-free-campaign")
    page.get_by_test_id("sign-dose").click()
    page.get_by_text("Vaccination signerad").wait_for()

    dose_charge = Charge.objects.get(patient=child, product=product)
    assert (dose_charge.list_price, dose_charge.campaign, dose_charge.amount) == (
        Decimal("295.00"),
        kids,
        Decimal("0.00"),
    )
    visit_fee = Charge.objects.get(patient=child, article=fee)
    assert (visit_fee.campaign, visit_fee.amount) == (kids, Decimal("0.00"))

    # Clinic staff see it in the review: list price, campaign, 0 kr to pay.
    staff = browser.new_context(
        base_url=live_server.url, locale="sv-SE", viewport={"width": 1280, "height": 900}
    )
    review = staff.new_page()
    login(review, "clinic")
    review.goto("/fakturering/granskning/")
    row = review.locator(f"#charge-{dose_charge.pk}")
    expect(row).to_contain_text("TBE för barn och unga")
    expect(row).to_contain_text("295,00")
    expect(row.get_by_test_id("charge-amount")).to_contain_text("0,00")
    screenshot(review, "billing-vaccination-02-review")
    staff.close()
