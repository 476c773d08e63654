"""Swedish personal identity numbers: personnummer, samordningsnummer and reservnummer.

Written here on purpose (see architecture.md): the PyPI parsers each get a case wrong. The canonical
value is always 12 digits, YYYYMMDDNNNC, and what is shown is YYYYMMDD-NNNC.

Accepted input for personnummer and samordningsnummer:
    YYMMDD-NNNC   YYMMDDNNNC   YYYYMMDDNNNC   YYYYMMDD-NNNC
and `+` instead of `-` for a person who has turned 100. The date must exist (for a samordningsnummer
the day is the day of birth + 60), the birth number is never 000, and the check digit is the Luhn
digit of the ten-digit form. Every refusal says in Swedish what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mittvaccin.checksums import luhn_check_digit

SHORT_FORM = re.compile(r"^(?P<date>\d{6})(?P<sep>[-+]?)(?P<tail>\d{4})$")
LONG_FORM = re.compile(r"^(?P<date>\d{8})(?P<sep>[-+]?)(?P<tail>\d{4})$")
SAMORDNING_DAY_OFFSET = 60
# Nobody alive is older; a number that would make someone older is a typing error.
MAX_PLAUSIBLE_AGE = 125


class IdentityKind(models.TextChoices):
    PERSONNUMMER = "personnummer", gettext_lazy("Personnummer")
    SAMORDNINGSNUMMER = "samordningsnummer", gettext_lazy("Samordningsnummer")
    RESERVNUMMER = "reservnummer", gettext_lazy("Reservnummer")


class Sex(models.TextChoices):
    FEMALE = "F", gettext_lazy("Kvinna")
    MALE = "M", gettext_lazy("Man")
    UNKNOWN = "U", gettext_lazy("Okänt")


class IdentityError(ValueError):
    """A refusal with a message that can be shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParsedIdentity:
    kind: str
    value: str  # canonical, 12 characters
    birth_date: dt.date | None
    sex: str

    @property
    def display(self) -> str:
        return format_identity(self.value)


def resident_identity(raw: str) -> str | None:
    """A signed-in resident's personnummer or samordningsnummer from an e-identification claim,
    normalised (12 digits); None for anything else (a reserve number is no one's e-identification)."""
    try:
        parsed = parse_identity(raw)
    except IdentityError:
        return None
    if parsed.kind not in (IdentityKind.PERSONNUMMER, IdentityKind.SAMORDNINGSNUMMER):
        return None
    return parsed.value


def format_identity(value: str) -> str:
    """YYYYMMDDNNNC → YYYYMMDD-NNNC, the one way a patient's number is shown."""
    if len(value) == 12:
        return f"{value[:8]}-{value[8:]}"
    return value


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def looks_like_identity(text: str) -> bool:
    """True when the text is digits and separators only, i.e. the user meant a number, not a name."""
    cleaned = _clean(text)
    return bool(cleaned) and bool(re.fullmatch(r"[\d\-+]+", cleaned))


