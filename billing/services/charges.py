"""Charges: made in the vaccination flow (R16) and by the jobs (R8, R9), reviewed and adjusted (R11)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    CHARGE_PENDING,
    AdjustmentAction,
    Article,
    ArticleKind,
    Campaign,
    Charge,
    ChargeAdjustment,
    ChargeSource,
    ChargeStatus,
    Price,
)
from billing.money import AmountError, check_amount, format_kr
from billing.services.campaigns import best_automatic_campaign, campaigns_for
from billing.services.common import BillingError, status_adjustment
from billing.services.invoices import address_missing, credit_note_issue
from billing.services.prices import articles_ensure, price_for

ZERO = Decimal("0.00")
CLOSED = Q(status__in=[ChargeStatus.CANCELLED, ChargeStatus.REMOVED, ChargeStatus.CREDITED])
REASON_MIN_LENGTH = 3


def local_day(moment) -> dt.date:
    return timezone.localdate(moment) if moment else timezone.localdate()


def amount_under(campaign: Campaign | None, list_price: Decimal) -> Decimal:
    """What the patient pays: the campaign price, but never more than the list price."""
    if campaign is None:
        return list_price
    return min(campaign.campaign_price, list_price)


# --- The vaccination flow ---------------------------------------------------------------------------


@dataclass
class DoseQuote:
    """What the nurse sees next to the dose: list price, the campaigns on offer, what the patient pays."""

    product: object
    day: dt.date
    invoicing: bool
    price: Price | None = None
    campaigns: list = field(default_factory=list)
    chosen: Campaign | None = None
    visit_fee: Decimal | None = None
    visit_fee_campaign: Campaign | None = None
    visit_fee_already_charged: bool = False

    @property
    def list_price(self) -> Decimal | None:
        return self.price.amount if self.price else None

    @property
    def amount(self) -> Decimal | None:
        if self.price is None:
            return None
        return amount_under(self.chosen, self.price.amount)

    @property
    def visit_fee_amount(self) -> Decimal | None:
        if self.visit_fee is None or self.visit_fee_already_charged:
            return None
        return amount_under(self.visit_fee_campaign, self.visit_fee)

    @property
    def total(self) -> Decimal | None:
        if self.amount is None:
            return None
        return self.amount + (self.visit_fee_amount or ZERO)


def _visit_fee_article(caregiver) -> Article | None:
    article = articles_ensure(caregiver)[ArticleKind.VISIT_FEE]
    return article if article.is_active else None


def _chosen_campaign(campaign_id, offered: list[Campaign]) -> Campaign | None:
    if campaign_id in (None, ""):
        return None
    for campaign in offered:
        if str(campaign.pk) == str(campaign_id):
            return campaign
    raise BillingError(
        _("Patienten omfattas inte av den valda kampanjen den här dagen. Välj en annan eller ingen kampanj.")
    )


def _campaign_from_form(raw, offered, patient) -> tuple[Campaign | None, str]:
    """The campaign the nurse chose (R10), and a review note when the form sent something else.

    A campaign of the caregiver that the patient does not qualify for is a wrong choice: the dose is
    refused with a message. A value that is no campaign of the caregiver at all (a stale or tampered
    form) is not a choice: the list price is charged and the charge is marked for review.
    """
    if raw in (None, ""):
        return None, ""
    try:
        known = Campaign.objects.filter(caregiver_id=patient.caregiver_id, pk=int(raw)).exists()
    except (TypeError, ValueError):
        known = False
    if not known:
        return None, _("Formuläret angav en okänd kampanj; listpriset debiterades. Kontrollera.")
    return _chosen_campaign(raw, offered), ""


def dose_quote(*, patient, unit, product, day: dt.date, campaign_id=None, visit=None) -> DoseQuote:
    """The price step of the vaccination flow (R10, R16, R18).

    Every unit sees the price; `invoicing` says whether this unit turns it into a charge.
    """
    quote = DoseQuote(product=product, day=day, invoicing=unit.has_invoicing)
    if product is None:
        return quote
    quote.price = price_for(caregiver=patient.caregiver, day=day, product=product)
    quote.campaigns = campaigns_for(patient=patient, day=day, product=product)
    try:
        quote.chosen = _chosen_campaign(campaign_id, quote.campaigns)
    except BillingError:
        quote.chosen = None
    article = _visit_fee_article(patient.caregiver)
    if article is not None:
        fee = price_for(caregiver=patient.caregiver, day=day, article=article)
        if fee is not None:
            quote.visit_fee = fee.amount
            quote.visit_fee_campaign = _visit_fee_campaign(quote.chosen, article, patient, day, product)
            if visit is not None:
                quote.visit_fee_already_charged = (
                    Charge.objects.filter(visit=visit, article=article).exclude(CLOSED).exists()
                )
    return quote


def _visit_fee_campaign(chosen, article, patient, day, product):
    """The campaign that sets the visit fee of a visit where `product` is given (R10).

    A campaign waives the visit fee only where its own vaccine is given: an influenza campaign for
    65+ leaves the fee of a TBE visit alone. The nurse's choice counts when it covers the fee (it was
    offered for this product); otherwise the cheapest automatic campaign whose vaccines include the
    product, or one that names no vaccine at all (a fee-only campaign, e.g. free visits for children).
    """
    if chosen is not None and chosen.articles.filter(pk=article.pk).exists():
        return chosen
    for campaign in campaigns_for(patient=patient, day=day, article=article):
        if campaign.needs_confirmation:
            continue
        vaccines = {p.pk for p in campaign.products.all()}
        if not vaccines or product.pk in vaccines:
            return campaign
    return None


@transaction.atomic
def charges_for_dose(
    *, visit, product, user, billing_data: dict | None = None, vaccination=None, day: dt.date | None = None
) -> list[Charge]:
    """The charge of one dose, and the visit fee once per visit, in the dose's own transaction (R16).

    Only at a unit with a payment solution (R18). A campaign the patient does not qualify for, or a
    risk group not confirmed, refuses the dose with a message (R10). A product without a price still
    gets its charge, at 0 kr and marked for review, so nothing given goes unseen by the clinic.
    """
    return charges_for_dose_in_its_transaction(
        visit=visit, product=product, user=user, billing_data=billing_data, vaccination=vaccination, day=day
    )


def charges_for_dose_in_its_transaction(
    *, visit, product, user, billing_data: dict | None = None, vaccination=None, day: dt.date | None = None
) -> list[Charge]:
    """`charges_for_dose` without a savepoint of its own, for the journal's dose transaction (the
    receiver): a refusal here undoes the dose with it, so a savepoint would keep nothing and cost two
    round trips per dose."""
    unit = visit.unit
    if not unit.has_invoicing:
        return []
    billing_data = billing_data or {}
    patient = visit.patient
    day = day or local_day(visit.started_at)
    offered = campaigns_for(patient=patient, day=day, product=product)
    campaign, note = _campaign_from_form(billing_data.get("billing-campaign"), offered, patient)
    confirmation = ""
    if campaign is not None and campaign.needs_confirmation:
        if not billing_data.get("billing-risk-group-confirmed"):
            raise BillingError(
                _(
                    "Bekräfta att patienten tillhör riskgruppen ”%(group)s” för att använda kampanjen %(name)s."
                )
                % {"group": campaign.risk_group, "name": campaign.name}
            )
        confirmation = campaign.risk_group
    price, fee_price = _dose_and_visit_fee_prices(patient.caregiver_id, day, product)
    list_price = price.amount if price else ZERO
    charge = Charge(
        caregiver_id=patient.caregiver_id,
        unit=unit,
        patient=patient,
        visit=visit,
        source=ChargeSource.DOSE,
        product=product,
        vaccination=vaccination,
        service_date=day,
        description=product.name,
        price=price,
        list_price=list_price,
        campaign=campaign,
        campaign_confirmation=confirmation,
        amount=amount_under(campaign, list_price),
        note=note or ("" if price else _("Inget pris var satt för produkten: kontrollera beloppet.")),
        created_by=user,
    )
    charge.save()
    made = [charge]
    fee = _visit_fee_charge(
        visit=visit, day=day, chosen=campaign, user=user, product=product, price=fee_price
    )
    if fee is not None:
        made.append(fee)
    return made


def _dose_and_visit_fee_prices(caregiver_id, day: dt.date, product) -> tuple[Price | None, Price | None]:
    """`price_for` the product and for the caregiver's visit-fee article (one per kind, when it is in
    use) on `day`, in one query; the fee's price comes with its article."""
    prices = (
        Price.objects.filter(caregiver_id=caregiver_id, valid_from__lte=day)
        .filter(Q(product=product) | Q(article__kind=ArticleKind.VISIT_FEE, article__is_active=True))
        .exclude(valid_until__lt=day)
        .select_related("article")
        .order_by("-valid_from", "-id")
    )
    dose = fee = None
    for price in prices:
        if price.product_id is not None:
            dose = dose or price
        else:
            fee = fee or price
    return dose, fee


