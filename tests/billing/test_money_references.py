from decimal import Decimal

import pytest

from billing.money import AmountError, format_kr, parse_amount
from billing.references import normalise_bankgiro, ocr_is_valid, ocr_reference
from mittvaccin.checksums import luhn_is_valid


def test_kr_shows_amounts_the_swedish_way():
    assert format_kr(Decimal("1250")) == "1\xa0250,00\xa0kr"
    assert format_kr(Decimal("0")) == "0,00\xa0kr"
    assert format_kr(Decimal("1234567.5")) == "1\xa0234\xa0567,50\xa0kr"
    assert format_kr(Decimal("-345")) == "−345,00\xa0kr"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("345", "345.00"), ("1 250,50", "1250.50"), ("1250.5", "1250.50"), ("345 kr", "345.00"), ("0", "0.00")],
)
def test_amounts_are_parsed_as_people_type_them(typed, value, settings):
    assert parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "negativt"),
        ("abc", "inget belopp"),
        ("12,345", "två decimaler"),
        ("", "Ange ett belopp"),
        ("1e5", "inget belopp"),
        ("999999", "orimligt högt"),
    ],
)
def test_bad_amounts_get_a_clear_message(typed, message):
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert message in refused.value.message


def test_the_absurd_limit_is_a_setting(settings):
    settings.BILLING_MAX_AMOUNT = 500
    with pytest.raises(AmountError):
        parse_amount("501")
    assert parse_amount("500") == Decimal("500.00")


@pytest.mark.parametrize("number", [1, 7, 42, 12345, 987654321, 10**20])
def test_r15_ocr_reference_has_length_digit_and_luhn_check_digit(number):
    reference = ocr_reference(number)
    assert reference.startswith(str(number))
    assert int(reference[-2]) == len(reference) % 10
    assert luhn_is_valid(reference)
    assert ocr_is_valid(reference)


def test_r15_ocr_reference_known_value():
    # 12345 + length digit 7 + Luhn digit over 123457.
    assert ocr_reference(12345) == "1234574"


def test_r15_mistyped_ocr_reference_is_detected():
    reference = ocr_reference(12345)
    assert not ocr_is_valid(reference[:-1] + str((int(reference[-1]) + 1) % 10))
    assert not ocr_is_valid("12345")  # no length digit
    assert not ocr_is_valid("1234x74")


def test_bankgiro_numbers_are_checked_and_written_with_a_dash():
    assert normalise_bankgiro("50501055") == "5050-1055"
    assert normalise_bankgiro("5050-1055") == "5050-1055"
    assert normalise_bankgiro("5050-1054") is None
    assert normalise_bankgiro("123") is None
