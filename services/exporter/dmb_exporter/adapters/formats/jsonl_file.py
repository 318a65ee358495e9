"""JSON Lines: one object per row, as domain.jsonl encodes it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dmb_contracts.commands import ExportFormat
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileFormat, FileStats, single_table
from dmb_exporter.domain.jsonl import JSONL_CONTENT_TYPE, write_jsonl


def write_jsonl_file(tables: Sequence[ExportTable], path: Path, options: ExportOptions) -> FileStats:
    table = single_table(tables, ExportFormat.JSONL)
    count = write_jsonl(table.rows, table.spec, path)
    return FileStats(rows=count, table_rows=(count,))


JSONL = FileFormat(ExportFormat.JSONL, JSONL_CONTENT_TYPE, "jsonl", write_jsonl_file)
