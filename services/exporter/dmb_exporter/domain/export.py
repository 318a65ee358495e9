"""One entry point for every export format."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dmb_contracts.commands import ExportFormat
from dmb_contracts.fields import TableSpec

from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.delimited import CSV_CONTENT_TYPE, write_csv
from dmb_exporter.domain.jsonl import JSONL_CONTENT_TYPE, write_jsonl
from dmb_exporter.domain.values import EXCEL_MAX_DATA_ROWS
from dmb_exporter.domain.xlsx import XLSX_CONTENT_TYPE, WorkbookTable, write_tables_workbook

CONTENT_TYPES = {
    ExportFormat.XLSX: XLSX_CONTENT_TYPE,
    ExportFormat.CSV: CSV_CONTENT_TYPE,
    ExportFormat.JSONL: JSONL_CONTENT_TYPE,
}


@dataclass(frozen=True)
class ExportResult:
    """What an export file holds and how to serve it."""

    rows: int
    truncated_cells: int
    content_type: str
    extension: str
    #: Rows of each table, in the file's order (one entry unless a workbook holds several tables).
    table_rows: tuple[int, ...] = ()


def write_export(
    fmt: ExportFormat,
    rows: Iterable[Sequence[object]],
    spec: TableSpec,
    about: ExportAbout,
    path: Path,
    *,
    csv_excel_bom: bool = False,
    max_rows_per_sheet: int = EXCEL_MAX_DATA_ROWS,
    more_tables: Sequence[WorkbookTable] = (),
) -> ExportResult:
    """Write `rows` (values in spec.fields order) to `path` in format `fmt`; `more_tables` (xlsx only) follow
    the first table in the same workbook, each on its own sheet(s)."""
    fmt = ExportFormat(fmt)
    if more_tables and fmt is not ExportFormat.XLSX:
        raise ValueError(f"several tables go into one xlsx workbook, not a {fmt.value} file")
    truncated = 0
    match fmt:
        case ExportFormat.XLSX:
            tables = [WorkbookTable(rows, spec, about), *more_tables]
            stats = write_tables_workbook(tables, path, max_rows_per_sheet=max_rows_per_sheet)
            count, truncated, table_rows = stats.rows, stats.truncated_cells, stats.table_rows
        case ExportFormat.CSV:
            count = write_csv(rows, spec, path, excel_bom=csv_excel_bom)
            table_rows = (count,)
        case ExportFormat.JSONL:
            count = write_jsonl(rows, spec, path)
            table_rows = (count,)
    return ExportResult(
        rows=count,
        truncated_cells=truncated,
        content_type=CONTENT_TYPES[fmt],
        extension=fmt.value,
        table_rows=table_rows,
    )
