"""The administrator sets prices and campaigns in chromium; impossible input gets a message (R10, R17)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing import services
from billing.models import Campaign
from tests.e2e.conftest import login, screenshot
from tests.factories import VaccineProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r17_r10_administrator_sets_a_price_and_a_campaign(cast, page):
    product = VaccineProductFactory(name="Encepur e2e", disease="TBE")
    login(page, "admin_a")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Priser").click()
    page.get_by_role("link", name="Ändra pris för Encepur e2e").click()

    # An absurd amount is refused with a message, then a sensible one is saved.
    page.get_by_label("Pris (kr)").fill("3450000")
    page.get_by_label("Gäller från").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Spara pris").click()
    expect(page.locator("main form.card")).to_contain_text("orimligt högt")
    screenshot(page, "billing-admin-01-price-refused")
    page.get_by_label("Pris (kr)").fill("345")
    page.get_by_role("button", name="Spara pris").click()
    expect(page.locator("#messages")).to_contain_text("345,00")
    row = page.get_by_test_id("product-prices").get_by_role("row", name="Encepur e2e")
    expect(row).to_contain_text("345,00")
    screenshot(page, "billing-admin-02-prices")
    assert (
        services.price_for(caregiver=cast.caregiver_a, product=product, day=timezone.localdate()).amount
        == 345
    )

    # A campaign whose age range nobody can be in is refused, with the reason next to the field.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Kampanjer").click()
    page.get_by_role("link", name="Ny kampanj").click()
    page.get_by_label("Namn").fill("TBE för barn")
    page.get_by_label("Encepur e2e").check()
    page.get_by_label("Ålder på besöksdagen").check()
    page.get_by_label("Lägsta ålder").fill("18")
    page.get_by_label("Högsta ålder").fill("3")
    page.get_by_role("button", name="Spara kampanj").click()
    expect(page.locator("main form.card")).to_contain_text("ingen kan omfattas")
    screenshot(page, "billing-admin-03-campaign-refused")
    page.get_by_label("Lägsta ålder").fill("3")
    page.get_by_label("Högsta ålder").fill("18")
    page.get_by_role("button", name="Spara kampanj").click()
    expect(page.get_by_test_id("campaigns")).to_contain_text("TBE för barn")
    expect(page.get_by_test_id("campaigns")).to_contain_text("3–18 år")
    screenshot(page, "billing-admin-04-campaigns")
    saved = Campaign.objects.get()
    assert (saved.min_age, saved.max_age, saved.campaign_price) == (3, 18, 0)
    assert saved.starts_on <= timezone.localdate() < saved.starts_on + dt.timedelta(days=1)
