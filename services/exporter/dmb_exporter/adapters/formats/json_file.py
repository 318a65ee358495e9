"""JSON: one array of row objects, streamed to the file (domain.json_array encodes it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from dmb_contracts.commands import ExportFormat
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileFormat, FileStats, single_table
from dmb_exporter.domain.json_array import JSON_CONTENT_TYPE, json_array_pieces


def write_json_file(tables: Sequence[ExportTable], path: Path, options: ExportOptions) -> FileStats:
    table = single_table(tables, ExportFormat.JSON)
    count = 0

    def counted() -> Iterator[Sequence[object]]:
        nonlocal count
        for row in table.rows:
            count += 1
            yield row

    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(json_array_pieces(counted(), table.spec))
    return FileStats(rows=count, table_rows=(count,))


JSON = FileFormat(ExportFormat.JSON, JSON_CONTENT_TYPE, "json", write_json_file)
