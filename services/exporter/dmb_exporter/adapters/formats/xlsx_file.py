"""xlsx: the typed, styled workbook of domain.xlsx, several tables each on their own sheet(s)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dmb_contracts.commands import ExportFormat
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileFormat, FileStats
from dmb_exporter.adapters.xlsx_package import write_tables_workbook
from dmb_exporter.domain.xlsx import XLSX_CONTENT_TYPE


def write_xlsx_file(tables: Sequence[ExportTable], path: Path, options: ExportOptions) -> FileStats:
    stats = write_tables_workbook(tables, path, max_rows_per_sheet=options.max_rows_per_sheet)
    return FileStats(rows=stats.rows, table_rows=stats.table_rows, truncated_cells=stats.truncated_cells)


XLSX = FileFormat(ExportFormat.XLSX, XLSX_CONTENT_TYPE, "xlsx", write_xlsx_file, multi_table=True)
