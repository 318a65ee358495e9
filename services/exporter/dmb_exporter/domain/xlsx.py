"""The Excel workbook: typed, styled data sheets streamed from an iterator of rows, plus an "About" sheet.

How rows reach the file
-----------------------
openpyxl in write-only mode builds the workbook: styles (a shared NamedStyle for headers, one cell format per
number format), sheet views (frozen header), auto-filters, column widths, the About sheet and the zip
package. Going through `ws.append` costs ~5 µs a cell, nearly all in openpyxl's per-cell machinery
(`WriteOnlyCell._bind_value`, `lxml_write_cell`, coordinates), whatever the values are; precomputed date
serials and shared styles only shave that by a few percent (measured: ~190k cells/s either way).

So each data sheet's `<sheetData>` rows are serialised here instead, one string per row from per-column
encoders chosen once from the TableSpec, into a temporary file; openpyxl then writes the sheet with its
header-free empty `<sheetData>`, and the rows are spliced into that part before the package is zipped.
Everything else in the file (styles, views, filters, widths, the zip) is still openpyxl's. The cells use
style ids that openpyxl registered for us (`WriteOnlyCell.style_id`), so the stylesheet and the cells agree.
Memory stays constant: only the first WIDTH_SAMPLE_ROWS rows' display widths are kept.

The one private detail relied on is where openpyxl's write-only sheet keeps its XML before zipping
(`ws._writer.out`, stable since openpyxl 2.6); `_openpyxl_sheet_part` checks it, and the unit tests read
every value back with openpyxl and python-calamine, so a change there fails loudly, not silently.

Formula-like text
-----------------
Text is always written as an inline string (`t="inlineStr"`), a cell type Excel never evaluates, so "=1+1"
stays the literal text "=1+1" for Excel, openpyxl and calamine alike. Text starting with = + - @ tab or CR
also gets Excel's quotePrefix style, so that editing the cell in Excel keeps it text instead of turning it
into a formula. No quote character is added to the value itself (that is the CSV rule, where there is no
cell type), so the data reads back unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from dmb_contracts.field_summary import summarize_constraints
from dmb_contracts.fields import FieldSpec, StorageType, TableSpec
from dmb_contracts.generator_defaults import FieldGenerator
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.values import (
    EXCEL_FIRST_DATE,
    EXCEL_MAX_CELL_CHARS,
    EXCEL_MAX_DATA_ROWS,
    EXCEL_MAX_SHEET_TITLE,
    FORMULA_PREFIXES,
    ILLEGAL_XML_CHARS,
    excel_day,
    excel_serial,
    excel_time,
    fit_excel_text,
    json_text,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
ABOUT_TITLE = "About"
HEADER_STYLE_NAME = "DMB header"
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


def write_xlsx(
    rows: Iterable[Sequence[object]],
    spec: TableSpec,
    about: ExportAbout,
    path: Path,
    *,
    max_rows_per_sheet: int = EXCEL_MAX_DATA_ROWS,
) -> int:
    """Write the rows (values in spec.fields order) as a workbook at `path`; returns the data rows written."""
    return write_workbook(rows, spec, about, path, max_rows_per_sheet=max_rows_per_sheet).rows


def write_workbook(
    rows: Iterable[Sequence[object]],
    spec: TableSpec,
    about: ExportAbout,
    path: Path,
    *,
    max_rows_per_sheet: int = EXCEL_MAX_DATA_ROWS,
) -> WorkbookStats:
    """`write_xlsx` with the full outcome: rows, cells cut to Excel's 32,767 characters, sheet titles."""
    return write_tables_workbook([WorkbookTable(rows, spec, about)], path, max_rows_per_sheet=max_rows_per_sheet)


@dataclass(frozen=True)
class WorkbookTable:
    """One table of a workbook: its rows (values in spec.fields order), its spec and its provenance."""

    rows: Iterable[Sequence[object]]
    spec: TableSpec
    about: ExportAbout


@dataclass
class _TableOutcome:
    about: ExportAbout
    rows: int
    truncated: int
    sheet_titles: list[str]
    seconds: float


