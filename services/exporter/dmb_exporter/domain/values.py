"""Value rules shared by the export formats: what looks like a formula, how Excel counts days and text."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal

#: A cell whose text starts with one of these may be run as a formula by a spreadsheet (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Excel's limit on the characters of one cell (counted in UTF-16 code units, as Excel stores text).
EXCEL_MAX_CELL_CHARS = 32_767
#: Excel's rows per sheet (1,048,576) minus the header row.
EXCEL_MAX_DATA_ROWS = 1_048_575
EXCEL_MAX_SHEET_TITLE = 31

# Excel's day 0 in the 1900 date system is 1899-12-30 once its phantom 1900-02-29 (serial 60) is accounted for.
_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
_MARCH_1900_ORDINAL = dt.date(1900, 3, 1).toordinal()
#: The first day Excel's 1900 date system can show; earlier dates are exported as ISO text.
EXCEL_FIRST_DATE = dt.date(1900, 1, 1)
_SECONDS_PER_DAY = 86_400.0

#: Characters XML 1.0 forbids; a worksheet holding them is unreadable, so they are dropped.
ILLEGAL_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def decimal_text(value: Decimal) -> str:
    """A decimal in fixed notation (str() would write 1E+2 for some values); NaN and infinities as str() has them."""
    return format(value, "f") if value.is_finite() else str(value)


def float_text(value: float) -> str:
    """A float as the shortest text that reads back exactly; NaN, Infinity and -Infinity for the others."""
    if math.isfinite(value):
        return repr(value)
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def excel_day(value: dt.date) -> int:
    """The Excel serial day of a date on or after 1900-01-01 (Lotus's phantom 1900-02-29 kept, as Excel does)."""
    ordinal = value.toordinal()
    serial = ordinal - _EPOCH_ORDINAL
    return serial if ordinal >= _MARCH_1900_ORDINAL else serial - 1


def excel_serial(value: dt.datetime) -> float:
    """The Excel serial number (days and fraction) of a naive datetime on or after 1900-01-01."""
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000
    return excel_day(value) + seconds / _SECONDS_PER_DAY


def excel_time(value: dt.time) -> float:
    """A time of day as Excel stores it: the fraction of a day (shown with a time number format)."""
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000
    return seconds / _SECONDS_PER_DAY


def json_text(value: object) -> str:
    """A JSON document (a json column's value) as compact JSON text, non-ASCII kept as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)


def fit_excel_text(text: str) -> tuple[str, bool]:
    """The text cut to Excel's cell limit, and whether it had to be cut."""
    # A code point is one or two UTF-16 units, so only text over half the limit can possibly be too long.
    if len(text) <= EXCEL_MAX_CELL_CHARS // 2:
        return text, False
    units = text.encode("utf-16-le")
    if len(units) <= 2 * EXCEL_MAX_CELL_CHARS:
        return text, False
    # "ignore" drops a high surrogate cut off from its pair instead of leaving half a character.
    return units[: 2 * EXCEL_MAX_CELL_CHARS].decode("utf-16-le", errors="ignore"), True


def without_illegal_xml(text: str) -> str:
    return ILLEGAL_XML_CHARS.sub("", text)
