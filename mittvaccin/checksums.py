"""Check-digit arithmetic shared by personnummer, organisation numbers and OCR references."""


def luhn_check_digit(digits: str) -> int:
    """The Luhn (modulus 10) digit that makes `digits + digit` valid."""
    total = 0
    # Weights 2,1,2,1… from the right-most digit of the payload (the check digit itself gets weight 1).
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def luhn_is_valid(number: str) -> bool:
    return number.isdigit() and len(number) >= 2 and luhn_check_digit(number[:-1]) == int(number[-1])


def organisation_number_is_valid(value: str) -> bool:
    """Swedish organisation number: 10 digits (NNNNNN-NNNN), third digit ≥ 2, Luhn check digit."""
    digits = value.replace("-", "")
    return len(digits) == 10 and digits.isdigit() and int(digits[2]) >= 2 and luhn_is_valid(digits)
