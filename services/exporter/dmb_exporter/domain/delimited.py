"""CSV export: RFC 4180 (quoted as needed, CRLF line ends), UTF-8, a header row, formula injection escaped."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from dmb_contracts.commands import EXPORT_CONTENT_TYPES, ExportFormat
from dmb_contracts.fields import StorageType, TableSpec

from dmb_exporter.domain.values import FORMULA_PREFIXES, decimal_text, float_text, json_text, looks_like_formula

CSV_CONTENT_TYPE = EXPORT_CONTENT_TYPES[ExportFormat.CSV]


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


#: Rows encoded at a time: each column of a batch is turned into its fields' text by one comprehension,
#: quoted only if the column holds a character that needs it, and the rows are joined in C (str.join); the
#: csv module did the same work ~8 times slower (profile in docs/performance.md). A few thousand rows keep
#: the batch's memory small.
CSV_BATCH_ROWS = 4096
_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)  # every prefix is one character
#: RFC 4180 quotes a field holding any of these (as the csv module's QUOTE_MINIMAL does with CRLF line ends).
_NEEDS_QUOTES = ('"', ",", "\r", "\n")

Column = Sequence[object]
Texts = list[str]
ColumnConverter = Callable[[Column], Texts]


def _texts(column: Column) -> Texts:
    # Text that cannot be a formula goes as it is; anything else (formula-like, NULL, not a str) via csv_text.
    first = _FORMULA_FIRST
    return [v if type(v) is str and v[:1] not in first else csv_text(v) for v in column]


def _integers(column: Column) -> Texts:
    return [str(v) if type(v) is int else csv_text(v) for v in column]


def _decimals(column: Column) -> Texts:
    return [format(v, "f") if type(v) is Decimal and v.is_finite() else csv_text(v) for v in column]


def _floats(column: Column) -> Texts:
    return [repr(v) if type(v) is float and math.isfinite(v) else csv_text(v) for v in column]


def _booleans(column: Column) -> Texts:
    return ["true" if v is True else "false" if v is False else csv_text(v) for v in column]


def _temporals(column: Column) -> Texts:
    # str() of a date, time or datetime is its isoformat (a space between date and time), as csv_text has it.
    return [str(v) if type(v) in _TEMPORAL_TYPES else csv_text(v) for v in column]


def _uuids(column: Column) -> Texts:
    return [str(v) if type(v) is uuid.UUID else csv_text(v) for v in column]


def _any_values(column: Column) -> Texts:
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
    column of values into `csv_text` of each value."""
    return [_CONVERTERS.get(field.value_type, _any_values) for field in spec.fields]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def quoted_fields(texts: Texts, *, only_field: bool = False) -> Texts:
    """The fields of one column, quoted where RFC 4180 needs it; a column with nothing to quote (checked on
    its joined text, in C) comes back as it is. `only_field`: the row has this one field, where an empty
    field is written "" (else the line would be blank, as the csv module also does)."""
    joined = "".join(texts)
    if only_field and "" in texts:
        return [_quote(v) if v == "" or any(c in v for c in _NEEDS_QUOTES) else v for v in texts]
    if not any(c in joined for c in _NEEDS_QUOTES):
        return texts
    return [_quote(v) if ('"' in v or "," in v or "\n" in v or "\r" in v) else v for v in texts]


def write_csv(rows: Iterable[Sequence[object]], spec: TableSpec, path: Path, *, excel_bom: bool = False) -> int:
    """Write the rows (values in spec.fields order) as CSV at `path`; returns the data rows written.

    RFC 4180: fields quoted only where needed, CRLF line ends, UTF-8, a header row. `excel_bom` starts the
    file with a UTF-8 byte-order mark, which Excel needs to read it as UTF-8.
    """
    count = 0
    converters = csv_converters(spec)
    width = len(spec.fields)
    only = width == 1
    remaining = iter(rows)
    with path.open("w", encoding="utf-8-sig" if excel_bom else "utf-8", newline="", buffering=1 << 20) as handle:
        header = [quoted_fields([csv_text(field.name)], only_field=only)[0] for field in spec.fields]
        handle.write(",".join(header) + "\r\n")
        while batch := list(itertools.islice(remaining, CSV_BATCH_ROWS)):
            for values in batch:
                if len(values) != width:
                    raise ValueError(f"a row has {len(values)} values for {width} fields")
            columns = [
                quoted_fields(convert(column), only_field=only)
                for convert, column in zip(converters, zip(*batch, strict=True), strict=True)
            ]
            handle.write("\r\n".join(map(",".join, zip(*columns, strict=True))))
            handle.write("\r\n")
            count += len(batch)
    return count
