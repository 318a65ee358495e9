"""The Excel workbook's pure parts: cell and row XML of the data sheets, column widths and sheet titles.

The package around them (styles, the About sheet, the zip) is written by adapters/xlsx_package.py; this
module knows nothing of files or of openpyxl.

How rows become XML
-------------------
Each data sheet's `<sheetData>` is serialised here, a batch of rows at a time: per column, one loop chosen
once from the TableSpec turns the batch's values into `<c>` cells (the common case of each type inline, no
call per cell), then each row's cells are joined into its `<row>`. Anything a column does not expect (a
surprising driver type, NULL aside) takes `RowEncoder._any`, which writes it by its runtime type. The cells
refer to the cell formats by the style ids the package registered (`StyleIds`).

Formula-like text
-----------------
Text is always written as an inline string (`t="inlineStr"`), a cell type Excel never evaluates, so "=1+1"
stays the literal text "=1+1" for Excel, openpyxl and calamine alike. Text starting with = + - @ tab or CR
also gets Excel's quotePrefix style, so that editing the cell in Excel keeps it text instead of turning it
into a formula. No quote character is added to the value itself (that is the CSV rule, where there is no
cell type), so the data reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dmb_contracts.commands import EXPORT_CONTENT_TYPES, ExportFormat
from dmb_contracts.fields import FieldSpec, StorageType, TableSpec

from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.values import (
    EXCEL_FIRST_DATE,
    EXCEL_MAX_CELL_CHARS,
    EXCEL_MAX_SHEET_TITLE,
    FORMULA_PREFIXES,
    ILLEGAL_XML_CHARS,
    excel_day,
    excel_serial,
    excel_time,
    fit_excel_text,
    json_text,
)

XLSX_CONTENT_TYPE = EXPORT_CONTENT_TYPES[ExportFormat.XLSX]

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
ABOUT_TITLE = "About"
HEADER_STYLE_NAME = "DMB header"
#: Rows encoded at a time (one list of cells per column, then one string per batch).
XLSX_BATCH_ROWS = 2000
#: Rows whose display widths size the columns (write-only sheets fix widths before their rows are written).
WIDTH_SAMPLE_ROWS = 200
MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH = 8, 60
#: Integers beyond 15 digits lose digits in Excel (it keeps 15 significant ones), so they go out as text.
MAX_EXACT_EXCEL_INTEGER = 10**15 - 1

_FIRST_EXCEL_DATETIME = dt.datetime.combine(EXCEL_FIRST_DATE, dt.time())
#: Text up to this length cannot exceed Excel's cell limit even in UTF-16, so it skips the length check.
_SHORT_TEXT = EXCEL_MAX_CELL_CHARS // 2
_INVALID_TITLE_CHARS = re.compile(r"[\\*?:/\[\]]")
_RESERVED_TITLES = frozenset({ABOUT_TITLE.lower(), "history"})  # "History" is reserved by Excel itself
#: First characters that keep text off the fast path: formula prefixes (quotePrefix style) and a space
#: (xml:space="preserve"); tab and CR are not printable, so isprintable() already sends them there.
_SLOW_FIRST = frozenset((*FORMULA_PREFIXES, " "))
_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
_MARCH_1900 = dt.date(1900, 3, 1)
_MARCH_1900_DATETIME = dt.datetime(1900, 3, 1)
_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class WorkbookStats:
    """What writing a workbook produced."""

    rows: int
    truncated_cells: int
    sheets: tuple[str, ...]
    #: Rows of each table, in the workbook's order.
    table_rows: tuple[int, ...] = ()


def decimal_format(scale: int) -> str:
    """The number format showing `scale` decimals with thousands separators, e.g. '#,##0.00'."""
    return "#,##0." + "0" * scale if scale > 0 else "#,##0"


def data_sheet_title(table_name: str, number: int) -> str:
    """An Excel-safe title for data sheet `number` (1-based): "name", then "name_2", "name_3", ..."""
    base = _INVALID_TITLE_CHARS.sub("_", table_name).strip("'") or "data"
    if base.lower() in _RESERVED_TITLES:
        base += "_data"
    suffix = "" if number == 1 else f"_{number}"
    return base[: EXCEL_MAX_SHEET_TITLE - len(suffix)] + suffix


@dataclass(frozen=True)
class RowSource:
    """Where a table's rows can be read again by another process, in slices: the datasets database's URL, the
    table as the database names it (physical names) and its schema. The workbook writer may then read and
    encode a large table in worker processes instead of iterating `WorkbookTable.rows`."""

    url: str
    table: TableSpec
    schema: str | None = None
    #: Told the rows written as the worker processes write them (the export's progress); stays in this process.
    on_rows: Callable[[int], None] | None = None


@dataclass(frozen=True)
class WorkbookTable:
    """One table of a workbook: its rows (values in spec.fields order), its spec and its provenance; with a
    `source`, the rows may be read from it instead (in slices, by worker processes), in the same order."""

    rows: Iterable[Sequence[object]]
    spec: TableSpec
    about: ExportAbout
    source: RowSource | None = None


class SheetTitles:
    """Data-sheet titles that stay unique in the workbook, compared as Excel does (case-insensitively), even
    when two table names share their first 31 characters or a name looks like another's continuation."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._count: dict[str, int] = {}

    def next(self, table_name: str) -> str:
        number = self._count.get(table_name, 0)
        while True:
            number += 1
            title = data_sheet_title(table_name, number)
            if title.lower() not in self._used:
                break
        self._count[table_name] = number
        self._used.add(title.lower())
        return title


