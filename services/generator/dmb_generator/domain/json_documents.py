"""Small JSON objects for json fields, drawn from the column's seeded stream (no Faker: fast and stable)."""

from __future__ import annotations

from typing import Any

from dmb_contracts.fields import JsonObjectGenerator

from dmb_generator.domain.context import ColumnContext
from dmb_generator.domain.seeding import stream_key

#: Keys used when the generator names none: a product-like attribute bag.
DEFAULT_KEYS = ("name", "color", "size", "count", "price", "active", "tags", "rating")
_WORDS = (
    "alpha", "amber", "azure", "bright", "cedar", "coral", "delta", "ember", "fern", "flint", "frost", "gold",
    "harbor", "iris", "ivory", "jade", "lilac", "maple", "mint", "nova", "olive", "onyx", "pearl", "pine",
    "quartz", "river", "ruby", "sage", "slate", "stone", "tide", "velvet",
)  # fmt: skip
_KINDS = ("word", "integer", "number", "boolean", "words")
_HINTS = {
    "count": "integer", "size": "integer", "quantity": "integer", "qty": "integer", "age": "integer", "id": "integer",
    "price": "number", "rating": "number", "score": "number", "weight": "number", "amount": "number",
    "active": "boolean", "enabled": "boolean", "visible": "boolean", "tags": "words", "labels": "words",
}  # fmt: skip


def _kind(key: str, arrays: bool) -> str:
    """A key's value kind: from its name where it says (count, price, active, tags ...), else a stable pick."""
    kind = _HINTS.get(key.lower()) or _KINDS[stream_key("json key", key) % len(_KINDS)]
    return "word" if kind == "words" and not arrays else kind


def json_objects(generator: JsonObjectGenerator, ctx: ColumnContext) -> list[Any]:
    keys = list(generator.keys) if generator.keys is not None else list(DEFAULT_KEYS)
    rng, rows = ctx.rng, ctx.rows
    columns: list[list[Any]] = []
    for key in keys:
        kind = _kind(key, generator.arrays)
        if kind == "integer":
            values: list[Any] = rng.integers(0, 1000, rows).tolist()
        elif kind == "number":
            values = [round(value, 2) for value in (rng.random(rows) * 100).tolist()]
        elif kind == "boolean":
            values = (rng.random(rows) < 0.5).tolist()
        elif kind == "words":
            lengths = rng.integers(1, 4, rows).tolist()
            picks = rng.integers(0, len(_WORDS), (rows, 3)).tolist()
            values = [[_WORDS[pick] for pick in row[:length]] for row, length in zip(picks, lengths, strict=True)]
        else:
            values = [_WORDS[pick] for pick in rng.integers(0, len(_WORDS), rows).tolist()]
        columns.append(values)
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
