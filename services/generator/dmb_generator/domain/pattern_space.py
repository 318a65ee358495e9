"""The fixed-shape values of a regular expression, numbered, for unique values that match a pattern.

The pattern is read with Python's own parser into a sequence of character slots (a repeat takes a fixed
count; an alternation takes its largest branch). Value k is k written in mixed radix over the slots, so
distinct k give distinct strings, every one of which matches the pattern.
"""

from __future__ import annotations

import importlib
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# The regular-expression parser the re module itself uses (private, but stable since Python 3.11).
sre_parse: Any = importlib.import_module("re._parser")
sre_constants: Any = importlib.import_module("re._constants")

_OPEN_REPEAT = 8  # the count used for an unbounded repeat such as \d+
_ANY = string.ascii_letters + string.digits
_PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "
_CATEGORIES = {
    sre_constants.CATEGORY_DIGIT: string.digits,
    sre_constants.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_DIGIT: string.ascii_letters + "_",
    sre_constants.CATEGORY_NOT_WORD: "-.,:;!?@#",
    sre_constants.CATEGORY_NOT_SPACE: _ANY,
}


class UnsupportedPattern(ValueError):
    pass


@dataclass(frozen=True)
class PatternSpace:
    slots: tuple[str, ...]

    @property
    def size(self) -> int:
        size = 1
        for slot in self.slots:
            size *= len(slot)
        return size

    @property
    def length(self) -> int:
        return len(self.slots)

    def value(self, index: int) -> str:
        chars = []
        for slot in reversed(self.slots):
            index, digit = divmod(index, len(slot))
            chars.append(slot[digit])
        return "".join(reversed(chars))


def _charset(items: Any) -> str:
    chars: list[str] = []
    negate = False
    for op, arg in items:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL:
            chars.append(chr(arg))
        elif op is sre_constants.RANGE:
            chars.extend(chr(code) for code in range(arg[0], arg[1] + 1))
        elif op is sre_constants.CATEGORY and arg in _CATEGORIES:
            chars.extend(_CATEGORIES[arg])
        else:
            raise UnsupportedPattern(f"character class item {op} is not supported for unique values")
    if negate:
        excluded = set(chars)
        chars = [char for char in _PRINTABLE if char not in excluded]
    return "".join(dict.fromkeys(chars))


def _slots(parsed: Any) -> list[str]:
    slots: list[str] = []
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            slots.append(chr(arg))
        elif op is sre_constants.IN:
            slots.append(_charset(arg))
        elif op is sre_constants.ANY:
            slots.append(_ANY)
        elif op in (
            sre_constants.MAX_REPEAT,
            sre_constants.MIN_REPEAT,
            getattr(sre_constants, "POSSESSIVE_REPEAT", None),
        ):
            low, high, sub = arg
            count = low if low == high else (high if high != sre_constants.MAXREPEAT else max(low, _OPEN_REPEAT))
            slots.extend(_slots(sub) * count)
        elif op is sre_constants.SUBPATTERN:
            slots.extend(_slots(arg[-1]))
        elif op is sre_constants.BRANCH:
            branches = [_slots(branch) for branch in arg[1]]
            slots.extend(max(branches, key=lambda branch: PatternSpace(tuple(branch)).size))
        elif op is sre_constants.AT:
            continue
        else:
            raise UnsupportedPattern(f"{op} in a pattern is not supported for unique values")
    if any(not slot for slot in slots):
        raise UnsupportedPattern("a character class in the pattern matches nothing printable")
    return slots


@lru_cache(maxsize=256)
def pattern_space(pattern: str) -> PatternSpace:
    """The numbered values of `pattern`; UnsupportedPattern when it has no fixed shape we can number."""
    space = PatternSpace(tuple(_slots(sre_parse.parse(pattern))))
    compiled = re.compile(pattern)
    for probe in {0, space.size - 1, space.size // 2}:
        if not compiled.fullmatch(space.value(probe)):
            raise UnsupportedPattern(f"values of the pattern {pattern!r} cannot be numbered")
    return space