def _visit_fee_charge(*, visit, day, chosen, user, product, price) -> Charge | None:
    if price is None:
        return None
    article = price.article
    campaign = _visit_fee_campaign(chosen, article, visit.patient, day, product)
    try:
        # The partial unique constraint keeps one visit fee per visit even when two doses of the
        # same visit are signed at the same moment.
        return _article_charge_create(
            visit=visit, article=article, day=day, price=price, campaign=campaign, user=user
        )
    except IntegrityError:
        return None


def _article_charge_create(*, visit, article, day, price, campaign, user, booking_id=None) -> Charge:
    """Insert the charge of an article at its price and campaign, in a savepoint: a unique constraint
    that says no (one visit fee per visit, one article per booking) rolls back only this insert."""
    with transaction.atomic():
        return Charge.objects.create(
            caregiver_id=visit.patient.caregiver_id,
            unit=visit.unit,
            patient=visit.patient,
            visit=visit,
            source=ChargeSource.ARTICLE,
            article=article,
            booking_id=booking_id,
            service_date=day,
            description=article.name,
            price=price,
            list_price=price.amount,
            campaign=campaign,
            amount=amount_under(campaign, price.amount),
            created_by=user,
        )


# --- Articles of the jobs ---------------------------------------------------------------------------


class ArticleChargeOutcome:
    CREATED = "created"
    EXISTS = "exists"
    NO_PRICE = "no_price"


