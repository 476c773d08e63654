"""Input every form shares: Swedish postcodes, phone numbers, names without control characters.

Phone numbers are checked with `phonenumbers` (Google's libphonenumber): a Swedish number as people
write it (070-123 45 67, 054-10 20 30) or an international one that starts with +. Postcodes are
five digits, stored the Swedish way ("652 25").
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

POSTCODE = re.compile(r"^\s*(\d{3})\s?(\d{2})\s*$")


def clean_postal_code(value: str) -> str:
    """ "65225" or "652 25" → "652 25"; anything else is refused with the expected form."""
    value = (value or "").strip()
    if not value:
        return ""
    match = POSTCODE.match(value)
    if not match:
        raise ValidationError(_("Ange postnumret med fem siffror, t.ex. 652 25."), code="postal_code")
    return f"{match.group(1)} {match.group(2)}"


def clean_phone(value: str) -> str:
    """A Swedish number, or an international one beginning with +, as typed (spaces tidied)."""
    value = " ".join((value or "").split())
    if not value:
        return ""
    if not re.fullmatch(r"\+?[\d\s\-()]+", value):
        raise ValidationError(
            _("Ett telefonnummer har bara siffror, mellanslag och bindestreck (och + först för utländska)."),
            code="phone",
        )
    try:
        number = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "Telefonnumret är inte giltigt. Skriv t.ex. 070-123 45 67, eller +44 20 7946 0958 för utländska."
            ),
            code="phone",
        )
    return value


def ready() -> None:
    """Read the Swedish numbering plan now, not on the first phone number of a process (about 10 ms
    of CPU: a web worker calls this at start-up, mittvaccin/wsgi.py)."""
    phonenumbers.PhoneMetadata.metadata_for_region("SE")


def clean_name(value: str) -> str:
    """A name as typed, refusing control characters (a tab, a line break, an invisible format mark)."""
    value = (value or "").strip()
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise ValidationError(
            _("Namnet innehåller otillåtna tecken (t.ex. radbrytning eller tabb)."), code="name"
        )
    return value
