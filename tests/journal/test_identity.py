"""The personnummer parser, proven by a table. Today is fixed at 2026-11-25."""

import datetime as dt

import pytest

from journal.identity import (
    IdentityError,
    IdentityKind,
    Sex,
    format_identity,
    identity_with_check_digit,
    looks_like_identity,
    parse_identity,
    parse_reserve_number,
)

TODAY = dt.date(2026, 11, 25)


def number(year, month, day_field, birth_number):
    """A 12-digit number with the right check digit."""
    return identity_with_check_digit(year, month, day_field, birth_number)


def short(value12: str, separator="-") -> str:
    return f"{value12[2:8]}{separator}{value12[8:]}"


def long(value12: str, separator="-") -> str:
    return f"{value12[:8]}{separator}{value12[8:]}"


MAJA = "198504129860"
CHILD = number(2020, 1, 1, 985)
CENTENARIAN = number(1924, 12, 30, 983)
SAMORDNING = number(1994, 2, 17 + 60, 987)
LEAP_2000 = number(2000, 2, 29, 982)
BORN_TODAY = number(2026, 11, 25, 980)

VALID = [
    # input, canonical value, kind, birth date
    (long(MAJA), MAJA, IdentityKind.PERSONNUMMER, dt.date(1985, 4, 12)),
    (short(MAJA), MAJA, IdentityKind.PERSONNUMMER, dt.date(1985, 4, 12)),
    (short(MAJA, ""), MAJA, IdentityKind.PERSONNUMMER, dt.date(1985, 4, 12)),
    (long(MAJA, ""), MAJA, IdentityKind.PERSONNUMMER, dt.date(1985, 4, 12)),
    (f"  {short(MAJA)} ", MAJA, IdentityKind.PERSONNUMMER, dt.date(1985, 4, 12)),
    ("850412 - 9860", MAJA, IdentityKind.PERSONNUMMER, dt.date(1985, 4, 12)),
    (short(CHILD), CHILD, IdentityKind.PERSONNUMMER, dt.date(2020, 1, 1)),
    (short(CENTENARIAN, "+"), CENTENARIAN, IdentityKind.PERSONNUMMER, dt.date(1924, 12, 30)),
    (long(CENTENARIAN, "+"), CENTENARIAN, IdentityKind.PERSONNUMMER, dt.date(1924, 12, 30)),
    (long(CENTENARIAN), CENTENARIAN, IdentityKind.PERSONNUMMER, dt.date(1924, 12, 30)),
    (long(SAMORDNING), SAMORDNING, IdentityKind.SAMORDNINGSNUMMER, dt.date(1994, 2, 17)),
    (short(SAMORDNING), SAMORDNING, IdentityKind.SAMORDNINGSNUMMER, dt.date(1994, 2, 17)),
    (short(SAMORDNING, ""), SAMORDNING, IdentityKind.SAMORDNINGSNUMMER, dt.date(1994, 2, 17)),
    (long(LEAP_2000), LEAP_2000, IdentityKind.PERSONNUMMER, dt.date(2000, 2, 29)),
    (short(LEAP_2000), LEAP_2000, IdentityKind.PERSONNUMMER, dt.date(2000, 2, 29)),
    (long(BORN_TODAY), BORN_TODAY, IdentityKind.PERSONNUMMER, TODAY),
    (short(BORN_TODAY), BORN_TODAY, IdentityKind.PERSONNUMMER, TODAY),
]


@pytest.mark.parametrize(("text", "value", "kind", "birth"), VALID)
def test_valid_numbers_in_every_accepted_form(text, value, kind, birth):
    parsed = parse_identity(text, today=TODAY)
    assert (parsed.value, parsed.kind, parsed.birth_date) == (value, kind, birth)
    assert parsed.display == f"{value[:8]}-{value[8:]}"


