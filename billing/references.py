"""OCR payment references and bankgiro numbers (Bankgirot's rules).

An OCR reference here is the invoice number, then a length digit, then a Luhn (modulus 10) check
digit: the length digit is the length of the whole reference including both control digits, with
the tens left out; the check digit is computed over everything before it. That is Bankgirot's "hård
kontroll med längdsiffra", which lets the bank refuse a mistyped reference before money moves.
"""

from __future__ import annotations

import re

from mittvaccin.checksums import luhn_check_digit, luhn_is_valid

OCR_MIN_LENGTH = 2
OCR_MAX_LENGTH = 25


def ocr_reference(payload: int | str) -> str:
    digits = str(payload)
    if not digits.isdigit():
        raise ValueError("an OCR payload is digits only")
    length_digit = (len(digits) + 2) % 10
    body = f"{digits}{length_digit}"
    reference = f"{body}{luhn_check_digit(body)}"
    if len(reference) > OCR_MAX_LENGTH:
        raise ValueError("an OCR reference has at most 25 digits")
    return reference


def ocr_is_valid(reference: str) -> bool:
    """Check digit and length digit both right (what the internet banks check with a hard agreement)."""
    if not reference.isdigit() or not OCR_MIN_LENGTH <= len(reference) <= OCR_MAX_LENGTH:
        return False
    return luhn_is_valid(reference) and int(reference[-2]) == len(reference) % 10


def normalise_bankgiro(value: str) -> str | None:
    """'5050-1055' / '50501055' / '505-1055' → the canonical dashed form, or None if it is not valid.

    A bankgiro number has 7 or 8 digits, the last one a Luhn check digit over the others; it is
    written with a dash before the last four digits.
    """
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits.isdigit() or len(digits) not in (7, 8) or not luhn_is_valid(digits):
        return None
    return f"{digits[:-4]}-{digits[-4:]}"
