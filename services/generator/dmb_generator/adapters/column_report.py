"""The constraint report of a job, computed by the database from what was actually inserted."""

from __future__ import annotations

import datetime as dt
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


def column_report(engine: Engine, table: sa.Table, spec: TableSpec) -> list[ColumnReport]:
    """Per column: nulls, distinct values, min, max, and rows that break the field's constraints; then a line
    per unique index (see index_reports)."""
    selects: list[sa.ColumnElement[Any]] = []
    for field in spec.fields:
        column = table.c[field.name]
        selects.append(sa.func.count() - sa.func.count(column))
        selects.append(sa.func.count(sa.distinct(column)))
        if not TYPE_TRAITS[field.value_type].orderable:  # booleans, UUIDs, JSON: no min/max aggregate
            selects.extend([sa.null(), sa.null()])
        else:
            selects.extend([sa.func.min(column), sa.func.max(column)])
        conditions = _violation_conditions(field, column)
        selects.append(sa.func.sum(sa.case((sa.or_(*conditions), 1), else_=0)) if conditions else sa.literal(0))
    with engine.connect() as conn:
        row = conn.execute(sa.select(*selects).select_from(table)).one()
    reports = []
    for index, field in enumerate(spec.fields):
        nulls, distinct, low, high, violations = row[index * 5 : index * 5 + 5]
        reports.append(
            ColumnReport(
                name=field.name,
                nulls=int(nulls or 0),
                distinct=int(distinct or 0),
                min=_scalar(low),
                max=_scalar(high),
                violations=int(violations or 0),
            )
        )
    return reports + index_reports(engine, table, spec)


def index_reports(engine: Engine, table: sa.Table, spec: TableSpec) -> list[ColumnReport]:
    """Per unique index, named "unique index <name>" (no field name has a space): `nulls` counts the rows with a null in one of its fields (SQL
    does not compare those), `distinct` the distinct combinations of the others, and `violations` the rows
    that repeat a combination of an earlier row (0 unless the table holds duplicates the index let through)."""
    reports = []
    for index in spec.indexes:
        if not index.unique:
            continue
        columns = [table.c[name] for name in index.fields]
        complete = sa.and_(*(column.is_not(None) for column in columns))
        combinations = sa.select(*columns).where(complete).distinct().subquery()
        query = sa.select(
            sa.func.count(),
            sa.func.sum(sa.case((complete, 1), else_=0)),
            sa.select(sa.func.count()).select_from(combinations).scalar_subquery(),
        ).select_from(table)
        with engine.connect() as conn:
            total, with_values, distinct = conn.execute(query).one()
        with_values, distinct = int(with_values or 0), int(distinct or 0)
        reports.append(
            ColumnReport(
                name=f"unique index {index.name or index.default_name(spec.table_name)}",
                nulls=int(total or 0) - with_values,
                distinct=distinct,
                violations=with_values - distinct,
            )
        )
    return reports