def column_letter(number: int) -> str:
    """Excel's column name of 1-based column `number`: A … Z, AA … XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class StyleIds:
    """The cell-format ids (xf indexes in styles.xml) the data cells use, registered by the package writer."""

    header: int
    date: int
    datetime: int
    time: int
    quoted_text: int
    #: Decimal scale → the id of its '#,##0.00…' format.
    decimals: dict[int, int]


Encoder = Callable[[Any, str], str]
ColumnEncoder = Callable[[Sequence[Any], list[str]], list[str]]


def xml_escape(text: str) -> str:
    """Text content escaped for XML; `text` must hold no XML-illegal characters."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:  # XML parsers turn a raw CR into LF, so it travels as a character reference
        text = text.replace("\r", "&#13;")
    return text


class RowEncoder:
    """Turns a row of Python values into SpreadsheetML `<row>` XML; one encoder per column, picked once."""

    def __init__(self, spec: TableSpec, styles: StyleIds) -> None:
        self.truncated = 0
        self._styles = styles
        self._date = f' s="{styles.date}"'
        self._datetime = f' s="{styles.datetime}"'
        self._time = f' s="{styles.time}"'
        self._quoted = f' s="{styles.quoted_text}"'
        self._columns = [(self._encoder_for(field), column_letter(i)) for i, field in enumerate(spec.fields, 1)]
        self._column_encoders = [
            self._column_encoder_for(field, letter)
            for field, (_, letter) in zip(spec.fields, self._columns, strict=True)
        ]
        self.header = self._header(spec)

    @property
    def column_count(self) -> int:
        return len(self._columns)

    def rows(self, batch: Sequence[Sequence[object]], first_number: int) -> str:
        """The `<row>` XML of a batch of rows, the first of them numbered `first_number`."""
        width = len(self._columns)
        for values in batch:
            if len(values) != width:
                raise ValueError(f"a row has {len(values)} values for {width} fields")
        numbers = [str(number) for number in range(first_number, first_number + len(batch))]
        columns = [
            encode(column, numbers)
            for encode, column in zip(self._column_encoders, zip(*batch, strict=True), strict=True)
        ]
        return "".join(
            [
                f'<row r="{r}">{"".join(cells)}</row>'
                for r, cells in zip(numbers, zip(*columns, strict=True), strict=True)
            ]
        )

    def _decimal_style(self, field: FieldSpec) -> int:
        scale = field.scale if field.scale is not None else 2
        if scale not in self._styles.decimals:
            raise ValueError(f"no cell format registered for decimals of scale {scale}")
        return self._styles.decimals[scale]

    def _column_encoder_for(self, field: FieldSpec, letter: str) -> ColumnEncoder:
        """A whole column's cells: the common case of the column's type inline, anything else via `_any`."""
        slow = self._any
        match field.value_type:
            case StorageType.INTEGER | StorageType.BIG_INTEGER:
                low, high = -MAX_EXACT_EXCEL_INTEGER, MAX_EXACT_EXCEL_INTEGER

                def integers(column: Sequence[Any], numbers: list[str]) -> list[str]:
                    return [
                        f'<c r="{letter}{r}"><v>{v}</v></c>'
                        if type(v) is int and low <= v <= high
                        else ("" if v is None else slow(v, letter + r))
                        for v, r in zip(column, numbers, strict=True)
                    ]

                return integers
            case StorageType.DECIMAL:
                style = f' s="{self._decimal_style(field)}"'

                def decimals(column: Sequence[Any], numbers: list[str]) -> list[str]:
                    return [
                        f'<c r="{letter}{r}"{style}><v>{v}</v></c>'
                        if type(v) is Decimal and v.is_finite()
                        else ("" if v is None else slow(v, letter + r))
                        for v, r in zip(column, numbers, strict=True)
                    ]

                return decimals
            case StorageType.DATE:
                date_style, epoch, march = self._date, _EPOCH_ORDINAL, _MARCH_1900

                def dates(column: Sequence[Any], numbers: list[str]) -> list[str]:
                    # On and after 1900-03-01 the serial is the plain day count (excel_day for the rest).
                    return [
                        f'<c r="{letter}{r}"{date_style}><v>{v.toordinal() - epoch}</v></c>'
                        if type(v) is dt.date and v >= march
                        else ("" if v is None else slow(v, letter + r))
                        for v, r in zip(column, numbers, strict=True)
                    ]

                return dates
            case StorageType.DATETIME:
                stamp_style, epoch, march, day = self._datetime, _EPOCH_ORDINAL, _MARCH_1900_DATETIME, _SECONDS_PER_DAY

                def datetimes(column: Sequence[Any], numbers: list[str]) -> list[str]:
                    # excel_serial inline (the same arithmetic, so the same float) for naive datetimes on and
                    # after 1900-03-01; the rest (NULL aside) through _any.
                    return [
                        f'<c r="{letter}{r}"{stamp_style}><v>'
                        f"{(v.toordinal() - epoch) + (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1_000_000) / day!r}"
                        "</v></c>"
                        if type(v) is dt.datetime and v.tzinfo is None and v >= march
                        else ("" if v is None else slow(v, letter + r))
                        for v, r in zip(column, numbers, strict=True)
                    ]

                return datetimes
            case StorageType.STRING | StorageType.TEXT | StorageType.EMAIL | StorageType.URL:
                short, slow_first = _SHORT_TEXT, _SLOW_FIRST

                def texts(column: Sequence[Any], numbers: list[str]) -> list[str]:
                    # Printable text that is short, starts with no formula prefix and has no edge space needs
                    # only escaping; the rest (NULL aside) goes through _text's rules. When the whole column
                    # is printable text, it is escaped at once: joined by NUL (which printable text never
                    # holds), replaced, split back.
                    try:
                        joined = "\0".join(column)
                    except TypeError:  # a NULL or a value of another type: cell by cell
                        escaped: Sequence[str | None] = [None] * len(column)
                    else:
                        if "".join(column).isprintable():
                            escaped = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split("\0")
                        else:
                            escaped = [None] * len(column)
                    return [
                        f'<c r="{letter}{r}" t="inlineStr"><is><t>{e}</t></is></c>'
                        if e is not None and len(v) <= short and v[:1] not in slow_first and v[-1:] != " "
                        else (
                            f'<c r="{letter}{r}" t="inlineStr"><is><t>'
                            f"{v.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</t></is></c>"
                            if type(v) is str
                            and v.isprintable()
                            and len(v) <= short
                            and v[:1] not in slow_first
                            and v[-1:] != " "
                            else ("" if v is None else slow(v, letter + r))
                        )
                        for v, e, r in zip(column, escaped, numbers, strict=True)
                    ]

                return texts
            case _:
                encode = self._encoder_for(field)

                def cells(column: Sequence[Any], numbers: list[str]) -> list[str]:
                    return ["" if v is None else encode(v, letter + r) for v, r in zip(column, numbers, strict=True)]

                return cells

    def _header(self, spec: TableSpec) -> str:
        style = f' s="{self._styles.header}"'
        cells = "".join(
            f'<c r="{letter}1"{style} t="inlineStr"><is><t>{xml_escape(field.name)}</t></is></c>'
            for field, (_, letter) in zip(spec.fields, self._columns, strict=True)
        )
        return f'<row r="1">{cells}</row>'

    def _encoder_for(self, field: FieldSpec) -> Encoder:
        match field.value_type:  # a foreign key's values have the type of the key it points at
            case StorageType.INTEGER | StorageType.BIG_INTEGER:
                return self._integer
            case StorageType.DECIMAL:
                style = f' s="{self._decimal_style(field)}"'
                return lambda value, ref: self._decimal(value, ref, style)
            case StorageType.FLOAT:
                return self._float
            case StorageType.BOOLEAN:
                return self._boolean
            case StorageType.DATE:
                return self._date_cell
            case StorageType.DATETIME:
                return self._datetime_cell
            case StorageType.TIME:
                return self._time_cell
            case StorageType.JSON:
                return self._json_cell
            case StorageType.UUID:
                return self._uuid_cell
            case _:
                return self._text

    # Each encoder takes the fast path for the type its column returns and hands anything else to `_any`,
    # so a surprising driver type is still written correctly, only slower.

    def _integer(self, value: Any, ref: str) -> str:
        if type(value) is int and -MAX_EXACT_EXCEL_INTEGER <= value <= MAX_EXACT_EXCEL_INTEGER:
            return f'<c r="{ref}"><v>{value}</v></c>'
        return self._any(value, ref)

    def _decimal(self, value: Any, ref: str, style: str) -> str:
        if type(value) is Decimal and value.is_finite():
            return f'<c r="{ref}"{style}><v>{value}</v></c>'
        return self._any(value, ref)

    def _float(self, value: Any, ref: str) -> str:
        if type(value) is float and math.isfinite(value):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        return self._any(value, ref)

    def _boolean(self, value: Any, ref: str) -> str:
        if value is True:
            return f'<c r="{ref}" t="b"><v>1</v></c>'
        if value is False:
            return f'<c r="{ref}" t="b"><v>0</v></c>'
        return self._any(value, ref)

    def _date_cell(self, value: Any, ref: str) -> str:
        if type(value) is dt.date and value >= EXCEL_FIRST_DATE:
            return f'<c r="{ref}"{self._date}><v>{excel_day(value)}</v></c>'
        return self._any(value, ref)

    def _datetime_cell(self, value: Any, ref: str) -> str:
        if type(value) is dt.datetime and value.tzinfo is None and value >= _FIRST_EXCEL_DATETIME:
            return f'<c r="{ref}"{self._datetime}><v>{excel_serial(value)!r}</v></c>'
        return self._any(value, ref)

    def _time_cell(self, value: Any, ref: str) -> str:
        if type(value) is dt.time and value.tzinfo is None:
            return f'<c r="{ref}"{self._time}><v>{excel_time(value)!r}</v></c>'
        return self._any(value, ref)

    def _json_cell(self, value: Any, ref: str) -> str:
        # Documents as compact JSON text; a scalar document (a number, true, text) keeps its cell type.
        if isinstance(value, dict | list):
            return self._text(json_text(value), ref)
        return self._any(value, ref)

    def _uuid_cell(self, value: Any, ref: str) -> str:
        return self._text(str(value), ref) if isinstance(value, uuid.UUID) else self._any(value, ref)

    def _text(self, text: Any, ref: str) -> str:
        if type(text) is not str:
            return self._any(text, ref)
        if len(text) > _SHORT_TEXT:
            text, cut = fit_excel_text(text)
            self.truncated += cut
        if not text.isprintable():  # one C-level scan; only text with control characters takes the slow path
            text = ILLEGAL_XML_CHARS.sub("", text)
        style = self._quoted if text.startswith(FORMULA_PREFIXES) else ""
        # Excel trims unmarked leading/trailing spaces of inline strings; openpyxl marks them the same way.
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if "\r" in escaped:  # XML parsers turn a raw CR into LF, so it travels as a character reference
            escaped = escaped.replace("\r", "&#13;")
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'

    def _any(self, value: Any, ref: str) -> str:
        """Any value by its runtime type; what Excel cannot hold exactly goes out as text."""
        if value is None:
            return ""  # NULL: no cell at all
        if isinstance(value, bool):
            return self._boolean(bool(value), ref)
        if isinstance(value, int):
            if -MAX_EXACT_EXCEL_INTEGER <= value <= MAX_EXACT_EXCEL_INTEGER:
                return f'<c r="{ref}"><v>{int(value)}</v></c>'
            return self._text(str(int(value)), ref)
        if isinstance(value, float):
            if math.isfinite(value):
                return f'<c r="{ref}"><v>{float(value)!r}</v></c>'
            return self._text("NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity"), ref)
        if isinstance(value, Decimal):
            if value.is_finite():
                return f'<c r="{ref}"><v>{value}</v></c>'
            return self._text(str(value), ref)
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:  # Excel has no time zones: show the instant in UTC
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            if value >= _FIRST_EXCEL_DATETIME:
                return f'<c r="{ref}"{self._datetime}><v>{excel_serial(value)!r}</v></c>'
            return self._text(value.isoformat(sep=" "), ref)
        if isinstance(value, dt.date):
            if value >= EXCEL_FIRST_DATE:
                return f'<c r="{ref}"{self._date}><v>{excel_day(value)}</v></c>'
            return self._text(value.isoformat(), ref)
        if isinstance(value, dt.time):
            if value.tzinfo is None:
                return f'<c r="{ref}"{self._time}><v>{excel_time(value)!r}</v></c>'
            return self._text(value.isoformat(), ref)
        if isinstance(value, dict | list):
            return self._text(json_text(value), ref)
        if isinstance(value, bytes | bytearray | memoryview):
            return self._text(bytes(value).hex(), ref)
        return self._text(str(value), ref)


