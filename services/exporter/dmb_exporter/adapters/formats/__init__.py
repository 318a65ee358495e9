"""The export formats' registry and the one entry point writing an export file in any of them.

A format is one encoder module (pure, in domain/) plus one `FileFormat` registration (in this package) listed
in FORMATS; nothing else branches on the format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dmb_contracts.commands import ExportFormat, SqlDialect
from dmb_contracts.fields import TableSpec
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileFormat, FileStats
from dmb_exporter.adapters.formats.csv_file import CSV
from dmb_exporter.adapters.formats.json_file import JSON
from dmb_exporter.adapters.formats.jsonl_file import JSONL
from dmb_exporter.adapters.formats.parquet_file import PARQUET
from dmb_exporter.adapters.formats.sql_file import SQL
from dmb_exporter.adapters.formats.xlsx_file import XLSX
from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.values import EXCEL_MAX_DATA_ROWS
from dmb_exporter.domain.xlsx import RowSource

FORMATS: dict[ExportFormat, FileFormat] = {each.format: each for each in (XLSX, CSV, JSONL, JSON, PARQUET, SQL)}
CONTENT_TYPES = {fmt: each.content_type for fmt, each in FORMATS.items()}


@dataclass(frozen=True)
class ExportResult:
    """What an export file holds and how to serve it."""

    rows: int
    truncated_cells: int
    content_type: str
    extension: str
    #: Rows of each table, in the file's order (one entry unless the file holds several tables).
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
    sql_dialect: SqlDialect = SqlDialect.POSTGRES,
    sql_copy: bool = False,
    more_tables: Sequence[ExportTable] = (),
    source: RowSource | None = None,
) -> ExportResult:
    """Write `rows` (values in spec.fields order) to `path` in format `fmt`; `more_tables` (multi-table formats
    only: xlsx, sql) follow the first table in the same file. With a `source`, a format may read the rows from
    it instead, in slices by worker processes (xlsx: adapters/xlsx_slices.py)."""
    file_format = FORMATS[ExportFormat(fmt)]
    if more_tables and not file_format.multi_table:
        raise ValueError(f"several tables go into one xlsx workbook or sql script, not a {file_format.extension} file")
    options = ExportOptions(
        csv_excel_bom=csv_excel_bom, max_rows_per_sheet=max_rows_per_sheet, sql_dialect=sql_dialect, sql_copy=sql_copy
    )
    stats = file_format.write([ExportTable(rows, spec, about, source), *more_tables], path, options)
    return ExportResult(
        rows=stats.rows,
        truncated_cells=stats.truncated_cells,
        content_type=file_format.content_type,
        extension=file_format.extension,
        table_rows=stats.table_rows,
    )


__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "ExportOptions",
    "ExportResult",
    "ExportTable",
    "FileFormat",
    "FileStats",
    "write_export",
]
