"""Identifiers with a check digit that code makes instead of the model: which one a field means (ISBN-13 or
-10, EAN-13/-8, UPC-A, GTIN-14, an IBAN of a country, a card number, an IMEI) and a seeded pool of them.

The model is never asked for these: on the 1.5B model ISBNs and EANs came back counting up from
9781234567890 and IBANs as counting sequences, which no check-digit repair makes realistic. Code draws the
body at random (a real-looking prefix: the ISBN group or GS1 prefix of the country, a card brand's IIN, the
IBAN country's BBAN layout), computes the check digit, and keeps distinct values that pass the same checks as
any pooled value. The draw is seeded by the job's seed and the field, so the same job makes the same pool.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence

from dmb_contracts.check_digits import CheckDigit, implied_check_digit
from dmb_contracts.fields import AIGenerator, FieldSpec, TableSpec, value_problem
from pydantic import BaseModel, ConfigDict
from stdnum import numdb

from dmb_ai.domain.check_digits import LENGTHS, Scheme, complete, is_valid
from dmb_ai.domain.countries import country_of
from dmb_ai.domain.judge import placeholder_problem

#: The most values code makes for one field (a unique field of a bigger job repeats past it, with a suffix).
MAX_POOL = 10_000
#: Draws allowed per value wanted: IBANs of countries with a national check digit too (BE, ES, NO, ME) pass
#: one draw in about a hundred; every other scheme passes nearly every draw.
_DRAWS_PER_VALUE = 300

_ISBN_GROUPS: dict[str, tuple[str, ...]] = {
    "FR": ("2",),
    "DE": ("3",),
    "AT": ("3",),
    "CH": ("3", "2"),
    "JP": ("4",),
    "ES": ("84",),
    "IT": ("88",),
    "BR": ("85",),
    "PT": ("972",),
    "NL": ("90", "94"),
    "BE": ("90", "2"),
    "PL": ("83",),
    "SE": ("91",),
}
_ISBN_ENGLISH = ("0", "1")
_GS1_PREFIXES: dict[str, tuple[str, ...]] = {
    "US": ("0", "1"),
    "GB": ("50",),
    "IE": ("539",),
    "DE": ("40", "41", "42", "43", "44"),
    "FR": ("30", "31", "32", "33", "34", "35", "36", "37"),
    "ES": ("84",),
    "IT": ("80", "81", "82", "83"),
    "NL": ("87",),
    "BE": ("54",),
    "AT": ("90", "91"),
    "CH": ("76",),
    "PT": ("560",),
    "BR": ("789", "790"),
    "PL": ("590",),
    "SE": ("73",),
    "JP": ("45", "49"),
}
_GS1_ANY = ("40", "50", "30", "80", "87", "76", "84")
#: Card brands by the words that name them: the IIN prefixes and the number's length.
_CARDS: tuple[tuple[re.Pattern[str], str, tuple[str, ...], int], ...] = (
    (re.compile(r"american express|amex", re.I), "American Express", ("34", "37"), 15),
    (re.compile(r"master ?card", re.I), "Mastercard", ("51", "52", "53", "54", "55"), 16),
    (re.compile(r"discover", re.I), "Discover", ("6011", "65"), 16),
    (re.compile(r"\bjcb\b", re.I), "JCB", ("35",), 16),
    (re.compile(r"visa", re.I), "Visa", ("4",), 16),
)
_IBAN_DB = numdb.get("iban")
#: The countries with IBANs, and each one's BBAN layout ("8!n10!n": 8 digits, 10 digits).
_BBANS: dict[str, str] = {entry[1]: entry[3].get("bban", "") for entry in _IBAN_DB.prefixes if entry[3].get("bban")}
_IBAN_COUNTRIES = frozenset(_BBANS)
_BBAN_PART = re.compile(r"(\d+)!([nac])")
#: No IBAN country named (or one without IBANs, like the US): German IBANs, said so in the note.
_IBAN_DEFAULT = "DE"


class Identifier(BaseModel):
    """What code makes for one field: the scheme, the prefixes a value may start with (one drawn per value),
    the characters after the prefix per class (IBAN BBANs: n digit, a letter, c letter or digit), and the
    words the job's note uses."""

    model_config = ConfigDict(frozen=True)

    scheme: Scheme
    prefixes: tuple[str, ...]
    #: After the prefix, the classes of the characters drawn (the check digit(s) excluded).
    body: str
    described: str

    @property
    def length(self) -> int:
        extra = 2 if self.scheme is Scheme.IBAN else 1
        return len(self.prefixes[0]) + len(self.body) + extra


def _texts(field: FieldSpec) -> list[str]:
    instructions = field.generator.instructions if isinstance(field.generator, AIGenerator) else ""
    return [field.name, field.description, instructions]


def _says(texts: Sequence[str], pattern: str) -> bool:
    return any(re.search(pattern, text, re.I) for text in texts)


