"""The xlsx package: openpyxl's styles, sheet views, filters, widths and About sheet around the data sheets'
rows, which domain.xlsx encodes, zipped into the workbook file.

How the file is put together
----------------------------
openpyxl in write-only mode builds everything but the data: the stylesheet (a shared NamedStyle for headers,
one cell format per number format, whose ids the row XML uses), each data sheet's view (frozen header),
auto-filter and column widths, and the About sheet. Meanwhile each data sheet's rows, encoded a batch at a
time by domain.xlsx.RowEncoder, stream into a temporary file. At the end openpyxl saves that workbook, its
data sheets empty, into a small in-memory package, and the real file is assembled from it: every part is
copied as it is, except the data sheets, each streamed into the zip as openpyxl's part with its rows put in
place of the empty `<sheetData/>`. The data sheets are compressed at zlib level 1 (DATA_COMPRESS_LEVEL):
level 6, zipfile's default, took a third of the export's time for files ~15% smaller.
Memory stays constant: rows are held a batch at a time, and only the first WIDTH_SAMPLE_ROWS rows' display
widths are kept.

A large table given with its `RowSource` (PostgreSQL, from xlsx_slices.PARALLEL_MIN_ROWS rows) is read,
encoded and deflated by worker processes instead (adapters/xlsx_slices.py): its sheets arrive as deflate
pieces, and the package is then written by zip_pieces.ZipWriter, each sheet's member joined from the piece
of openpyxl's part before the rows, the rows' pieces and the piece after them (the other tables' sheets are
deflated here into one piece each).

Only public interfaces are used (openpyxl's Workbook and write-only cells, `ws.path`, zipfile); the unit
tests read every value back with openpyxl and python-calamine, so a change in openpyxl fails loudly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dmb_contracts.field_summary import summarize_constraints
from dmb_contracts.fields import StorageType, TableSpec
from dmb_contracts.generator_defaults import FieldGenerator
from dmb_exporter.adapters.xlsx_slices import SlicedRows, write_slices
from dmb_exporter.adapters.zip_pieces import DeflatePiece, PieceWriter, ZipWriter, deflate_piece
from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.values import EXCEL_MAX_DATA_ROWS, ILLEGAL_XML_CHARS, fit_excel_text
from dmb_exporter.domain.xlsx import (
    ABOUT_TITLE,
    DATE_FORMAT,
    DATETIME_FORMAT,
    HEADER_STYLE_NAME,
    TIME_FORMAT,
    WIDTH_SAMPLE_ROWS,
    XLSX_BATCH_ROWS,
    ColumnWidths,
    RowEncoder,
    SheetTitles,
    StyleIds,
    WorkbookStats,
    WorkbookTable,
    column_letter,
    decimal_format,
    plain_duration,
)
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: zlib level of the data sheets (1: fastest; the other parts are tiny and keep zipfile's default).
DATA_COMPRESS_LEVEL = 1
_COPY_CHUNK = 1 << 20
#: zlib level of the other parts (zipfile's default).
SMALL_PARTS_LEVEL = 6


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
    titles = SheetTitles()
    sheets: list[_Sheet] = []
    outcomes: list[_TableOutcome] = []
    try:
        for table in tables:
            outcomes.append(_write_table(workbook, styles, titles, table, path.parent, sheets, max_rows_per_sheet))
        _write_about_sheet(workbook, outcomes)
        _save(workbook, sheets, path)
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
    titles: SheetTitles,
    table: WorkbookTable,
    folder: Path,
    sheets: list[_Sheet],
    max_rows_per_sheet: int,
) -> _TableOutcome:
    """Stream one table's rows into its data sheet(s); the sheets are appended to `sheets` as they open,
    so the caller can discard them all on failure."""
    spec = table.spec
    ids = styles.ids_for(spec)
    encoder = RowEncoder(spec, ids)
    widths = ColumnWidths(spec)
    started = time.perf_counter()
    if table.source is not None:
        sliced = write_slices(
            table.source,
            spec,
            ids,
            folder,
            max_rows_per_sheet=max_rows_per_sheet,
            level=DATA_COMPRESS_LEVEL,
            rows_hint=table.about.row_count,
        )
        if sliced is not None:
            return _sliced_table(workbook, titles, table, encoder, sliced, sheets, started)
    own: list[_DataSheet] = []

    def open_sheet() -> _DataSheet:
        sheet = _DataSheet(workbook, titles.next(spec.table_name), encoder, folder)
        sheets.append(sheet)
        own.append(sheet)
        return sheet

    sheet = open_sheet()
    remaining = iter(table.rows)
    in_sheet = total = 0
    while True:
        room = max_rows_per_sheet - in_sheet
        batch = list(itertools.islice(remaining, min(XLSX_BATCH_ROWS, room or max_rows_per_sheet)))
        if not batch:
            break
        if room == 0:  # the sheet is full and more rows came: they go on the next one
            sheet.finish(widths)
            sheet = open_sheet()
            in_sheet = 0
        if total < WIDTH_SAMPLE_ROWS:
            for values in batch[: WIDTH_SAMPLE_ROWS - total]:
                widths.measure(values)
        sheet.write(encoder.rows(batch, in_sheet + 2), len(batch))  # row 1 is the header
        in_sheet += len(batch)
        total += len(batch)
    sheet.finish(widths)
    seconds = time.perf_counter() - started
    return _TableOutcome(table.about, total, encoder.truncated, [s.title for s in own], seconds)


def _sliced_table(
    workbook: Workbook,
    titles: SheetTitles,
    table: WorkbookTable,
    encoder: RowEncoder,
    sliced: SlicedRows,
    sheets: list[_Sheet],
    started: float,
) -> _TableOutcome:
    """The sheets of a table whose rows worker processes wrote (adapters/xlsx_slices.py)."""
    widths = ColumnWidths(table.spec)
    own: list[_SlicedSheet] = []
    try:
        for number in range(max(1, len(sliced.sheets))):
            pieces = sliced.sheets[number] if number < len(sliced.sheets) else []
            rows = sliced.sheet_rows[number] if number < len(sliced.sheets) else 0
            sheet = _SlicedSheet(workbook, titles.next(table.spec.table_name), encoder, sliced, pieces, rows)
            sheets.append(sheet)
            own.append(sheet)
            # As the single-process path measures them: the table's first rows up to this sheet's end.
            sample = sliced.widths.get(number)
            if sample is not None:
                widths.widths = [max(pair) for pair in zip(widths.widths, sample, strict=True)]
            sheet.finish(widths)
    except BaseException:
        sliced.discard()
        raise
    seconds = time.perf_counter() - started
    rows = sum(sliced.sheet_rows)
    return _TableOutcome(table.about, rows, sliced.truncated, [s.title for s in own], seconds)


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

    def ids_for(self, spec: TableSpec) -> StyleIds:
        """The style ids a table's cells use, a decimal format registered for each scale its fields have."""
        decimals = {
            scale: self.decimal_id(scale)
            for scale in {
                field.scale if field.scale is not None else 2
                for field in spec.fields
                if field.value_type is StorageType.DECIMAL
            }
        }
        return StyleIds(self.header_id, self.date_id, self.datetime_id, self.time_id, self.text_id, decimals)


