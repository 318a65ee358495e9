"""The constraint report of a job, computed by the database from what was actually inserted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dmb_contracts.events import ColumnReport
from dmb_contracts.fields import TEXTUAL_TYPES, TYPE_TRAITS, FieldSpec, JsonScalar, StorageType, TableSpec
from sqlalchemy.engine import Engine


def _violation_conditions(spec: FieldSpec, column: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if not spec.nullable:
        conditions.append(column.is_(None))
    low, high = spec.bounds() if spec.min is not None or spec.max is not None else (None, None)
    if low is not None:
        conditions.append(column < low)
    if high is not None:
        conditions.append(column > high)
    if spec.type in TEXTUAL_TYPES:
        length = sa.func.length(column)
        if spec.length_limit is not None:
            conditions.append(length > spec.length_limit)
        if spec.min_length:
            conditions.append(length < spec.min_length)
    if spec.choices and spec.type is not StorageType.JSON:  # JSON choices are documents, not comparable text
        conditions.append(column.not_in([c for c in spec.choices if c is not None]))
    return conditions


def _scalar(value: Any) -> JsonScalar:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


#: The report's queries run side by side on this many connections. The distinct counts dominate (each one
#: a scan and a hash of the whole table) and the server runs every connection on a core of its own, so on a
#: job's critical path (nothing else runs while the last chunk's report is made) this divides its time.
REPORT_CONNECTIONS = 3


@dataclass(frozen=True)
class TableReport:
    #: Rows in the table when it was checked (rows of earlier jobs included): what the lines count out of.
    rows: int
    lines: list[ColumnReport]


def column_report(engine: Engine, table: sa.Table, spec: TableSpec) -> TableReport:
    """Per column: nulls, distinct values, min, max, and rows that break the field's constraints; then a line
    per unique index (see _index_query).

    A key or unique field is not counted: the database enforces it (dmb_common.datasets creates its unique
    constraint), so its distinct values are its non-null rows, and counting them hashed the whole column on
    the job's critical path (an e-mail column of 1,000,000 rows: the report's slowest query)."""
    unique_indexes = [index for index in spec.indexes if index.unique]
    counted = [field for field in spec.fields if not _enforced_unique(spec, field)]
    queries = [
        _summary_query(table, spec),
        *(_distinct_query(table.c[field.name]) for field in counted),
        *(_index_query(table, index.fields) for index in unique_indexes),
    ]
    summary, *results = _run_all(engine, queries)
    distinct_rows, index_rows = results[: len(counted)], results[len(counted) :]
    distincts = {field.name: int(row[0] or 0) for field, row in zip(counted, distinct_rows, strict=True)}
    rows = int(summary[-1] or 0)
    reports = []
    for position, field in enumerate(spec.fields):
        nulls, low, high, violations = summary[position * 4 : position * 4 + 4]
        reports.append(
            ColumnReport(
                name=field.name,
                nulls=int(nulls or 0),
                distinct=distincts.get(field.name, rows - int(nulls or 0)),
                min=_scalar(low),
                max=_scalar(high),
                violations=int(violations or 0),
            )
        )
    for index, row in zip(unique_indexes, index_rows, strict=True):
        total, with_values, distinct = (int(figure or 0) for figure in row)
        reports.append(
            ColumnReport(
                name=f"unique index {index.name or index.default_name(spec.table_name)}",
                nulls=total - with_values,
                distinct=distinct,
                violations=with_values - distinct,
            )
        )
    return TableReport(rows=rows, lines=reports)


def _enforced_unique(spec: TableSpec, field: FieldSpec) -> bool:
    """What dmb_common.datasets makes the database enforce: a unique field outside the key, or the primary key
    when it is one field (a composite key, and a unique field in it, are unique only as a whole)."""
    if field.primary_key:
        return sum(1 for candidate in spec.fields if candidate.primary_key) == 1
    return field.unique


def _summary_query(table: sa.Table, spec: TableSpec) -> sa.Select[Any]:
    """One scan: per column its nulls, min, max and the rows breaking its constraints; last, the row count."""
    selects: list[sa.ColumnElement[Any]] = []
    for field in spec.fields:
        column = table.c[field.name]
        selects.append(sa.func.count() - sa.func.count(column))
        if not TYPE_TRAITS[field.value_type].orderable:  # booleans, UUIDs, JSON: no min/max aggregate
            selects.extend([sa.null(), sa.null()])
        else:
            selects.extend([sa.func.min(column), sa.func.max(column)])
        conditions = _violation_conditions(field, column)
        selects.append(sa.func.sum(sa.case((sa.or_(*conditions), 1), else_=0)) if conditions else sa.literal(0))
    selects.append(sa.func.count())
    return sa.select(*selects).select_from(table)


def _distinct_query(column: sa.Column[Any]) -> sa.Select[Any]:
    # SELECT DISTINCT in a subquery rather than count(DISTINCT ...): the planner may then hash, or walk a
    # unique index, where count(DISTINCT) always sorts (by the column's collation, slow for text).
    values = sa.select(column).where(column.is_not(None)).distinct().subquery()
    return sa.select(sa.func.count()).select_from(values)


def _index_query(table: sa.Table, fields: Sequence[str]) -> sa.Select[Any]:
    """A unique index's line, named "unique index <name>" (no field name has a space): `nulls` counts the rows
    with a null in one of its fields (SQL does not compare those), `distinct` the distinct combinations of the
    others, and `violations` the rows that repeat a combination of an earlier row (0 unless the table holds
    duplicates the index let through)."""
    columns = [table.c[name] for name in fields]
    complete = sa.and_(*(column.is_not(None) for column in columns))
    combinations = sa.select(*columns).where(complete).distinct().subquery()
    return sa.select(
        sa.func.count(),
        sa.func.sum(sa.case((complete, 1), else_=0)),
        sa.select(sa.func.count()).select_from(combinations).scalar_subquery(),
    ).select_from(table)


def _run_all(engine: Engine, queries: Sequence[sa.Select[Any]]) -> list[sa.Row[Any]]:
    """Each query's one row, in order. SQLite gains nothing from more connections: one connection runs all.
    The queries see the table at slightly different moments, which only matters if another job writes into
    it at the same time; then each figure is still true of the rows it saw."""

    def one(query: sa.Select[Any]) -> sa.Row[Any]:
        with engine.connect() as conn:
            return conn.execute(query).one()

    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            return [conn.execute(query).one() for query in queries]
    with ThreadPoolExecutor(max_workers=REPORT_CONNECTIONS, thread_name_prefix="column-report") as pool:
        return list(pool.map(one, queries))
