"""Check digits computed, never guessed: the identifier schemes the AI service makes itself, how each one's
check digit is computed from the other characters, and whether a value is valid in its scheme.

A small model writes an ISBN's or an IBAN's digits well enough but cannot compute the check digit (the 1.5B
model counted up from 9781234567890 instead); python-stdnum, which the judge and the generator already use,
computes and checks them here.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from dmb_contracts.check_digits import isbn10_check_digit
from stdnum import ean, iban, isbn, luhn


class Scheme(StrEnum):
    """An identifier whose last character(s) are computed from the rest. The value is the name users know."""

    ISBN13 = "ISBN-13"
    ISBN10 = "ISBN-10"
    EAN13 = "EAN-13"
    EAN8 = "EAN-8"
    UPCA = "UPC-A"
    GTIN14 = "GTIN-14"
    IBAN = "IBAN"
    CARD = "card number"
    IMEI = "IMEI"


#: Characters of a whole value per scheme (an IBAN's length depends on its country).
LENGTHS: dict[Scheme, int] = {
    Scheme.ISBN13: 13,
    Scheme.ISBN10: 10,
    Scheme.EAN13: 13,
    Scheme.EAN8: 8,
    Scheme.UPCA: 12,
    Scheme.GTIN14: 14,
    Scheme.IMEI: 15,
}
_GS1 = (Scheme.ISBN13, Scheme.EAN13, Scheme.EAN8, Scheme.UPCA, Scheme.GTIN14)


def complete(scheme: Scheme, body: str) -> str:
    """The whole value from its `body`: every character but the check digit(s), which are computed.

    For an IBAN the body is the country code and the BBAN (the two check digits go between them); for every
    other scheme the check digit is the last character."""
    if scheme is Scheme.IBAN:
        return body[:2] + iban.calc_check_digits(body[:2] + "00" + body[2:]) + body[2:]
    if scheme is Scheme.ISBN10:
        return body + isbn10_check_digit(body)
    if scheme in _GS1:
        return body + ean.calc_check_digit(body)  # one modulo-10 rule for every GS1 number (ISBN-13 included)
    return body + luhn.calc_check_digit(body)


def _gs1_valid(scheme: Scheme) -> Callable[[str], bool]:
    return lambda value: len(value) == LENGTHS[scheme] and value.isdigit() and ean.is_valid(value)


_VALID: dict[Scheme, Callable[[str], bool]] = {
    Scheme.ISBN13: lambda value: len(value) == 13 and value.startswith(("978", "979")) and isbn.is_valid(value),
    Scheme.ISBN10: lambda value: len(value) == 10 and isbn.is_valid(value),
    Scheme.EAN13: _gs1_valid(Scheme.EAN13),
    Scheme.EAN8: _gs1_valid(Scheme.EAN8),
    Scheme.UPCA: _gs1_valid(Scheme.UPCA),
    Scheme.GTIN14: _gs1_valid(Scheme.GTIN14),
    Scheme.IBAN: lambda value: value == iban.compact(value) and iban.is_valid(value),
    Scheme.CARD: lambda value: value.isdigit() and 12 <= len(value) <= 19 and luhn.is_valid(value),
    Scheme.IMEI: lambda value: value.isdigit() and len(value) == 15 and luhn.is_valid(value),
}


def is_valid(scheme: Scheme, value: str) -> bool:
    """Whether `value` is a whole, compact (no spaces or dashes) value of `scheme` with a right check digit."""
    return _VALID[scheme](value)
