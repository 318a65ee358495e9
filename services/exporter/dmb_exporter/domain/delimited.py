"""CSV export: RFC 4180 (quoted as needed, CRLF line ends), UTF-8, a header row, formula injection escaped."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from dmb_contracts.fields import StorageType, TableSpec

from dmb_exporter.domain.values import FORMULA_PREFIXES, decimal_text, float_text, json_text, looks_like_formula

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def csv_text(value: object) -> str:
    """One value as CSV text.

    Numbers stay numbers, even negative ones: "-5" from a number column is data, not an injection. Any text
    starting with = + - @ tab or CR gets a leading single quote (OWASP's CSV-injection advice), so Excel and
    LibreOffice show it instead of running it; that quote is part of the exported text.
    """
    if value is None:
        return ""  # NULL: an empty field
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dt.datetime):
        # ISO 8601 with a space (RFC 3339 allows it), which spreadsheets read as a date-time, unlike "T".
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):  # a json column's document
        text = json_text(value)
        return "'" + text if looks_like_formula(text) else text
    text = bytes(value).hex() if isinstance(value, bytes | bytearray | memoryview) else str(value)
    return "'" + text if looks_like_formula(text) else text


#: Rows encoded at a time: each column of a batch is converted by one comprehension, then the csv module
#: (C code) quotes and joins the whole batch; a few thousand rows keep that memory small.
CSV_BATCH_ROWS = 4096
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)  # every prefix is one character

Column = Sequence[object]
ColumnConverter = Callable[[Column], Column]


def _texts(column: Column) -> Column:
    # Text that cannot be a formula goes as it is; anything else (formula-like, or not a str) via csv_text.
    first = _FORMULA_FIRST
    return [v if type(v) is str and v[:1] not in first else csv_text(v) for v in column]


def _integers(column: Column) -> Column:
    # The csv module writes an int (and None as an empty field) as str() would.
    return [v if type(v) is int or v is None else csv_text(v) for v in column]


def _decimals(column: Column) -> Column:
    return [format(v, "f") if type(v) is Decimal and v.is_finite() else csv_text(v) for v in column]


def _floats(column: Column) -> Column:
    # The csv module writes a float as repr(), the text float_text gives finite floats.
    return [v if type(v) is float and math.isfinite(v) else csv_text(v) for v in column]


def _booleans(column: Column) -> Column:
    return ["true" if v is True else "false" if v is False else csv_text(v) for v in column]


def _temporals(column: Column) -> Column:
    # str() of a date, time or datetime is its isoformat (a space between date and time), as csv_text has it.
    return [v if type(v) in _TEMPORAL_TYPES or v is None else csv_text(v) for v in column]


def _uuids(column: Column) -> Column:
    return [v if type(v) is uuid.UUID or v is None else csv_text(v) for v in column]


def _any_values(column: Column) -> Column:
    return [csv_text(v) for v in column]


_TEMPORAL_TYPES = frozenset({dt.date, dt.datetime, dt.time})
_CONVERTERS: dict[StorageType, ColumnConverter] = {
    StorageType.STRING: _texts,
    StorageType.TEXT: _texts,
    StorageType.EMAIL: _texts,
    StorageType.URL: _texts,
    StorageType.INTEGER: _integers,
    StorageType.BIG_INTEGER: _integers,
    StorageType.DECIMAL: _decimals,
    StorageType.FLOAT: _floats,
    StorageType.BOOLEAN: _booleans,
    StorageType.DATE: _temporals,
    StorageType.DATETIME: _temporals,
    StorageType.TIME: _temporals,
    StorageType.UUID: _uuids,
    StorageType.JSON: _any_values,
}


def csv_converters(spec: TableSpec) -> list[ColumnConverter]:
    """One converter per field, chosen by the type of its values (a foreign key's are its key's): each turns a
    column of values into what the csv module writes as exactly `csv_text` of each value."""
    return [_CONVERTERS.get(field.value_type, _any_values) for field in spec.fields]


def write_csv(rows: Iterable[Sequence[object]], spec: TableSpec, path: Path, *, excel_bom: bool = False) -> int:
    """Write the rows (values in spec.fields order) as CSV at `path`; returns the data rows written.

    `excel_bom` starts the file with a UTF-8 byte-order mark, which Excel needs to read it as UTF-8.
    """
    count = 0
    converters = csv_converters(spec)
    width = len(spec.fields)
    remaining = iter(rows)
    with path.open("w", encoding="utf-8-sig" if excel_bom else "utf-8", newline="", buffering=1 << 20) as handle:
        writer = csv.writer(handle, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([csv_text(field.name) for field in spec.fields])
        while batch := list(itertools.islice(remaining, CSV_BATCH_ROWS)):
            for values in batch:
                if len(values) != width:
                    raise ValueError(f"a row has {len(values)} values for {width} fields")
            columns = [convert(column) for convert, column in zip(converters, zip(*batch, strict=True), strict=True)]
            writer.writerows(zip(*columns, strict=True))
            count += len(batch)
    return count
