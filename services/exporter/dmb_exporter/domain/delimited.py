"""CSV export: RFC 4180 (quoted as needed, CRLF line ends), UTF-8, a header row, formula injection escaped."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from dmb_contracts.fields import TableSpec

from dmb_exporter.domain.values import decimal_text, float_text, json_text, looks_like_formula

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


def write_csv(rows: Iterable[Sequence[object]], spec: TableSpec, path: Path, *, excel_bom: bool = False) -> int:
    """Write the rows (values in spec.fields order) as CSV at `path`; returns the data rows written.

    `excel_bom` starts the file with a UTF-8 byte-order mark, which Excel needs to read it as UTF-8.
    """
    count = 0
    convert: Callable[[object], str] = csv_text
    with path.open("w", encoding="utf-8-sig" if excel_bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([csv_text(field.name) for field in spec.fields])
        width = len(spec.fields)
        for values in rows:
            if len(values) != width:
                raise ValueError(f"a row has {len(values)} values for {width} fields")
            writer.writerow([convert(value) for value in values])
            count += 1
    return count
