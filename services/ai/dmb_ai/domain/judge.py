"""Rules a format cannot express: check digits, placeholders, enumerations and artificial sequences.

What a small model gets wrong while passing every type, length and pattern check: ISBNs with wrong check
digits counting up from 9781234567890, "Paciente 1…50" as diagnoses, "example1@…" e-mails, URLs ending
/review1…/review17. Each rule returns the reason a value is refused, in words a user reads on the job.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from dmb_contracts.check_digits import CheckDigit, implied_check_digit, isbn10_check_digit
from dmb_contracts.fields import FieldSpec, StorageType
from stdnum import ean, iban, isbn, luhn

__all__ = ["CheckDigit", "implied_check_digit"]  # the shared rule, re-exported for the workflow

_VALID: dict[CheckDigit, Callable[[str], bool]] = {
    CheckDigit.ISBN: isbn.is_valid,
    CheckDigit.EAN: ean.is_valid,
    CheckDigit.IBAN: iban.is_valid,
    CheckDigit.LUHN: lambda text: luhn.is_valid(re.sub(r"[\s-]", "", text)) and len(re.sub(r"\D", "", text)) >= 12,
}


def check_digit_problem(kind: CheckDigit, text: str) -> str | None:
    return None if _VALID[kind](text) else f"is not a valid {kind.value} (wrong check digit or length)"


_ISBN_OR_EAN_LAYOUT = re.compile(r"^\d[\d -]*[\dXx]$")
_IBAN_LAYOUT = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_EAN_LENGTHS = (8, 12, 13, 14)


def _with_last_digit(text: str, check: str) -> str:
    """`text` with its last character (the check digit, wherever the separators are) replaced by `check`."""
    return text[:-1] + check


def repair_check_digit(kind: CheckDigit, text: str) -> str:
    """`text` with its check digit(s) computed by code, when it has the scheme's layout; else `text` as it is.

    A small model writes the digits of an ISBN, an EAN, a card number or an IBAN well enough (a real prefix,
    a plausible length) but cannot compute the check digit: wrong nine times in ten. Code computes it, as the
    generator does for pattern-made values; the value keeps its separators. A value of the wrong length or
    shape is left for the judge to refuse, and a digit run (9781234567890) is refused whatever its check digit.
    """
    if kind is CheckDigit.IBAN:
        compact = re.sub(r"[\s-]", "", text).upper()
        if not _IBAN_LAYOUT.match(compact):
            return text
        repaired = compact[:2] + iban.calc_check_digits(compact) + compact[4:]
        return iban.format(repaired) if " " in text else repaired
    if not _ISBN_OR_EAN_LAYOUT.match(text):
        return text
    digits = re.sub(r"[\s-]", "", text)
    if kind is CheckDigit.ISBN:
        if len(digits) == 13 and digits.isdigit() and digits.startswith(("978", "979")):
            return _with_last_digit(text, ean.calc_check_digit(digits[:12]))
        if len(digits) == 10 and digits[:9].isdigit():
            return _with_last_digit(text, isbn10_check_digit(digits[:9]))
        return text
    if not digits.isdigit():
        return text
    if kind is CheckDigit.EAN and len(digits) in _EAN_LENGTHS:
        return _with_last_digit(text, ean.calc_check_digit(digits[:-1]))
    if kind is CheckDigit.LUHN and len(digits) >= 12:
        return _with_last_digit(text, luhn.calc_check_digit(digits[:-1]))
    return text


_PLACEHOLDER_WORDS = re.compile(
    r"\b(lorem|ipsum|dolor sit|placeholder|dummy|foo|bar baz|asdf|qwerty|xxx+|tbd|todo|n/?a|sample (text|value)"
    r"|test (value|data|string)|some (text|value|name)|value ?\d+|string ?\d+)\b",
    re.I,
)
#: A generic word and a number: "Product 2", "Paciente 17", "item_3", "user12".
_GENERIC_NUMBERED = re.compile(
    r"^\s*(item|product|producto|produkt|value|valor|name|nombre|patient|paciente|patient(in)?|user|usuario"
    r"|customer|cliente|kunde|test|sample|example|ejemplo|beispiel|entry|record|row|field|category|categoría"
    r"|review|ticket|title|titel|titre|book|libro|buch|livre|company|empresa|firma|employee|empleado|mitarbeiter"
    r"|artikel|article|produit|client|nutzer|benutzer|eintrag|wert|élément|elemento|articulo|artículo)[\s_#-]*\d+\s*$",
    re.I,
)
_PLACEHOLDER_EMAIL = re.compile(r"^(example|test|user|email|mail|sample|name|someone|john\.?doe)[._-]?\d*@", re.I)
_RUN = re.compile(r"0123456|1234567|2345678|3456789|9876543|(\d)\1{5,}")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.I)


def placeholder_problem(field: FieldSpec, text: str) -> str | None:
    """Why `text` is a placeholder rather than a realistic value (None: it is not)."""
    if _GENERIC_NUMBERED.match(text):
        return "is a numbered placeholder (like 'Product 2'), not a realistic value"
    if _PLACEHOLDER_WORDS.search(text):
        return "is placeholder text, not a realistic value"
    if field.type is StorageType.EMAIL and _PLACEHOLDER_EMAIL.match(text):
        return "is a placeholder e-mail address (like 'example1@…')"
    if _RUN.search(re.sub(r"[\s-]", "", text)):
        return "contains an artificial digit run (like 1234567 or 000000)"
    return None


def shape_problem(field: FieldSpec, text: str) -> str | None:
    """E-mail and URL fields must hold something shaped like one (the generator would rebuild it otherwise)."""
    if field.type is StorageType.EMAIL and not _EMAIL.match(text):
        return "is not an e-mail address"
    if field.type is StorageType.URL and not _URL.match(text):
        return "is not an http(s) URL"
    return None


_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)(\D{0,6})$", re.S)
#: Values sharing a stem that differ only in a trailing number, from this many on, are an enumeration.
ENUMERATION_MIN = 3


def enumerated(texts: Sequence[str]) -> set[str]:
    """The values that are one stem with counting numbers ("Paciente 1", "Paciente 2", ".../review3"), or
    numbers in a near-arithmetic run (9781234567890, 9781234567891, …): code's job, not a model's."""
    by_stem: defaultdict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for text in dict.fromkeys(texts):  # a repeated value is a duplicate, not an enumeration
        match = _TRAILING_NUMBER.match(text)
        if match and len(match.group(2)) <= 18:
            by_stem[(match.group(1), match.group(3))].append((text, int(match.group(2))))
    caught: set[str] = set()
    for (stem, _suffix), members in by_stem.items():
        if len({number for _text, number in members}) < ENUMERATION_MIN:
            continue
        numbers = sorted(number for _text, number in members)
        gaps = Counter(b - a for a, b in itertools.pairwise(numbers))
        small_steps = sum(count for gap, count in gaps.items() if 0 < gap <= 10)
        # A shared wordy stem with any numbers ("Paciente 1", "Paciente 9"), or a numeric run counting up.
        if (stem.strip() and not stem.strip().isdigit() and _has_letters(stem)) or small_steps >= ENUMERATION_MIN - 1:
            caught.update(text for text, _number in members)
    return caught


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and not text.lower().startswith(("http", "www"))