def test_ten_digits_choose_the_latest_century_not_in_the_future():
    # 271201 cannot be 2027 (future): it is 1927. 261125 is today: 2026.
    born_1927 = number(1927, 12, 1, 981)
    assert parse_identity(short(born_1927), today=TODAY).birth_date == dt.date(1927, 12, 1)
    assert parse_identity(short(BORN_TODAY), today=TODAY).birth_date == TODAY


def test_plus_sign_moves_a_ten_digit_number_back_a_century():
    without_plus = number(2024, 12, 30, 983)  # same ten digits as the centenarian
    assert short(without_plus) == short(CENTENARIAN)
    assert parse_identity(short(CENTENARIAN), today=TODAY).birth_date == dt.date(2024, 12, 30)
    assert parse_identity(short(CENTENARIAN, "+"), today=TODAY).birth_date == dt.date(1924, 12, 30)


def test_sex_follows_the_second_last_digit():
    assert parse_identity(long(MAJA), today=TODAY).sex == Sex.FEMALE  # 6 is even
    assert parse_identity(long(CENTENARIAN), today=TODAY).sex == Sex.MALE  # 3 is odd


INVALID = [
    # input, a phrase the Swedish message must contain
    ("", "Ange ett personnummer"),
    ("abc", "bara innehålla siffror"),
    ("19850412-98a0", "bara innehålla siffror"),
    ("19850412-986", "10 eller 12 siffror"),
    ("8504129", "10 eller 12 siffror"),
    ("1985041298600", "10 eller 12 siffror"),
    ("1985-0412-9860", "fler än ett skiljetecken"),
    ("198504-129860", "fel plats"),
    ("19850412-9861", "Kontrollsiffran"),
    (long(number(1985, 13, 12, 986)), "Månaden 13"),
    (long(number(1985, 0, 12, 986)), "Månaden 00"),
    (long(number(1985, 4, 0, 986)), "Dagen 00"),
    (long(number(1985, 4, 31, 986)), "1985-04-31 finns inte"),
    (long(number(1985, 2, 30, 986)), "1985-02-30 finns inte"),
    (long(number(1900, 2, 29, 986)), "1900-02-29 finns inte"),
    (long(number(1985, 2, 30 + 60, 986)), "samordningsnummer"),
    (long(number(1985, 4, 32 + 60, 986)), "1985-04-32 finns inte"),
    (long(number(2027, 1, 1, 986)), "i framtiden"),
    (long(number(2026, 11, 26, 986)), "i framtiden"),
    (long(number(1850, 1, 1, 986)), "inte rimligt"),
    (long(number(1985, 4, 12, 0)), "000"),
    (short(number(1985, 4, 12, 0)), "000"),
    (short(MAJA, "+"), "inte rimligt"),  # 1885: older than anyone alive
    (long(MAJA, "+"), "fyllt 100 år"),
]


@pytest.mark.parametrize(("text", "phrase"), INVALID)
def test_invalid_numbers_are_refused_with_a_clear_swedish_message(text, phrase):
    with pytest.raises(IdentityError) as refused:
        parse_identity(text, today=TODAY)
    assert phrase in refused.value.message


def test_reserve_number_is_twelve_digits_and_never_a_valid_personnummer():
    parsed = parse_reserve_number("9912-3456-7890")
    assert (parsed.kind, parsed.value, parsed.birth_date) == (IdentityKind.RESERVNUMMER, "991234567890", None)
    with pytest.raises(IdentityError, match="12 siffror"):
        parse_reserve_number("99123456789")
    with pytest.raises(IdentityError, match="giltigt personnummer"):
        parse_reserve_number(MAJA)


def test_looks_like_identity_separates_numbers_from_names():
    assert looks_like_identity("850412-9860")
    assert looks_like_identity("19850412+9860")
    assert not looks_like_identity("Maja")
    assert not looks_like_identity("")


def test_format_identity_shows_the_hyphen():
    assert format_identity(MAJA) == "19850412-9860"
    assert format_identity("short") == "short"
