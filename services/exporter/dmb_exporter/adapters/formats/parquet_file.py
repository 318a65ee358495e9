"""Parquet: row groups written as the rows stream in, with the About information in the key-value metadata."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dmb_contracts.commands import EXPORT_CONTENT_TYPES, ExportFormat
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileFormat, FileStats, single_table
from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.arrow_columns import arrow_schema, record_batch

PARQUET_CONTENT_TYPE = EXPORT_CONTENT_TYPES[ExportFormat.PARQUET]
#: Rows per row group: big enough for good compression and fast scans.
ROW_GROUP_ROWS = 50_000
#: Rows turned from Python values into Arrow at a time: a row group is gathered as compact Arrow batches,
#: so only this many rows of Python objects are alive at once (50,000 of them took ~90 MB).
ARROW_BATCH_ROWS = 10_000


def about_metadata(about: ExportAbout) -> dict[str, str]:
    """The About information as Parquet key-value metadata (all values are text; absent ones are left out).
    "dmb.rows", the rows the file holds, is added once they are written."""
    entries: dict[str, object] = {
        "dmb.table": about.table_name,
        "dmb.display_name": about.display_name,
        "dmb.description": about.description,
        "dmb.seed": about.seed,
        "dmb.definition_version": about.definition_version,
        "dmb.locale": about.locale,
        "dmb.generator_version": about.generator_version,
        "dmb.created_at": about.created_at.isoformat(),
    }
    metadata = {key: str(value) for key, value in entries.items() if value not in (None, "")}
    if about.timings:
        metadata["dmb.timings"] = json.dumps(about.timings)
    return metadata


def write_parquet_file(tables: Sequence[ExportTable], path: Path, options: ExportOptions) -> FileStats:
    table = single_table(tables, ExportFormat.PARQUET)
    schema = arrow_schema(table.spec, about_metadata(table.about))
    count = 0
    rows = iter(table.rows)
    with pq.ParquetWriter(path, schema, compression="zstd", store_schema=True) as writer:
        group: list[pa.RecordBatch] = []
        in_group = 0
        while chunk := list(itertools.islice(rows, min(ARROW_BATCH_ROWS, ROW_GROUP_ROWS - in_group))):
            group.append(record_batch(chunk, table.spec, schema))
            in_group += len(chunk)
            count += len(chunk)
            del chunk  # the Python values go before the next chunk is read
            if in_group == ROW_GROUP_ROWS:
                writer.write_table(pa.Table.from_batches(group, schema), row_group_size=ROW_GROUP_ROWS)
                group, in_group = [], 0
        if group:
            writer.write_table(pa.Table.from_batches(group, schema), row_group_size=ROW_GROUP_ROWS)
        writer.add_key_value_metadata({"dmb.rows": str(count)})
    return FileStats(rows=count, table_rows=(count,))


PARQUET = FileFormat(ExportFormat.PARQUET, PARQUET_CONTENT_TYPE, "parquet", write_parquet_file)