_EMPTY_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")


class _DataSheet:
    """One data sheet: its rows stream into a temporary file, put into openpyxl's sheet part when zipped."""

    def __init__(self, workbook: Workbook, title: str, encoder: RowEncoder, folder: Path) -> None:
        self.title = title
        self.ws: WriteOnlyWorksheet = workbook.create_sheet(title)
        self.rows = 0
        handle, name = tempfile.mkstemp(prefix=".dmb-rows-", suffix=".xml", dir=folder)
        self.rows_path = Path(name)
        # Closed by finish() or discard(); newline="" keeps the XML byte-exact.
        self._file = open(handle, "w", encoding="utf-8", newline="", buffering=1 << 20)  # noqa: SIM115
        self._file.write(encoder.header)
        self._column_count = encoder.column_count
        self._piece: Path | None = None

    def write(self, rows_xml: str, rows: int) -> None:
        self.rows += rows
        self._file.write(rows_xml)

    def finish(self, widths: ColumnWidths) -> None:
        self._file.close()
        _finish_sheet(self.ws, widths, self._column_count, self.rows)

    @property
    def part(self) -> str:
        """The sheet's part name in the package, e.g. xl/worksheets/sheet1.xml."""
        return str(self.ws.path).lstrip("/")

    def stream_into(self, archive: zipfile.ZipFile, skeleton: bytes) -> None:
        """Write the sheet part: openpyxl's `skeleton` with the rows in place of its empty <sheetData>."""
        before, after = _around_sheet_data(skeleton, self.title)
        # Opened by name, the entry gets the archive's compression (level DATA_COMPRESS_LEVEL).
        with archive.open(self.part, "w", force_zip64=True) as target, self.rows_path.open("rb") as rows:
            target.write(before + b"<sheetData>")
            shutil.copyfileobj(rows, target, _COPY_CHUNK)
            target.write(b"</sheetData>" + after)
        self.rows_path.unlink()

    def deflate_pieces(self, skeleton: bytes) -> list[DeflatePiece]:
        """The sheet part as one deflate piece, for a workbook assembled from pieces (another table's rows
        were written by worker processes)."""
        before, after = _around_sheet_data(skeleton, self.title)
        self._piece = self.rows_path.with_suffix(".deflate")
        writer = PieceWriter(self._piece, DATA_COMPRESS_LEVEL)
        writer.write(before + b"<sheetData>")
        with self.rows_path.open("rb") as rows:
            while chunk := rows.read(_COPY_CHUNK):
                writer.write(chunk)
        writer.write(b"</sheetData>" + after)
        self.rows_path.unlink()
        return [writer.close(final=True)]

    def discard(self) -> None:
        """Remove this sheet's temporary files (after a failure, or once the package holds them)."""
        self._file.close()
        self.rows_path.unlink(missing_ok=True)
        if self._piece is not None:
            self._piece.unlink(missing_ok=True)


