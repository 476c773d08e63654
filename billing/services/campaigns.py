"""Campaigns (R10): who gets which vaccines and articles free or at a set price, and when."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.models import FIRST_BIRTH_YEAR, LAST_BIRTH_YEAR, MAX_AGE, Campaign, Qualification
from billing.money import AmountError, check_amount
from billing.services.common import BillingError

# What may still change on a campaign that charges already refer to: the history stays true.
MUTABLE_AFTER_USE = {"name", "description", "ends_on"}


def campaign_errors(data: dict) -> dict[str, str]:
    """Every way the campaign's own fields contradict each other, as field → Swedish message."""
    errors: dict[str, str] = {}
    qualification = data.get("qualification")
    if qualification == Qualification.AGE:
        low, high = data.get("min_age"), data.get("max_age")
        if low is None or high is None:
            errors["min_age"] = _("Ange både lägsta och högsta ålder.")
        elif low < 0 or high < 0:
            errors["min_age"] = _("En ålder kan inte vara negativ.")
        elif low > high:
            errors["min_age"] = _(
                "Lägsta ålder (%(low)s) är högre än högsta ålder (%(high)s): ingen kan omfattas."
            ) % {
                "low": low,
                "high": high,
            }
        elif high > MAX_AGE:
            errors["max_age"] = _("Högsta ålder kan vara högst %(max)s år.") % {"max": MAX_AGE}
    elif qualification == Qualification.BIRTH_YEAR:
        low, high = data.get("birth_year_from"), data.get("birth_year_to")
        if low is None or high is None:
            errors["birth_year_from"] = _("Ange både första och sista födelseår.")
        elif not (FIRST_BIRTH_YEAR <= low <= LAST_BIRTH_YEAR and FIRST_BIRTH_YEAR <= high <= LAST_BIRTH_YEAR):
            errors["birth_year_from"] = _("Födelseåren måste ligga mellan %(a)s och %(b)s.") % {
                "a": FIRST_BIRTH_YEAR,
                "b": LAST_BIRTH_YEAR,
            }
        elif low > high:
            errors["birth_year_from"] = _(
                "Första födelseåret (%(low)s) är senare än det sista (%(high)s)."
            ) % {
                "low": low,
                "high": high,
            }
    elif qualification == Qualification.RISK_GROUP:
        if not (data.get("risk_group") or "").strip():
            errors["risk_group"] = _("Beskriv riskgruppen som sjuksköterskan ska bekräfta.")
    else:
        errors["qualification"] = _("Välj vem kampanjen gäller.")
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = _("Kampanjen slutar före den börjar.")
    if "campaign_price" in data:
        try:
            check_amount(data["campaign_price"])
        except AmountError as error:
            errors["campaign_price"] = error.message
    return errors


@transaction.atomic
def campaign_save(
    *,
    caregiver,
    data: dict,
    products,
    articles,
    user=None,
    campaign: Campaign | None = None,
    submission_key="",
):
    """Create a campaign, or change one. Once a charge uses it, only name, description and end date change.

    A new campaign's form sent twice (`submission_key` repeated) returns the campaign the first one made.
    """
    submission_key = (submission_key or "")[:40]
    if campaign is None and submission_key and (made := _submitted(caregiver, submission_key)):
        return made
    data = dict(data)
    products, articles = list(products), list(articles)
    errors = campaign_errors(data)
    if not products and not articles:
        errors["products"] = _("Välj minst ett vaccin eller en artikel som kampanjen gäller.")
    if any(a.caregiver_id != caregiver.pk for a in articles):
        errors["articles"] = _("Okänd artikel.")
    if errors:
        raise BillingError.on_fields(errors)
    # Fields that do not belong to the chosen qualification are cleared, so the row says one thing.
    qualification = data["qualification"]
    if qualification != Qualification.AGE:
        data["min_age"] = data["max_age"] = None
    if qualification != Qualification.BIRTH_YEAR:
        data["birth_year_from"] = data["birth_year_to"] = None
    if qualification != Qualification.RISK_GROUP:
        data["risk_group"] = ""
    if campaign is None:
        campaign = Campaign(caregiver=caregiver, created_by=user, submission_key=submission_key)
    else:
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk, caregiver=caregiver)
        if campaign.charges.exists():
            changed = {
                name for name, value in data.items() if getattr(campaign, name) != value
            } - MUTABLE_AFTER_USE
            if (
                changed
                or set(campaign.products.all()) != set(products)
                or set(campaign.articles.all()) != set(articles)
            ):
                raise BillingError(
                    _(
                        "Kampanjen har redan använts. Bara namn, beskrivning och slutdatum kan ändras; "
                        "avsluta den och skapa en ny för andra villkor."
                    )
                )
    for name, value in data.items():
        setattr(campaign, name, value)
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        # Two identical submissions at the same moment: the unique key lets one in, the other finds it.
        if submission_key and (made := _submitted(caregiver, submission_key)):
            return made
        # The check constraints refuse what campaign_errors refused; reaching here means a new rule.
        raise BillingError(_("Kampanjens villkor går inte ihop.")) from None
    campaign.products.set(products)
    campaign.articles.set(articles)
    return campaign


def _submitted(caregiver, submission_key: str) -> Campaign | None:
    return Campaign.objects.filter(caregiver=caregiver, submission_key=submission_key).first()


def campaigns_for(*, patient, day: dt.date, product=None, article=None) -> list[Campaign]:
    """The campaigns running on `day` that cover the product or article and that the patient qualifies for.

    R10: the vaccination flow offers only these. Risk-group campaigns are offered to everyone; the
    nurse's confirmation is what qualifies the patient.
    """
    campaigns = Campaign.objects.filter(caregiver_id=patient.caregiver_id, starts_on__lte=day).exclude(
        ends_on__lt=day
    )
    if product is not None:
        campaigns = campaigns.filter(products=product)
    else:
        campaigns = campaigns.filter(articles=article)
    return [c for c in campaigns.order_by("campaign_price", "name", "id") if c.qualifies(patient, day)]


def best_automatic_campaign(*, patient, day: dt.date, product=None, article=None) -> Campaign | None:
    """The cheapest campaign that applies without anyone's confirmation (age or birth year).

    Used where no nurse chooses: the visit fee of a dose and the articles the jobs create (R9).
    """
    for campaign in campaigns_for(patient=patient, day=day, product=product, article=article):
        if not campaign.needs_confirmation:
            return campaign
    return None
