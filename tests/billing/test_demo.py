"""The demo tells residents what they will pay: the booking pages and the price list agree."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import ArticleKind, Campaign
from billing.services.prices import price_for
from booking.extensions import public_price
from booking.models import VisitType
from journal.models import Vaccination
from mittvaccin.models import Caregiver

pytestmark = pytest.mark.django_db


def test_r18_demo_visit_types_show_residents_the_vaccine_price_they_will_be_invoiced():

    call_command("demo_data", verbosity=0)
    varmland = Caregiver.objects.get(name="Region Värmland")
    today = timezone.localdate()
    checked = 0
    for visit_type in VisitType.objects.filter(unit__caregiver=varmland).prefetch_related("vaccines"):
        shown = public_price(visit_type, today)
        listed = {
            (vaccine.name, price_for(caregiver=varmland, day=today, product=vaccine).amount)
            for vaccine in visit_type.vaccines.all()
        }
        assert set(shown.vaccines) == listed, visit_type.name
        assert shown.visit_fee is not None, visit_type.name
        # Words only: an amount typed beside the price list would drift from it.
        assert " kr" not in visit_type.price_text, visit_type.name
        checked += 1
    assert checked >= 3
    flu = Campaign.objects.get(caregiver=varmland, name="Influensavaccin 65 år och äldre")
    # The booking page says "kostnadsfritt" for 65 and older: no visit fee either.
    assert flu.articles.filter(kind=ArticleKind.VISIT_FEE).exists()


def test_demo_doses_count_on_in_each_patients_series():
    """A nurse reading the demo history never sees dose 1 again after dose 2 of the same series."""
    call_command("demo_data", verbosity=0)
    series = {}
    for dose in Vaccination.objects.filter(status="given").select_related("product").order_by("given_at"):
        if dose.product_id and dose.dose_number and dose.product.series_doses > 1:
            key = (dose.patient_id, dose.product.disease)
            assert dose.dose_number > series.get(key, 0), (key, dose.dose_number, series.get(key))
            series[key] = dose.dose_number
