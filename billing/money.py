"""Money in SEK: parsing what people type, and showing amounts the Swedish way ("1 250,00 kr")."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
NBSP = "\xa0"


class AmountError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def quantize(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text, *, allow_zero: bool = True) -> Decimal:
    """An amount as staff type it: "1250", "1 250,50", "1250.50", "345 kr". Refuses what is not money.

    Written by hand because Django's localized DecimalField accepts only the locale's own separators,
    and people type both decimal comma and point, with or without spaces and "kr".
    """
    raw = str(text if text is not None else "").strip()
    cleaned = re.sub(r"(?i)\s*(kr|sek|:-)\s*$", "", raw)
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", cleaned).replace(",", ".")
    if not cleaned:
        raise AmountError(_("Ange ett belopp."))
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise AmountError(
            _("”%(text)s” är inget belopp. Skriv till exempel 345 eller 345,50.") % {"text": raw}
        )
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above already guarantees a number
        raise AmountError(_("”%(text)s” är inget belopp.") % {"text": raw}) from None
    if value != value.quantize(CENT):
        raise AmountError(_("Ett belopp har högst två decimaler (öre)."))
    return check_amount(value, allow_zero=allow_zero)


def check_amount(value: Decimal, *, allow_zero: bool = True) -> Decimal:
    value = quantize(value)
    if value < 0:
        raise AmountError(_("Beloppet kan inte vara negativt."))
    if value == 0 and not allow_zero:
        raise AmountError(_("Beloppet måste vara större än 0 kr."))
    ceiling = Decimal(settings.BILLING_MAX_AMOUNT)
    if value > ceiling:
        raise AmountError(
            _("%(amount)s är orimligt högt; högsta tillåtna belopp är %(max)s.")
            % {"amount": format_kr(value), "max": format_kr(ceiling)}
        )
    return value


def format_number(value) -> str:
    """1250.5 → "1 250,50" (non-breaking spaces, so an amount never breaks over two lines)."""
    if value is None or value == "":
        return ""
    amount = quantize(value)
    sign = "−" if amount < 0 else ""
    whole, _sep, cents = f"{abs(amount):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{NBSP.join(groups)},{cents}"


def format_kr(value) -> str:
    text = format_number(value)
    return f"{text}{NBSP}kr" if text else ""


def plain_number(value) -> str:
    """Machine form for files: "-1250.50"."""
    return f"{quantize(value):.2f}"
