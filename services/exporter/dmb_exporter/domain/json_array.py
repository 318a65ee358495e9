"""JSON export: one array of objects (keys = field names), produced piece by piece so memory stays constant.

Values are encoded as in JSON Lines (domain.jsonl.json_value): decimals as strings keeping their scale,
dates and times as ISO 8601, a json column's document nested as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from dmb_contracts.commands import EXPORT_CONTENT_TYPES, ExportFormat
from dmb_contracts.fields import TableSpec

from dmb_exporter.domain.jsonl import json_value

JSON_CONTENT_TYPE = EXPORT_CONTENT_TYPES[ExportFormat.JSON]


def json_array_pieces(rows: Iterable[Sequence[object]], spec: TableSpec) -> Iterator[str]:
    """The text of a JSON array holding one object per row, one row's object (with its separator) a piece;
    the pieces joined are one valid JSON document, "[]" for no rows."""
    names = [field.name for field in spec.fields]
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    separator = "[\n"
    for values in rows:
        if len(values) != len(names):
            raise ValueError(f"a row has {len(values)} values for {len(names)} fields")
        yield separator + encode({name: json_value(value) for name, value in zip(names, values, strict=True)})
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"
