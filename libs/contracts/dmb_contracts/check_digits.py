"""Which check-digit scheme a field's name, description or pattern implies (ISBN, EAN, IBAN, Luhn).

One rule for the places that need it: the AI service makes such values itself (random digits and the
computed check digit) and its judge refuses model values with a wrong one; the generator computes the check
digit of the values it makes from a pattern.
"""

from __future__ import annotations

import re
from enum import StrEnum

from dmb_contracts.fields import AIGenerator, FieldSpec


class CheckDigit(StrEnum):
    ISBN = "ISBN"
    EAN = "EAN"
    IBAN = "IBAN"
    LUHN = "card number (Luhn)"


_CHECK_DIGIT_WORDS: tuple[tuple[CheckDigit, re.Pattern[str]], ...] = (
    (CheckDigit.ISBN, re.compile(r"isbn", re.I)),
    (CheckDigit.IBAN, re.compile(r"iban", re.I)),
    # Not inside a word ("ocean", "upcoming"), but "ean8", "product_ean" and "UPC-A" count.
    (CheckDigit.EAN, re.compile(r"(?<![a-z])(ean|upc)(?![a-z])|gtin|barcode|bar_code", re.I)),
    (CheckDigit.LUHN, re.compile(r"card_?num|credit_?card|cc_?num|\bpan\b|card number|imei", re.I)),
)


def implied_check_digit(field: FieldSpec) -> CheckDigit | None:
    """The check-digit scheme the field's name, description, pattern or AI instructions imply, if any."""
    instructions = field.generator.instructions if isinstance(field.generator, AIGenerator) else ""
    text = " ".join((field.name, field.description, field.pattern or "", instructions))
    for kind, words in _CHECK_DIGIT_WORDS:
        if words.search(text):
            return kind
    return None


def isbn10_check_digit(first_nine: str) -> str:
    """The check character of an ISBN-10 from its first nine digits: weights 10..2, modulo 11, "X" for 10."""
    remainder = -sum((10 - index) * int(digit) for index, digit in enumerate(first_nine)) % 11
    return "X" if remainder == 10 else str(remainder)