def parse_identity(text: str, today: dt.date | None = None) -> ParsedIdentity:
    """Parse a personnummer or samordningsnummer in any accepted form, or raise IdentityError."""
    today = today or timezone.localdate()
    cleaned = _clean(text)
    if not cleaned:
        raise IdentityError(_("Ange ett personnummer."))
    if not re.fullmatch(r"[\d\-+]+", cleaned):
        raise IdentityError(_("Personnumret får bara innehålla siffror och bindestreck eller plustecken."))
    digits = re.sub(r"\D", "", cleaned)
    if cleaned.count("-") + cleaned.count("+") > 1:
        raise IdentityError(_("Personnumret har fler än ett skiljetecken."))

    if match := LONG_FORM.match(cleaned):
        year = int(match["date"][:4])
        month, day_field = int(match["date"][4:6]), int(match["date"][6:8])
        separator = match["sep"]
    elif match := SHORT_FORM.match(cleaned):
        yy = int(match["date"][:2])
        month, day_field = int(match["date"][2:4]), int(match["date"][4:6])
        separator = match["sep"]
        year = _century_for(yy, month, day_field, today, centenarian=separator == "+")
    elif len(digits) in (10, 12):
        raise IdentityError(_("Skiljetecknet står på fel plats. Skriv ÅÅMMDD-NNNN eller ÅÅÅÅMMDD-NNNN."))
    else:
        raise IdentityError(
            _("Personnumret ska ha 10 eller 12 siffror (ÅÅMMDD-NNNN eller ÅÅÅÅMMDD-NNNN), inte %(count)s.")
            % {"count": len(digits)}
        )

    tail = match["tail"]
    kind = IdentityKind.PERSONNUMMER
    day = day_field
    if day_field > SAMORDNING_DAY_OFFSET:
        kind = IdentityKind.SAMORDNINGSNUMMER
        day = day_field - SAMORDNING_DAY_OFFSET

    if not 1 <= month <= 12:
        raise IdentityError(_("Månaden %(month)02d finns inte.") % {"month": month})
    if day == 0:
        raise IdentityError(_("Dagen 00 finns inte."))
    try:
        birth_date = dt.date(year, month, day)
    except ValueError:
        if kind == IdentityKind.SAMORDNINGSNUMMER:
            message = _("Datumet %(date)s finns inte (i ett samordningsnummer är dagen födelsedagen + 60).")
        else:
            message = _("Datumet %(date)s finns inte.")
        raise IdentityError(message % {"date": f"{year:04d}-{month:02d}-{day:02d}"}) from None

    if birth_date > today:
        raise IdentityError(
            _("Födelsedatumet %(date)s ligger i framtiden.") % {"date": birth_date.isoformat()}
        )
    if year < today.year - MAX_PLAUSIBLE_AGE:
        raise IdentityError(_("Födelseåret %(year)s är inte rimligt.") % {"year": year})
    if tail[:3] == "000":
        raise IdentityError(_("Födelsenumret 000 används inte i personnummer."))

    if separator == "+" and _age(birth_date, today) < 100:
        raise IdentityError(_("Plustecken används bara för den som har fyllt 100 år. Skriv bindestreck."))

    ten_digits = f"{year % 100:02d}{month:02d}{day_field:02d}{tail}"
    if luhn_check_digit(ten_digits[:9]) != int(ten_digits[9]):
        raise IdentityError(_("Kontrollsiffran stämmer inte. Kontrollera att numret är rätt inskrivet."))

    value = f"{year:04d}{month:02d}{day_field:02d}{tail}"
    sex = Sex.MALE if int(tail[2]) % 2 else Sex.FEMALE
    return ParsedIdentity(kind=kind, value=value, birth_date=birth_date, sex=sex)


def parse_reserve_number(text: str) -> ParsedIdentity:
    """A region's reserve number (reservnummer) for someone without a Swedish number.

    Regions issue them in their own series, so there is no national check digit; we require the
    canonical 12 digits and never accept a valid personnummer or samordningsnummer as one.
    """
    cleaned = re.sub(r"[\s\-]", "", text or "")
    if not re.fullmatch(r"\d{12}", cleaned):
        raise IdentityError(_("Ett reservnummer ska anges med 12 siffror."))
    try:
        parse_identity(cleaned)
    except IdentityError:
        return ParsedIdentity(kind=IdentityKind.RESERVNUMMER, value=cleaned, birth_date=None, sex=Sex.UNKNOWN)
    raise IdentityError(
        _("Numret är ett giltigt personnummer eller samordningsnummer, inte ett reservnummer.")
    )


def _century_for(yy: int, month: int, day_field: int, today: dt.date, centenarian: bool) -> int:
    """The full year of a 10-digit number: the latest that is not in the future, 100 earlier with `+`."""
    day = day_field - SAMORDNING_DAY_OFFSET if day_field > SAMORDNING_DAY_OFFSET else day_field
    year = today.year - (today.year - yy) % 100
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    if centenarian:
        year -= 100
    return year


def _age(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_on(birth_date: dt.date | None, on: dt.date) -> int | None:
    """Age in whole years on a date (the birthday counts from the day itself)."""
    return None if birth_date is None else _age(birth_date, on)


def identity_with_check_digit(year: int, month: int, day_field: int, birth_number: int) -> str:
    """A canonical 12-digit number with the correct check digit (used for demo and test data)."""
    nine = f"{year % 100:02d}{month:02d}{day_field:02d}{birth_number:03d}"
    return f"{year:04d}{month:02d}{day_field:02d}{birth_number:03d}{luhn_check_digit(nine)}"
