"""Billing settings, articles and the price list (R17, R18)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Article, ArticleKind, BillingSettings, Price
from billing.money import AmountError, check_amount, format_kr
from billing.services.common import BillingError

DEFAULT_ARTICLE_CODES = {
    ArticleKind.VISIT_FEE: "9001",
    ArticleKind.NO_SHOW: "9002",
    ArticleKind.LATE_CANCELLATION: "9003",
}


def billing_settings_for(caregiver, *, lock: bool = False) -> BillingSettings:
    """The caregiver's billing settings, created with defaults the first time."""
    row, _created = BillingSettings.objects.get_or_create(caregiver=caregiver)
    if lock:
        row = (
            BillingSettings.objects.select_for_update(of=("self",)).select_related("caregiver").get(pk=row.pk)
        )
    return row


def articles_ensure(caregiver) -> dict[str, Article]:
    """The caregiver's three articles by kind, created with the guideline's names the first time."""
    existing = {a.kind: a for a in Article.objects.filter(caregiver=caregiver)}
    for kind in ArticleKind:
        if kind.value not in existing:
            article, _created = Article.objects.get_or_create(
                caregiver=caregiver,
                kind=kind.value,
                defaults={"name": str(kind.label), "code": DEFAULT_ARTICLE_CODES[kind]},
            )
            existing[kind.value] = article
    return existing


@transaction.atomic
def billing_settings_save(*, caregiver, data: dict) -> BillingSettings:
    """The caregiver's invoice sender, payment terms, number series and fee switches, as the form sent them."""
    return _save_fields(billing_settings_for(caregiver, lock=True), data)


@transaction.atomic
def article_save(*, article: Article, data: dict) -> Article:
    """An article's name, code and whether it is in use; its kind and its prices stay as they are."""
    return _save_fields(article, data)


def _save_fields(row, data: dict):
    for name, value in data.items():
        setattr(row, name, value)
    row.save()
    return row


def price_for(*, caregiver, day: dt.date, product=None, article=None) -> Price | None:
    """The list price of a product or article valid on `day`, or None when none is set."""
    prices = Price.objects.filter(caregiver=caregiver, valid_from__lte=day).exclude(valid_until__lt=day)
    prices = prices.filter(product=product) if product is not None else prices.filter(article=article)
    return prices.order_by("-valid_from").first()


def _describe(price: Price) -> str:
    until = price.valid_until.isoformat() if price.valid_until else _("tills vidare")
    return _("%(amount)s (%(start)s – %(until)s)") % {
        "amount": format_kr(price.amount),
        "start": price.valid_from.isoformat(),
        "until": until,
    }


@transaction.atomic
def price_set(
    *,
    caregiver,
    amount: Decimal,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    product=None,
    article=None,
    user=None,
) -> Price:
    """A new price for a product or article from `valid_from` (R17).

    The price valid until further notice that began earlier ends the day before, whether the new
    price is open or has an end date itself (the form's help text promises it); earlier doses keep
    the price they were charged. Any other overlap is refused with the period it collides with.
    """
    if (product is None) == (article is None):
        raise ValueError("a price is for a product or an article")
    if article is not None and article.caregiver_id != caregiver.pk:
        raise ValueError("article of another caregiver")
    try:
        amount = check_amount(amount)
    except AmountError as error:
        raise BillingError(error.message, field="amount") from None
    if valid_until is not None and valid_until < valid_from:
        raise BillingError(_("Slutdatumet ligger före startdatumet."), field="valid_until")
    # Serialises price changes per caregiver: without an exclusion constraint, this lock is what
    # keeps two administrators from creating overlapping periods at the same moment.
    billing_settings_for(caregiver, lock=True)
    prices = Price.objects.filter(caregiver=caregiver, product=product, article=article).order_by(
        "valid_from"
    )
    for existing in prices:
        overlaps = (existing.valid_until is None or existing.valid_until >= valid_from) and (
            valid_until is None or existing.valid_from <= valid_until
        )
        if not overlaps:
            continue
        replaces_open_price = existing.valid_until is None and existing.valid_from < valid_from
        if replaces_open_price:
            existing.valid_until = valid_from - dt.timedelta(days=1)
            existing.save(update_fields=["valid_until"])
            continue
        raise BillingError(
            _("Perioden överlappar priset %(other)s. Välj ett annat datum eller ta bort det priset först.")
            % {"other": _describe(existing)},
            field="valid_from",
        )
    try:
        with transaction.atomic():
            return Price.objects.create(
                caregiver=caregiver,
                product=product,
                article=article,
                amount=amount,
                valid_from=valid_from,
                valid_until=valid_until,
                created_by=user,
            )
    except IntegrityError:
        # The trigger agrees with the check above; this is the belt to its braces.
        raise BillingError(
            _("Perioden överlappar ett annat pris för samma vara."), field="valid_from"
        ) from None


@transaction.atomic
def price_remove(*, price: Price, user=None) -> None:
    """Remove a price that has not begun yet (a mistake); the price before it runs on again."""
    billing_settings_for(price.caregiver, lock=True)
    price = Price.objects.select_for_update().get(pk=price.pk)
    if price.valid_from <= timezone.localdate() or price.charges.exists():
        raise BillingError(
            _(
                "Ett pris som redan har börjat gälla tas inte bort; sätt i stället ett nytt pris från ett senare datum."
            )
        )
    before = (
        Price.objects.filter(
            caregiver=price.caregiver,
            product=price.product,
            article=price.article,
            valid_until=price.valid_from - dt.timedelta(days=1),
        )
        .select_for_update()
        .first()
    )
    price.delete()
    if before is not None and price.valid_until is None:
        before.valid_until = None
        before.save(update_fields=["valid_until"])
