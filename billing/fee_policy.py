"""What the booking pages may promise residents about fees: the answer comes from billing's settings.

Registered with booking.extensions.register_fee_policy in BillingConfig.ready. It mirrors the jobs'
own rules (billing.services.jobs): only units with invoicing (R5, R18), only the kinds the caregiver
invoices, and not a booking made at short notice when the caregiver exempts those (R8, R9).
"""

from __future__ import annotations

import datetime as dt

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from billing.models import Article, ArticleKind, BillingSettings, Price
from billing.services.prices import price_for
from booking import public_cache
from booking.extensions import PublicPrice


def _settings_of(caregiver_id) -> BillingSettings:
    # Read, never create: a public page must not write billing settings. Asked once per kind of fee on
    # every public page: kept in the public booking cache, renewed when billing's rows change (below).
    return public_cache.cached(
        ("billing_settings", caregiver_id),
        lambda: BillingSettings.objects.filter(caregiver_id=caregiver_id).first() or BillingSettings(),
    )


def fee_policy(kind: str, unit, made_at, starts_at) -> bool:
    if not unit.has_invoicing:
        return False
    settings_row = _settings_of(unit.caregiver_id)
    enabled = (
        settings_row.invoice_late_cancellations
        if kind == "late_cancellation"
        else settings_row.invoice_no_shows
    )
    if not enabled:
        return False
    short_notice = made_at > starts_at - dt.timedelta(hours=settings_row.short_notice_hours)
    return not (settings_row.exempt_short_notice_bookings and short_notice)


def visit_type_price(visit_type, day: dt.date):
    """R18: what the resident sees on the public pages is the caregiver's list price on the visit's
    day, the same figure the invoice will carry: each vaccine's price per dose and the visit fee."""
    return public_cache.cached(("price", visit_type.pk, day.isoformat()), lambda: _price(visit_type, day))


def _price(visit_type, day: dt.date) -> PublicPrice:
    caregiver = visit_type.unit.caregiver
    vaccines = []
    for product in visit_type.vaccines.all():
        price = price_for(caregiver=caregiver, day=day, product=product)
        if price is not None:
            vaccines.append((product.name, price.amount))
    fee = None
    # Read, never create: a public page must not write the caregiver's articles.
    article = Article.objects.filter(caregiver=caregiver, kind=ArticleKind.VISIT_FEE, is_active=True).first()
    if article is not None:
        price = price_for(caregiver=caregiver, day=day, article=article)
        fee = price.amount if price is not None else None
    return PublicPrice(vaccines=tuple(vaccines), visit_fee=fee)


@receiver([post_save, post_delete], sender=BillingSettings, dispatch_uid="public_cache_billing_settings")
@receiver([post_save, post_delete], sender=Price, dispatch_uid="public_cache_price")
@receiver([post_save, post_delete], sender=Article, dispatch_uid="public_cache_article")
def _billing_changed(sender, **kwargs):
    public_cache.forget()