class _SlicedSheet:
    """One data sheet whose rows worker processes encoded and compressed: deflate pieces that become the
    sheet part's zip member between openpyxl's part before and after `<sheetData>`."""

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        encoder: RowEncoder,
        sliced: SlicedRows,
        pieces: list[DeflatePiece],
        rows: int,
    ) -> None:
        self.title = title
        self.ws: WriteOnlyWorksheet = workbook.create_sheet(title)
        self.rows = rows
        self._header = encoder.header
        self._column_count = encoder.column_count
        self._sliced = sliced
        self._pieces = pieces
        self._ends: list[Path] = []  # the pieces before and after the rows, once written

    def finish(self, widths: ColumnWidths) -> None:
        _finish_sheet(self.ws, widths, self._column_count, self.rows)

    @property
    def part(self) -> str:
        return str(self.ws.path).lstrip("/")

    def deflate_pieces(self, skeleton: bytes) -> list[DeflatePiece]:
        before, after = _around_sheet_data(skeleton, self.title)
        name = self.part.replace("/", "_")
        head = self._sliced.folder / f"{name}-head.deflate"
        tail = self._sliced.folder / f"{name}-tail.deflate"
        self._ends = [head, tail]
        first = deflate_piece(head, before + b"<sheetData>" + self._header.encode(), DATA_COMPRESS_LEVEL)
        last = deflate_piece(tail, b"</sheetData>" + after, DATA_COMPRESS_LEVEL, final=True)
        return [first, *self._pieces, last]

    def discard(self) -> None:
        """Remove this sheet's piece files, and the table's piece folder once its last sheet is done."""
        for path in [*self._ends, *(piece.path for piece in self._pieces)]:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # another sheet's pieces are still there
            self._sliced.folder.rmdir()