def write_tables_workbook(
    tables: Sequence[WorkbookTable], path: Path, *, max_rows_per_sheet: int = EXCEL_MAX_DATA_ROWS
) -> WorkbookStats:
    """One workbook holding each table on its own data sheet(s), in the given order, then an About sheet
    that describes every table. Each table's rows are streamed (and its iterator exhausted) in turn."""
    if not 1 <= max_rows_per_sheet <= EXCEL_MAX_DATA_ROWS:
        raise ValueError(f"max_rows_per_sheet must be 1 … {EXCEL_MAX_DATA_ROWS}, got {max_rows_per_sheet}")
    if not tables:
        raise ValueError("a workbook needs at least one table")
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Dynamic Model Builder"
    workbook.properties.title = ", ".join(table.spec.display_name or table.spec.table_name for table in tables)
    styles = _Styles(workbook)
    titles = _SheetTitles()
    sheets: list[_DataSheet] = []
    outcomes: list[_TableOutcome] = []
    try:
        for table in tables:
            outcomes.append(_write_table(workbook, styles, titles, table, path.parent, sheets, max_rows_per_sheet))
        _write_about_sheet(workbook, outcomes)
        workbook.save(path)
    except BaseException:
        for unfinished in sheets:
            unfinished.discard()
        path.unlink(missing_ok=True)
        raise
    return WorkbookStats(
        rows=sum(outcome.rows for outcome in outcomes),
        truncated_cells=sum(outcome.truncated for outcome in outcomes),
        sheets=tuple(s.title for s in sheets),
        table_rows=tuple(outcome.rows for outcome in outcomes),
    )


def _write_table(
    workbook: Workbook,
    styles: _Styles,
    titles: _SheetTitles,
    table: WorkbookTable,
    folder: Path,
    sheets: list[_DataSheet],
    max_rows_per_sheet: int,
) -> _TableOutcome:
    """Stream one table's rows into its data sheet(s); the sheets are appended to `sheets` as they open,
    so the caller can discard them all on failure."""
    spec = table.spec
    encoder = _RowEncoder(spec, styles)
    widths = _ColumnWidths(spec)
    own: list[_DataSheet] = []

    def open_sheet() -> _DataSheet:
        sheet = _DataSheet(workbook, titles.next(spec.table_name), encoder, folder)
        sheets.append(sheet)
        own.append(sheet)
        return sheet

    started = time.perf_counter()
    sheet = open_sheet()
    write, encode_row = sheet.write, encoder.row
    in_sheet = total = 0
    for values in table.rows:
        if in_sheet == max_rows_per_sheet:
            sheet.finish(widths)
            sheet = open_sheet()
            write, in_sheet = sheet.write, 0
        in_sheet += 1
        total += 1
        if total <= WIDTH_SAMPLE_ROWS:
            widths.measure(values)
        write(encode_row(values, in_sheet + 1))  # row 1 is the header
    sheet.finish(widths)
    seconds = time.perf_counter() - started
    return _TableOutcome(table.about, total, encoder.truncated, [s.title for s in own], seconds)


class _SheetTitles:
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


class _Styles:
    """The cell formats the data sheets use, registered once with the workbook; cells refer to them by id."""

    def __init__(self, workbook: Workbook) -> None:
        side = Side(style="thin", color="FF9BB0C9")
        self.header = NamedStyle(
            name=HEADER_STYLE_NAME,
            font=Font(bold=True, color="FFFFFFFF"),
            fill=PatternFill(fill_type="solid", start_color="FF1F4E78", end_color="FF1F4E78"),
            border=Border(left=side, right=side, top=side, bottom=side),
            alignment=Alignment(vertical="center"),
        )
        workbook.add_named_style(self.header)
        # A cell of a throwaway sheet per format registers the format and gives its style id (xf index).
        self._probe = workbook.create_sheet("__styles__")
        self.header_id = self._id(style=HEADER_STYLE_NAME)
        self.date_id = self._id(number_format=DATE_FORMAT)
        self.datetime_id = self._id(number_format=DATETIME_FORMAT)
        self.time_id = self._id(number_format=TIME_FORMAT)
        self.text_id = self._id(quotePrefix=True)
        self._decimal_ids: dict[int, int] = {}
        workbook.remove(self._probe)

    def _id(self, **style: Any) -> int:
        cell = WriteOnlyCell(self._probe)
        for name, value in style.items():
            setattr(cell, name, value)
        return int(cell.style_id)

    def decimal_id(self, scale: int) -> int:
        if scale not in self._decimal_ids:
            cell = WriteOnlyCell(self._probe)
            cell.number_format = decimal_format(scale)
            self._decimal_ids[scale] = int(cell.style_id)
        return self._decimal_ids[scale]


Encoder = Callable[[Any, str], str]