def _isbn(texts: Sequence[str], limit: int | None, country: str | None) -> Identifier:
    groups = _ISBN_GROUPS.get(country or "", _ISBN_ENGLISH)
    ten = _says(texts, r"isbn[\s_-]?10|\b10[\s-]digit") or (limit is not None and limit < 13)
    if ten:
        return Identifier(scheme=Scheme.ISBN10, prefixes=groups, body="n" * (9 - len(groups[0])), described="ISBN-10s")
    return Identifier(
        scheme=Scheme.ISBN13,
        prefixes=tuple("978" + group for group in groups),
        body="n" * (9 - len(groups[0])),
        described="ISBN-13s",
    )


def _gs1(texts: Sequence[str], country: str | None) -> Identifier:
    prefixes = _GS1_PREFIXES.get(country or "", _GS1_ANY)
    if _says(texts, r"upc"):
        return Identifier(scheme=Scheme.UPCA, prefixes=("0", "6", "7", "8"), body="n" * 10, described="UPC-A codes")
    if _says(texts, r"(gtin|itf)[\s_-]?14"):
        return Identifier(
            scheme=Scheme.GTIN14,
            prefixes=tuple(f"{indicator}{prefix}" for indicator in "12345678" for prefix in prefixes),
            body="n" * (12 - len(prefixes[0])),
            described="GTIN-14s",
        )
    scheme = Scheme.EAN8 if _says(texts, r"(ean|gtin)[\s_-]?8\b") else Scheme.EAN13
    three = tuple(prefix.ljust(3, "0")[:3] for prefix in prefixes) if scheme is Scheme.EAN8 else prefixes
    body = "n" * (LENGTHS[scheme] - 1 - len(three[0]))
    return Identifier(scheme=scheme, prefixes=three, body=body, described=f"{scheme.value} barcodes")


def _card(texts: Sequence[str], limit: int | None) -> Identifier | None:
    if _says(texts, r"imei"):
        return Identifier(scheme=Scheme.IMEI, prefixes=("35", "86", "01"), body="n" * 12, described="IMEI numbers")
    brands = [card for card in _CARDS if _says(texts, card[0].pattern)]
    # No brand named: Visa's 16 digits, or American Express's 15 when only 15 characters fit.
    if not brands:
        brands = [_CARDS[0] if limit == 15 else _CARDS[-1]]
    _words, name, prefixes, length = brands[0]
    uniform = tuple(prefix for prefix in prefixes if len(prefix) == len(prefixes[0]))
    return Identifier(
        scheme=Scheme.CARD, prefixes=uniform, body="n" * (length - 1 - len(uniform[0])), described=f"{name} numbers"
    )


def _iban(country: str | None) -> Identifier:
    code = country if country in _IBAN_COUNTRIES else _IBAN_DEFAULT
    body = "".join(kind * int(count) for count, kind in _BBAN_PART.findall(_BBANS[code]))
    country_words = f"{code} IBANs" if code == country else f"{code} IBANs (no IBAN country named)"
    return Identifier(scheme=Scheme.IBAN, prefixes=(code,), body=body, described=country_words)


def identifier_for(field: FieldSpec, table: TableSpec, context: str, locale: str) -> Identifier | None:
    """The identifier code makes for an AI text field whose meaning implies a check digit; None when it does
    not, or when the field's length limit is too short for one (the model then writes it, and the judge checks
    the digit)."""
    kind = implied_check_digit(field)
    if kind is None:
        return None
    texts = _texts(field)
    around = [table.description, table.display_name or "", table.table_name, context]
    codes = _IBAN_COUNTRIES if kind is CheckDigit.IBAN else None
    country = country_of(texts, around, locale, codes)
    limit = field.length_limit
    if kind is CheckDigit.ISBN:
        identifier: Identifier | None = _isbn(texts, limit, country)
    elif kind is CheckDigit.EAN:
        identifier = _gs1(texts, country)
    elif kind is CheckDigit.IBAN:
        identifier = _iban(country)
    else:
        identifier = _card(texts, limit)
    if identifier is None or (limit is not None and identifier.length > limit):
        return None
    if field.min_length is not None and identifier.length < field.min_length:
        return None
    return identifier


_CLASSES = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits}


def identifier_pool(field: FieldSpec, identifier: Identifier, size: int, seed: int | None) -> list[str]:
    """Up to `size` distinct valid identifiers for `field`, the same for the same seed and field.

    Each value: a prefix and random characters drawn with the seed, then the computed check digit(s); kept
    when it passes the scheme's check, the field's own rules and the judge's placeholder rules (no made-up
    digit runs), and is new. Fewer than `size` only when the draws allowed run out (a national check digit
    that rarely passes)."""
    # A string seed is hashed the same way in every process (unlike hash()), so pools are reproducible.
    draw = random.Random(f"{seed if seed is not None else 'no seed'}|{field.model_dump_json()}|{identifier.scheme}")
    wanted = min(size, MAX_POOL)
    made: dict[str, None] = {}
    for _ in range(wanted * _DRAWS_PER_VALUE):
        if len(made) >= wanted:
            break
        body = draw.choice(identifier.prefixes) + "".join(draw.choice(_CLASSES[kind]) for kind in identifier.body)
        value = complete(identifier.scheme, body)
        if (
            value not in made
            and is_valid(identifier.scheme, value)
            and value_problem(field, value) is None
            and placeholder_problem(field, value) is None
        ):
            made[value] = None
    return list(made)
