"""Check digits for values made from a pattern whose field implies a scheme (ISBN, EAN, IBAN, Luhn).

A pattern like `^97[89][0-9]{10}$` on an `isbn` field makes 13 digits of which the last is a check digit:
drawn at random it is wrong nine times in ten. Here the characters a scheme computes are taken out of the
draw and computed from the others. For unique values the numbered pattern space (pattern_space) is numbered
without those characters, so distinct numbers still give distinct values: uniqueness by construction.

The scheme comes from the shared rule dmb_contracts.check_digits.implied_check_digit (the AI judge uses the
same). A pattern whose values cannot all carry the scheme (an ISBN-13 pattern not starting 978/979, an IBAN
pattern without a fixed country or with the wrong length for it) is left as it is.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dmb_contracts.check_digits import CheckDigit, implied_check_digit, isbn10_check_digit
from dmb_contracts.fields import FieldSpec
from stdnum import ean, iban, isbn, luhn

from dmb_generator.domain.pattern_space import PatternSpace, UnsupportedPattern, pattern_space

_DIGITS = frozenset(string.digits)
_EAN_LENGTHS = (8, 12, 13, 14)
_LUHN_LENGTHS = range(12, 20)


def _digits_only(slot: str) -> bool:
    return set(slot) <= _DIGITS


def _any_digit(slot: str) -> bool:
    return set(slot) >= _DIGITS


def _complete_isbn10(text: str, positions: tuple[int, ...]) -> str:
    if positions == (9,):
        return text[:9] + isbn10_check_digit(text[:9])
    # The pattern allows no X at the end: the ninth digit is 0, or 1 when 0 would need an X (never both).
    for ninth in "01":
        check = isbn10_check_digit(text[:8] + ninth)
        if check != "X":
            return text[:8] + ninth + check
    raise AssertionError("an ISBN-10 needs an X after neither 0 nor 1 as its ninth digit")  # pragma: no cover


def complete(kind: CheckDigit, positions: tuple[int, ...], text: str) -> str:
    """`text` with the characters at `positions` replaced by the check digits of `kind`."""
    if kind is CheckDigit.IBAN:
        return text[:2] + iban.calc_check_digits(text) + text[4:]
    if kind is CheckDigit.ISBN and len(text) == 10:
        return _complete_isbn10(text, positions)
    calc: Callable[[str], str] = luhn.calc_check_digit if kind is CheckDigit.LUHN else ean.calc_check_digit
    return text[:-1] + calc(text[:-1])


_VALID: dict[CheckDigit, Callable[[str], bool]] = {
    CheckDigit.ISBN: isbn.is_valid,
    CheckDigit.EAN: ean.is_valid,
    CheckDigit.IBAN: iban.is_valid,
    CheckDigit.LUHN: luhn.is_valid,
}


def _positions(kind: CheckDigit, slots: Sequence[str]) -> tuple[int, ...] | None:
    """Where the check digits go in values of `slots` (None: such values cannot all carry them)."""
    length = len(slots)
    last = length - 1
    if kind is CheckDigit.IBAN:
        fixed_country = length > 4 and all(len(slot) == 1 and slot.isupper() for slot in slots[:2])
        return (2, 3) if fixed_country and _any_digit(slots[2]) and _any_digit(slots[3]) else None
    if kind is CheckDigit.ISBN and length == 10 and all(_digits_only(slot) for slot in slots[:9]):
        if _DIGITS | {"X"} <= set(slots[9]):
            return (9,)
        return (8, 9) if _any_digit(slots[8]) and _any_digit(slots[9]) else None
    if not all(_digits_only(slot) for slot in slots) or not _any_digit(slots[last]):
        return None
    if kind is CheckDigit.ISBN:
        starts_97x = slots[0] == "9" and slots[1] == "7" and set(slots[2]) <= {"8", "9"}
        return (last,) if length == 13 and starts_97x else None
    if kind is CheckDigit.EAN:
        return (last,) if length in _EAN_LENGTHS else None
    return (last,) if length in _LUHN_LENGTHS else None


@dataclass(frozen=True)
class CheckedSpace:
    """The numbered values of a pattern whose check digits are computed: `space` has those characters fixed,
    so its size counts the distinct values and value k is its value k completed."""

    space: PatternSpace
    kind: CheckDigit
    positions: tuple[int, ...]

    @property
    def size(self) -> int:
        return self.space.size

    @property
    def length(self) -> int:
        return self.space.length

    def value(self, index: int) -> str:
        return complete(self.kind, self.positions, self.space.value(index))


@lru_cache(maxsize=256)
def _checked(kind: CheckDigit, space: PatternSpace) -> CheckedSpace | None:
    positions = _positions(kind, space.slots)
    if positions is None:
        return None
    fixed = tuple(slot[0] if index in positions else slot for index, slot in enumerate(space.slots))
    checked = CheckedSpace(PatternSpace(fixed), kind, positions)
    # Some schemes also check more than a digit (an IBAN's country format): probe before promising.
    probes = {0, checked.size // 2, checked.size - 1}
    return checked if all(_VALID[kind](checked.value(probe)) for probe in probes) else None


def numbered_space(field: FieldSpec) -> PatternSpace | CheckedSpace:
    """The numbered values of the field's pattern, with check digits computed where the field implies them.
    Raises UnsupportedPattern as pattern_space does."""
    if field.pattern is None:
        raise UnsupportedPattern("the field has no pattern")
    space = pattern_space(field.pattern)
    kind = implied_check_digit(field)
    checked = _checked(kind, space) if kind is not None else None
    return checked if checked is not None else space


def checked_shape(field: FieldSpec) -> CheckedSpace | None:
    """The check-digit shape of the field's pattern for drawn (not numbered) values, if it has one."""
    try:
        space = numbered_space(field)
    except UnsupportedPattern:
        return None
    return space if isinstance(space, CheckedSpace) else None
