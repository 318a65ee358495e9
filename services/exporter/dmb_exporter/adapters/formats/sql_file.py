"""SQL: a script recreating the tables (parents first) and loading their rows, for the chosen dialect."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from dmb_contracts.commands import ExportFormat
from dmb_contracts.table_order import parents_first
from dmb_exporter.adapters.formats.base import ExportOptions, ExportTable, FileFormat, FileStats
from dmb_exporter.domain.sql_script import (
    SQL_CONTENT_TYPE,
    copy_block,
    create_statements,
    drop_statements,
    insert_statements,
    script_footer,
    script_header,
)


def write_sql_file(tables: Sequence[ExportTable], path: Path, options: ExportOptions) -> FileStats:
    order = parents_first([table.spec for table in tables], cycles="keep_given_order")
    ordered = [tables[index] for index in order]
    specs = [table.spec for table in ordered]
    counts = [0] * len(ordered)

    def counted(position: int, rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
        for row in rows:
            counts[position] += 1
            yield row

    dialect = options.sql_dialect
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(script_header([table.about for table in ordered], dialect))
        handle.write(drop_statements(specs, dialect))
        for spec in specs:
            handle.write(create_statements(spec, dialect))
        for position, table in enumerate(ordered):
            rows = counted(position, table.rows)
            handle.writelines(
                copy_block(rows, table.spec) if options.sql_copy else insert_statements(rows, table.spec, dialect)
            )
        handle.write(script_footer())
    # Rows per table in the caller's order, as every format reports them.
    table_rows = [0] * len(tables)
    for position, index in enumerate(order):
        table_rows[index] = counts[position]
    return FileStats(rows=sum(counts), table_rows=tuple(table_rows))


SQL = FileFormat(ExportFormat.SQL, SQL_CONTENT_TYPE, "sql", write_sql_file, multi_table=True)