def _xml_escape(text: str) -> str:
    """Text content escaped for XML; `text` must hold no XML-illegal characters."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:  # XML parsers turn a raw CR into LF, so it travels as a character reference
        text = text.replace("\r", "&#13;")
    return text


class _RowEncoder:
    """Turns a row of Python values into SpreadsheetML `<row>` XML; one encoder per column, picked once."""

    def __init__(self, spec: TableSpec, styles: _Styles) -> None:
        self.truncated = 0
        self._styles = styles
        self._date = f' s="{styles.date_id}"'
        self._datetime = f' s="{styles.datetime_id}"'
        self._time = f' s="{styles.time_id}"'
        self._quoted = f' s="{styles.text_id}"'
        self._columns = [(self._encoder_for(field), get_column_letter(i)) for i, field in enumerate(spec.fields, 1)]
        self.header = self._header(spec)

    @property
    def column_count(self) -> int:
        return len(self._columns)

    def row(self, values: Sequence[object], number: int) -> str:
        if len(values) != len(self._columns):
            raise ValueError(f"a row has {len(values)} values for {len(self._columns)} fields")
        r = str(number)
        cells = "".join(
            [encode(value, letter + r) for (encode, letter), value in zip(self._columns, values, strict=True)]
        )
        return f'<row r="{r}">{cells}</row>'

    def _header(self, spec: TableSpec) -> str:
        style = f' s="{self._styles.header_id}"'
        cells = "".join(
            f'<c r="{letter}1"{style} t="inlineStr"><is><t>{_xml_escape(field.name)}</t></is></c>'
            for field, (_, letter) in zip(spec.fields, self._columns, strict=True)
        )
        return f'<row r="1">{cells}</row>'

    def _encoder_for(self, field: FieldSpec) -> Encoder:
        match field.value_type:  # a foreign key's values have the type of the key it points at
            case StorageType.INTEGER | StorageType.BIG_INTEGER:
                return self._integer
            case StorageType.DECIMAL:
                style = f' s="{self._styles.decimal_id(field.scale if field.scale is not None else 2)}"'
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


class _ColumnWidths:
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

    def apply(self, ws: WriteOnlyWorksheet) -> None:
        for index, width in enumerate(self.widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = max(MIN_COLUMN_WIDTH, min(width, MAX_COLUMN_WIDTH))


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


def _openpyxl_sheet_part(ws: WriteOnlyWorksheet) -> Path:
    """The file where openpyxl keeps a closed write-only sheet's XML until the workbook is zipped."""
    writer = getattr(ws, "_writer", None)
    out = getattr(writer, "out", None)
    if not isinstance(out, str):
        raise RuntimeError("this openpyxl version keeps write-only sheets elsewhere; the xlsx writer needs updating")
    return Path(out)


_EMPTY_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")


class _DataSheet:
    """One data sheet: its rows stream into a temporary file, spliced into openpyxl's sheet part at the end."""

    def __init__(self, workbook: Workbook, title: str, encoder: _RowEncoder, folder: Path) -> None:
        self.title = title
        self.ws: WriteOnlyWorksheet = workbook.create_sheet(title)
        self.rows = 0
        handle, name = tempfile.mkstemp(prefix=".dmb-rows-", suffix=".xml", dir=folder)
        self._rows_path = Path(name)
        # Closed by finish() or discard(); newline="" keeps the XML byte-exact.
        self._file = open(handle, "w", encoding="utf-8", newline="", buffering=1 << 20)  # noqa: SIM115
        self._file.write(encoder.header)
        self._column_count = encoder.column_count

    def write(self, row_xml: str) -> None:
        self.rows += 1
        self._file.write(row_xml)

    def finish(self, widths: _ColumnWidths) -> None:
        self._file.close()
        widths.apply(self.ws)
        self.ws.freeze_panes = "A2"
        used_range = f"A1:{get_column_letter(self._column_count)}{self.rows + 1}"
        self.ws.auto_filter.ref = used_range
        # openpyxl writes a <dimension> only for sheets that can compute one; readers that size rows from it
        # (openpyxl's read-only mode among them) would otherwise cut rows short at their last non-empty cell.
        self.ws.calculate_dimension = lambda: used_range
        self.ws.close()  # openpyxl writes the sheet part now, with an empty <sheetData>
        part = _openpyxl_sheet_part(self.ws)
        skeleton = part.read_bytes()
        pieces = _EMPTY_SHEET_DATA.split(skeleton)
        if len(pieces) != 2:
            raise RuntimeError(f"openpyxl wrote sheet {self.title!r} without exactly one empty <sheetData>")
        with part.open("wb") as target, self._rows_path.open("rb") as rows:
            target.write(pieces[0] + b"<sheetData>")
            shutil.copyfileobj(rows, target, 1 << 20)
            target.write(b"</sheetData>" + pieces[1])
        self._rows_path.unlink()

    def discard(self) -> None:
        """Remove this sheet's temporary files after a failure (openpyxl would only at interpreter exit)."""
        self._file.close()
        self._rows_path.unlink(missing_ok=True)
        with contextlib.suppress(RuntimeError):
            part = _openpyxl_sheet_part(self.ws)
            if part.exists():
                os.unlink(part)


