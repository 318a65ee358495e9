"""Writing a Parquet file with pyarrow: row groups gathered as compact Arrow batches as the rows stream in."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dmb_contracts.commands import ExportFormat
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileStats, single_table
from dmb_exporter.adapters.formats.parquet_file import about_metadata
from dmb_exporter.domain.arrow_columns import arrow_schema, record_batch

#: Rows per row group: big enough for good compression and fast scans.
ROW_GROUP_ROWS = 50_000
#: Rows turned from Python values into Arrow at a time: a row group is gathered as compact Arrow batches,
#: so only this many rows of Python objects are alive at once (50,000 of them took ~90 MB).
ARROW_BATCH_ROWS = 10_000


def write_parquet(tables: Sequence[ExportTable], path: Path, options: ExportOptions) -> FileStats:
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