class ColumnWidths:
    """Column widths from the header and a sample of the first rows, in Excel's character units."""

    def __init__(self, spec: TableSpec) -> None:
        self._fields = spec.fields
        # Bold header text plus room for the auto-filter button.
        self.widths = [len(field.name) + 4 for field in spec.fields]

    def measure(self, values: Sequence[object]) -> None:
        for index, (field, value) in enumerate(zip(self._fields, values, strict=False)):
            if value is not None:
                width = _display_width(field, value) + 2
                if width > self.widths[index]:
                    self.widths[index] = width

    def clamped(self) -> list[float]:
        """Each column's width, kept within MIN_COLUMN_WIDTH … MAX_COLUMN_WIDTH."""
        return [max(MIN_COLUMN_WIDTH, min(width, MAX_COLUMN_WIDTH)) for width in self.widths]


def _display_width(field: FieldSpec, value: object) -> int:
    if isinstance(value, dt.datetime):
        return len("yyyy-mm-dd hh:mm:ss")
    if isinstance(value, dt.date):
        return len("yyyy-mm-dd")
    if isinstance(value, dt.time):
        return len("hh:mm:ss")
    if isinstance(value, dict | list):
        return min(len(json_text(value)), MAX_COLUMN_WIDTH)
    if isinstance(value, bool):
        return len("FALSE")
    if isinstance(value, Decimal) and value.is_finite():
        scale = field.scale if field.scale is not None else 2
        return len(f"{value:,.{scale}f}")
    if isinstance(value, str):
        return max((len(line) for line in value[: MAX_COLUMN_WIDTH * 4].splitlines()), default=0)
    return min(len(str(value)), MAX_COLUMN_WIDTH)


def plain_duration(seconds: float) -> str:
    """A time as a person reads it: "350 ms", "1.2 s", "3 min 4 s", "1 h 2 min"."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
