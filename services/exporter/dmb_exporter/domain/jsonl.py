"""JSON Lines export: one JSON object per row, keys = field names, UTF-8, "\\n" line ends.

Decimals are written as JSON strings: a JSON number is read back as a binary float by most parsers, which
would silently turn 0.10 into 0.1000000000000000055..., while "0.10" keeps the exact value and its scale.
Dates, datetimes and times are ISO 8601 strings; UUIDs their canonical text; a json column's document is
nested as it is. Non-finite floats (JSON has none) are the strings "NaN",
"Infinity" and "-Infinity".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from dmb_contracts.commands import EXPORT_CONTENT_TYPES, ExportFormat
from dmb_contracts.fields import TableSpec

JSONL_CONTENT_TYPE = EXPORT_CONTENT_TYPES[ExportFormat.JSONL]


def json_value(value: object) -> object:
    """One value as something `json` writes losslessly."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):  # a json column's document stays a nested JSON value
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return str(value)  # UUIDs as their canonical text


def write_jsonl(rows: Iterable[Sequence[object]], spec: TableSpec, path: Path) -> int:
    """Write the rows (values in spec.fields order) as JSON Lines at `path`; returns the rows written."""
    names = [field.name for field in spec.fields]
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for values in rows:
            if len(values) != len(names):
                raise ValueError(f"a row has {len(values)} values for {len(names)} fields")
            handle.write(encode({name: json_value(value) for name, value in zip(names, values, strict=True)}))
            handle.write("\n")
            count += 1
    return count
