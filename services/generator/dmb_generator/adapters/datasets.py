"""The generator's access to the users' tables in the datasets database, behind one Protocol: the handlers ask
a DatasetsWriter (insert a chunk, read parent keys and sequence maxima, empty tables, ...) and never touch an
engine. SqlDatasets is the one implementation (SQLAlchemy; COPY on PostgreSQL). Its methods block: handlers
run them with asyncio.to_thread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from dmb_contracts.fields import TableSpec
from dmb_contracts.rules import AggregateRule
from dmb_generator.adapters import aggregates, column_report, datasets_writer, parent_keys, table_maxima
from sqlalchemy.engine import Engine


class DatasetsWriter(Protocol):
    def insert_chunk(
        self, table: sa.Table, rows: list[tuple[Any, ...]], *, job_id: uuid.UUID, chunk_index: int
    ) -> bool:
        """Write a chunk once (False: it was already written); RowsRefused when the database refuses it."""
        ...

    def written_rows(self, job_id: uuid.UUID) -> int:
        """The rows the job's chunks have written (committed with each chunk, so exact at any moment)."""
        ...

    def parent_keys(self, table: sa.Table, spec: TableSpec, limit: int) -> dict[str, list[Any]]:
        """Per foreign-key field, the parent's keys (TooManyParentKeys past `limit`)."""
        ...

    def maxima(self, table: sa.Table, columns: list[str]) -> dict[str, int | None]:
        """The largest value of each column (None for an empty table)."""
        ...

    def empty(self, tables: list[tuple[sa.Table, TableSpec]]) -> None:
        """Remove every row of these tables, in this order, in one transaction."""
        ...

    def has_rows(self, table: sa.Table) -> bool: ...

    def held_values(self, table: sa.Table, column: str, values: Sequence[Any]) -> set[Any]:
        """Which of `values` the column already holds."""
        ...

    def held_combinations(self, table: sa.Table, columns: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
        """The distinct combinations of `columns` the table holds (no nulls), at most `limit` + 1."""
        ...

    def report(self, table: sa.Table, spec: TableSpec) -> column_report.TableReport: ...

    def aggregate(
        self, owner_id: uuid.UUID | None, parent: TableSpec, rule: AggregateRule, child: TableSpec | None
    ) -> str | None:
        """Compute one aggregate rule; a note when it could not be."""
        ...


class SqlDatasets:
    def __init__(self, engine: Engine, schema: str | None) -> None:
        self.engine = engine
        self.schema = schema

    def insert_chunk(
        self, table: sa.Table, rows: list[tuple[Any, ...]], *, job_id: uuid.UUID, chunk_index: int
    ) -> bool:
        return datasets_writer.insert_chunk(self.engine, table, rows, job_id=job_id, chunk_index=chunk_index)

    def written_rows(self, job_id: uuid.UUID) -> int:
        return datasets_writer.written_rows(self.engine, self.schema, job_id)

    def parent_keys(self, table: sa.Table, spec: TableSpec, limit: int) -> dict[str, list[Any]]:
        return parent_keys.read_parent_keys(self.engine, table, spec, limit)

    def maxima(self, table: sa.Table, columns: list[str]) -> dict[str, int | None]:
        return table_maxima.read_maxima(self.engine, table, columns)

    def empty(self, tables: list[tuple[sa.Table, TableSpec]]) -> None:
        datasets_writer.empty_tables(self.engine, tables)

    def has_rows(self, table: sa.Table) -> bool:
        return datasets_writer.has_rows(self.engine, table)

    def held_values(self, table: sa.Table, column: str, values: Sequence[Any]) -> set[Any]:
        return datasets_writer.held_values(self.engine, table, column, values)

    def held_combinations(self, table: sa.Table, columns: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
        return datasets_writer.held_combinations(self.engine, table, columns, limit)

    def report(self, table: sa.Table, spec: TableSpec) -> column_report.TableReport:
        return column_report.column_report(self.engine, table, spec)

    def aggregate(
        self, owner_id: uuid.UUID | None, parent: TableSpec, rule: AggregateRule, child: TableSpec | None
    ) -> str | None:
        return aggregates.apply_aggregate(self.engine, self.schema, owner_id, parent, rule, child)
