"""Which check-digit scheme a field's name, description or pattern implies (ISBN, EAN, IBAN, Luhn).

One rule for the two places that need it: the AI service's judge refuses model values with a wrong check
digit, and the generator computes the check digit of the values it makes from a pattern.
"""

from __future__ import annotations

import re
from enum import StrEnum

from dmb_contracts.fields import FieldSpec


class CheckDigit(StrEnum):
    ISBN = "ISBN"
    EAN = "EAN"
    IBAN = "IBAN"
    LUHN = "card number (Luhn)"


_CHECK_DIGIT_WORDS: tuple[tuple[CheckDigit, re.Pattern[str]], ...] = (
    (CheckDigit.ISBN, re.compile(r"isbn", re.I)),
    (CheckDigit.IBAN, re.compile(r"iban", re.I)),
    (CheckDigit.EAN, re.compile(r"\bean\b|ean_?13|ean13|gtin|barcode|bar_code", re.I)),
    (CheckDigit.LUHN, re.compile(r"card_?num|credit_?card|cc_?num|\bpan\b|card number|imei", re.I)),
)


def implied_check_digit(field: FieldSpec) -> CheckDigit | None:
    """The check-digit scheme the field's name, description or pattern implies, if any."""
    text = " ".join((field.name, field.description, field.pattern or ""))
    for kind, words in _CHECK_DIGIT_WORDS:
        if words.search(text):
            return kind
    return None
