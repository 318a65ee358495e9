"""Derived fields: values rendered from other fields of the same row by a template (dmb_contracts.templates).

Fields are generated in dependency order, so a template reads the final values of the fields it names (after
their constraints, uniqueness and nulls): an email built from first_name shows the very name stored in the
row. Rendering works a column at a time: each reference is looked up, filtered and stringified for the whole
chunk, then the parts are joined row by row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from dmb_contracts.fields import TemplateGenerator
from dmb_contracts.templates import FILTERS, Reference, parse_template

from dmb_generator.domain.context import ColumnContext

#: Letters NFKD does not split into a base letter and an accent.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "\u0131": "i",  # dotless i
    }
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def transliterate(text: str) -> str:
    """ASCII only: accents dropped ("José" -> "Jose"), special letters spelled out ("Straße" -> "Strasse")."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    return _NOT_SLUG.sub("-", transliterate(text).lower()).strip("-")


_Filter = Callable[[str, int | None], str]
FILTER_FUNCTIONS: dict[str, _Filter] = {
    "lower": lambda text, _: text.lower(),
    "upper": lambda text, _: text.upper(),
    "title": lambda text, _: text.title(),
    "trim": lambda text, _: text.strip(),
    "ascii": lambda text, _: transliterate(text),
    "slug": lambda text, _: _slug(text),
    "alnum": lambda text, _: _NOT_ALNUM.sub("", transliterate(text)),
    "initial": lambda text, _: text[:1],
    "truncate": lambda text, limit: text[:limit],
}
assert set(FILTER_FUNCTIONS) == set(FILTERS), "every filter of the template language has an implementation"


def as_text(value: object) -> str:
    """How a value reads inside a template: null as nothing, booleans and dates as in JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value if isinstance(value, str) else str(value)


def _reference_column(reference: Reference, values: Sequence[Any]) -> list[str]:
    texts = [as_text(value) for value in values]
    for name, argument in reference.filters:
        apply = FILTER_FUNCTIONS[name]
        texts = [apply(text, argument) for text in texts]
    return texts


def render(generator: TemplateGenerator, columns: Mapping[str, Sequence[Any]], rows: int) -> list[str]:
    """The template for each of `rows` rows, reading the referenced fields' values from `columns`."""
    pieces: list[list[str]] = []
    for part in parse_template(generator.template):
        pieces.append([part] * rows if isinstance(part, str) else _reference_column(part, columns[part.field]))
    return ["".join(row) for row in zip(*pieces, strict=True)]


def template_values(generator: TemplateGenerator, ctx: ColumnContext) -> list[Any]:
    missing = [name for name in generator.references if ctx.columns is None or name not in ctx.columns]
    if missing:
        # generate_chunk orders fields by their references; only a caller skipping it can get here.
        raise ValueError(f"field {ctx.field.name!r}: the template needs {', '.join(map(repr, missing))} first")
    assert ctx.columns is not None
    return render(generator, ctx.columns, ctx.rows)