_Sheet = _DataSheet | _SlicedSheet


def _around_sheet_data(skeleton: bytes, title: str) -> tuple[bytes, bytes]:
    """openpyxl's sheet part before and after its empty <sheetData>."""
    pieces = _EMPTY_SHEET_DATA.split(skeleton)
    if len(pieces) != 2:
        raise RuntimeError(f"openpyxl wrote sheet {title!r} without exactly one empty <sheetData>")
    return pieces[0], pieces[1]


def _finish_sheet(ws: WriteOnlyWorksheet, widths: ColumnWidths, column_count: int, rows: int) -> None:
    """The sheet's column widths, frozen header row, auto-filter and dimension, once its rows are known."""
    for index, width in enumerate(widths.clamped(), 1):
        ws.column_dimensions[column_letter(index)].width = width
    ws.freeze_panes = "A2"
    used_range = f"A1:{column_letter(column_count)}{rows + 1}"
    ws.auto_filter.ref = used_range
    # openpyxl writes a <dimension> only for sheets that can compute one; readers that size rows from it
    # (openpyxl's read-only mode among them) would otherwise cut rows short at their last non-empty cell.
    ws.calculate_dimension = lambda: used_range


def _save(workbook: Workbook, sheets: Sequence[_Sheet], path: Path) -> None:
    """The package at `path`: openpyxl's parts with the data sheets' rows streamed in."""
    skeleton = io.BytesIO()
    workbook.save(skeleton)  # every part, the data sheets with an empty <sheetData/>
    if any(isinstance(sheet, _SlicedSheet) for sheet in sheets):
        _save_from_pieces(skeleton, sheets, path)
        return
    by_part = {sheet.part: sheet for sheet in sheets if isinstance(sheet, _DataSheet)}
    with (
        zipfile.ZipFile(skeleton) as parts,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=DATA_COMPRESS_LEVEL) as archive,
    ):
        for info in parts.infolist():
            sheet = by_part.get(info.filename)
            if sheet is None:  # a small part: as openpyxl wrote it, at zipfile's default level
                archive.writestr(info, parts.read(info), zipfile.ZIP_DEFLATED, compresslevel=SMALL_PARTS_LEVEL)
            else:
                sheet.stream_into(archive, parts.read(info))


def _save_from_pieces(skeleton: io.BytesIO, sheets: Sequence[_Sheet], path: Path) -> None:
    """The package at `path` when worker processes compressed rows: each data sheet's member is joined from
    deflate pieces (zipfile cannot store data compressed elsewhere, hence ZipWriter)."""
    by_part = {sheet.part: sheet for sheet in sheets}
    with zipfile.ZipFile(skeleton) as parts, path.open("wb") as target:
        archive = ZipWriter(target)
        for info in parts.infolist():
            sheet = by_part.get(info.filename)
            data = parts.read(info)
            if sheet is None:
                archive.write_bytes(
                    info.filename,
                    data,
                    level=SMALL_PARTS_LEVEL,
                    date_time=info.date_time,
                    external_attr=info.external_attr,
                )
            else:
                archive.write_pieces(
                    info.filename,
                    sheet.deflate_pieces(data),
                    date_time=info.date_time,
                    external_attr=info.external_attr,
                )
                sheet.discard()  # its pieces are in the package now
        archive.close()


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


def _generator_text(generator: FieldGenerator) -> str:
    """What made the field's values: the user's own generator as it is, else with why it was chosen (an AI
    field also says what stands in when the AI step fails)."""
    if generator.source != "set":
        return generator.explanation
    if generator.fallback_summary is not None:
        return f"{generator.summary} (if the AI step fails: {generator.fallback_summary})"
    return generator.summary