def charge_for_article(
    *, visit, article: Article, booking_id=None, user=None, day: dt.date | None = None
) -> tuple[str, Charge | None]:
    """The article charge of a no-show or late-cancel visit (R8, R9), with a campaign where one applies.

    Idempotent per booking and article: the unique constraint decides, so a second run, or a run
    after a crash, finds the charge already there and makes nothing.
    """
    day = day or local_day(visit.started_at)
    patient = visit.patient
    price = price_for(caregiver=patient.caregiver, day=day, article=article)
    if price is None:
        return ArticleChargeOutcome.NO_PRICE, None
    campaign = best_automatic_campaign(patient=patient, day=day, article=article)
    try:
        charge = _article_charge_create(
            visit=visit,
            article=article,
            day=day,
            price=price,
            campaign=campaign,
            user=user,
            booking_id=booking_id,
        )
    except IntegrityError:
        return ArticleChargeOutcome.EXISTS, Charge.objects.filter(
            booking_id=booking_id, article=article
        ).first()
    return ArticleChargeOutcome.CREATED, charge


# --- Review (R11) -----------------------------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise BillingError(_("Skriv varför; varje ändring ska gå att följa."), field="reason")
    return reason


def _lock_pending(charge: Charge) -> Charge:
    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    if charge.status not in CHARGE_PENDING:
        raise BillingError(
            _("Debiteringen är %(status)s och kan inte ändras här.")
            % {"status": charge.get_status_display().lower()}
        )
    return charge


def _record_change(charge: Charge, *, action, user, reason: str, amount_before, status_before) -> None:
    """R11: every change of a charge is kept: who, when, before, after, why."""
    ChargeAdjustment.objects.create(
        charge=charge,
        by=user,
        action=action,
        amount_before=amount_before,
        amount_after=charge.amount,
        status_before=status_before,
        status_after=charge.status,
        reason=reason,
    )


def _set_status(charge: Charge, status, *, action, user, reason: str) -> Charge:
    before = charge.status
    charge.status = status
    charge.save(update_fields=["status"])
    _record_change(
        charge, action=action, user=user, reason=reason, amount_before=charge.amount, status_before=before
    )
    return charge


@transaction.atomic
def charge_adjust(*, charge: Charge, amount, reason: str, user) -> Charge:
    """Change what the patient pays, with a reason. An approved charge goes back for approval."""
    reason = _clean_reason(reason)
    try:
        amount = check_amount(amount)
    except AmountError as error:
        raise BillingError(error.message, field="amount") from None
    charge = _lock_pending(charge)
    if amount == charge.amount:
        raise BillingError(_("Beloppet är redan %(amount)s.") % {"amount": format_kr(amount)}, field="amount")
    before_amount, before_status = charge.amount, charge.status
    charge.amount = amount
    charge.status = ChargeStatus.OPEN
    charge.approved_at = None
    charge.approved_by = None
    charge.save(update_fields=["amount", "status", "approved_at", "approved_by"])
    _record_change(
        charge,
        action=AdjustmentAction.AMOUNT,
        user=user,
        reason=reason,
        amount_before=before_amount,
        status_before=before_status,
    )
    return charge


