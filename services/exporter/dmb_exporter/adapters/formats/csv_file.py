"""CSV: RFC 4180 text of domain.delimited, optionally with the byte-order mark Excel needs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dmb_contracts.commands import ExportFormat
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileFormat, FileStats, single_table
from dmb_exporter.domain.delimited import CSV_CONTENT_TYPE, write_csv


def write_csv_file(tables: Sequence[ExportTable], path: Path, options: ExportOptions) -> FileStats:
    table = single_table(tables, ExportFormat.CSV)
    count = write_csv(table.rows, table.spec, path, excel_bom=options.csv_excel_bom)
    return FileStats(rows=count, table_rows=(count,))


CSV = FileFormat(ExportFormat.CSV, CSV_CONTENT_TYPE, "csv", write_csv_file)