def _text_cell(
    ws: WriteOnlyWorksheet, value: object, style: str | None = None, font: Font | None = None
) -> WriteOnlyCell:
    """An About-sheet cell; text always stays text (openpyxl would take "=..." for a formula, "#N/A" for an error)."""
    cell = WriteOnlyCell(ws)
    if isinstance(value, str):
        cell.value = fit_excel_text(ILLEGAL_XML_CHARS.sub("", value))[0]
        cell.data_type = "s"
    else:
        cell.value = value
    if style is not None:
        cell.style = style
    if font is not None:
        cell.font = font
    return cell


def _write_about_sheet(workbook: Workbook, tables: Sequence[_TableOutcome]) -> None:
    ws = workbook.create_sheet(ABOUT_TITLE)
    for letter, width in zip("ABCDE", (24, 18, 48, 40, 48), strict=True):
        ws.column_dimensions[letter].width = width
    if len(tables) > 1:
        ws.append([_text_cell(ws, f"{len(tables)} tables", font=Font(bold=True, size=14))])
        ws.append([])
        for outcome in tables:
            rows = _text_cell(ws, outcome.rows)
            rows.number_format = "#,##0"
            label = outcome.about.display_name or outcome.about.table_name
            ws.append(
                [_text_cell(ws, label, font=Font(bold=True)), rows, _text_cell(ws, ", ".join(outcome.sheet_titles))]
            )
    for number, outcome in enumerate(tables):
        if number or len(tables) > 1:
            ws.append([])
            ws.append([])
        _write_about_table(ws, outcome)


def _write_about_table(ws: WriteOnlyWorksheet, outcome: _TableOutcome) -> None:
    """One table's provenance, constraint report and field list on the About sheet."""
    about, rows, truncated = outcome.about, outcome.rows, outcome.truncated

    def pair(label: str, value: object, number_format: str | None = None) -> None:
        cell = _text_cell(ws, value)
        if number_format is not None:
            cell.number_format = number_format
        ws.append([_text_cell(ws, label, font=bold), cell])

    bold = Font(bold=True)
    ws.append([_text_cell(ws, about.display_name or about.table_name, font=Font(bold=True, size=14))])
    ws.append([])
    pair("Table", about.table_name)
    if about.display_name:
        pair("Display name", about.display_name)
    if about.description:
        pair("Description", about.description)
    pair("Definition version", "" if about.definition_version is None else about.definition_version)
    pair("Seed", "" if about.seed is None else str(about.seed))  # text: seeds exceed Excel's 15 digits
    pair("Locale", about.locale or "")
    pair("Rows exported", rows, "#,##0")
    if about.row_count is not None and about.row_count != rows:
        pair("Rows in the table", about.row_count, "#,##0")
    pair("Generator version", about.generator_version or "")
    created = about.created_at if about.created_at.tzinfo else about.created_at.replace(tzinfo=dt.UTC)
    pair("Created at", created.astimezone(dt.UTC).isoformat(timespec="seconds"))
    pair("Data sheets", ", ".join(outcome.sheet_titles))
    for phase, seconds in about.timings.items():
        pair(f"Time: {phase}", plain_duration(seconds))
    pair("Time: export", plain_duration(outcome.seconds))  # reading the rows and writing them to the sheets
    if truncated:
        pair("Truncated cells", f"{truncated} cell(s) cut to Excel's limit of 32,767 characters")
    if about.fallbacks:
        ws.append([])
        ws.append([_text_cell(ws, "Generation notes", style=HEADER_STYLE_NAME)])
        for note in about.fallbacks:
            ws.append([_text_cell(ws, ""), _text_cell(ws, note)])
    if about.constraint_report:
        ws.append([])
        ws.append([_text_cell(ws, "Constraint report", style=HEADER_STYLE_NAME)])
        for line in about.constraint_report:
            ws.append([_text_cell(ws, ""), _text_cell(ws, line)])
    ws.append([])
    headings = ("Field", "Type", "Constraints", "Generator", "Description")
    ws.append([_text_cell(ws, heading, style=HEADER_STYLE_NAME) for heading in headings])
    for field, generator in zip(about.fields, about.generators, strict=True):
        ws.append(
            [
                _text_cell(ws, field.name),
                _text_cell(ws, field.type.value),
                _text_cell(ws, summarize_constraints(field)),
                _text_cell(ws, _generator_text(generator)),
                _text_cell(ws, field.description),
            ]
        )


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


def _generator_text(generator: FieldGenerator) -> str:
    """What made the field's values: the user's own generator as it is, else with why it was chosen (an AI
    field also says what stands in when the AI step fails)."""
    if generator.source != "set":
        return generator.explanation
    if generator.fallback_summary is not None:
        return f"{generator.summary} (if the AI step fails: {generator.fallback_summary})"
    return generator.summary