@transaction.atomic
def charge_remove(*, charge: Charge, reason: str, user) -> Charge:
    """Take a charge off what will be invoiced, with a reason. The row stays, marked removed."""
    reason = _clean_reason(reason)
    charge = _lock_pending(charge)
    return _set_status(
        charge, ChargeStatus.REMOVED, action=AdjustmentAction.REMOVED, user=user, reason=reason
    )


@dataclass
class ApproveResult:
    approved: int = 0
    already: int = 0
    refused: int = 0
    # Patients whose charges wait for an address (an invoice with somewhere to go, R15).
    no_address: list = field(default_factory=list)


@transaction.atomic
def charges_approve(*, caregiver, charge_ids, user) -> ApproveResult:
    """Approve open charges for invoicing. Approving twice changes nothing and says so.

    A charge to pay for a patient without an address (and not protected, whose invoice goes through
    the tax agency) is left open: the review shows the patient and offers to complete the address.
    """

    result = ApproveResult()
    ids = sorted({int(i) for i in charge_ids})
    charges = list(
        Charge.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(caregiver=caregiver, pk__in=ids)
        .order_by("pk")
    )
    result.refused = len(ids) - len(charges)
    now = timezone.now()
    log = []
    for charge in charges:
        if charge.status == ChargeStatus.APPROVED:
            result.already += 1
            continue
        if charge.status != ChargeStatus.OPEN:
            result.refused += 1
            continue
        if charge.amount > ZERO and address_missing(charge.patient):
            if charge.patient not in result.no_address:
                result.no_address.append(charge.patient)
            continue
        charge.status = ChargeStatus.APPROVED
        charge.approved_at = now
        charge.approved_by = user
        charge.save(update_fields=["status", "approved_at", "approved_by"])
        log.append(
            status_adjustment(
                charge,
                at=now,
                by=user,
                action=AdjustmentAction.APPROVED,
                status_before=ChargeStatus.OPEN,
                status_after=ChargeStatus.APPROVED,
            )
        )
        result.approved += 1
    ChargeAdjustment.objects.bulk_create(log)
    return result


# --- Entered in error -------------------------------------------------------------------------------


@transaction.atomic
def charge_withdraw(*, charge: Charge, user, reason: str):
    """A charge whose ground is gone (dose entered in error, no-show undone): cancelled, or credited.

    Returns the credit note when the charge had been invoiced, else None.
    """

    charge = Charge.objects.select_for_update().get(pk=charge.pk)
    if charge.status in (ChargeStatus.OPEN, ChargeStatus.APPROVED, ChargeStatus.NO_INVOICE):
        _set_status(
            charge, ChargeStatus.CANCELLED, action=AdjustmentAction.CANCELLED, user=user, reason=reason
        )
        return None
    if charge.status == ChargeStatus.INVOICED:
        line = charge.invoice_lines.filter(credited_line__isnull=True, credit_line__isnull=True).first()
        return credit_note_issue(invoice=line.invoice, user=user, reason=reason, lines=[line])
    return None


@transaction.atomic
def charges_cancel_for_dose(*, charges, visit, user, reason: str) -> list:
    """Withdraw a dose's charge, and the visit fee too when no other dose of the visit is charged.

    Charges not yet invoiced are cancelled; invoiced ones are credited, one credit note per invoice.
    """

    withdrawn = list(charges)
    dose_ids = {c.pk for c in withdrawn}
    doses_left = (
        Charge.objects.filter(visit=visit, source=ChargeSource.DOSE)
        .exclude(CLOSED)
        .exclude(pk__in=dose_ids)
        .exists()
    )
    if not doses_left:
        withdrawn += list(
            Charge.objects.filter(visit=visit, article__kind=ArticleKind.VISIT_FEE).exclude(CLOSED)
        )
    to_credit: dict = {}
    for charge in withdrawn:
        charge = Charge.objects.select_for_update().get(pk=charge.pk)
        if charge.status == ChargeStatus.INVOICED:
            line = charge.invoice_lines.filter(credited_line__isnull=True, credit_line__isnull=True).first()
            to_credit.setdefault(line.invoice_id, (line.invoice, []))[1].append(line)
        else:
            charge_withdraw(charge=charge, user=user, reason=reason)
    return [
        credit_note_issue(invoice=invoice, user=user, reason=reason, lines=lines)
        for invoice, lines in to_credit.values()
    ]
