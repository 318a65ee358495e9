"""An alter plan carried out on the datasets database with Alembic's Operations API, inside the caller's
transaction: checks of the rows already there, then the DDL (batch mode on SQLite, which recreates the
table). Identifiers reach SQL only through SQLAlchemy and Alembic, which quote them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import BatchOperations, Operations
from alembic.runtime.migration import MigrationContext
from dmb_common.datasets import column_for, table_for
from dmb_common.db import new_metadata
from dmb_contracts.fields import TEXTUAL_TYPES, FieldSpec, TableSpec
from dmb_contracts.identifiers import MAX_IDENTIFIER_LENGTH
from dmb_schema.domain.diff import (
    AlterPlan,
    Conversion,
    FieldChange,
    column_nullable,
    column_unique,
    describe_shape,
    value_problem,
)

EXAMPLES = 3


@dataclass(frozen=True)
class RowProblem:
    field: str | None
    rule: str
    message: str


def has_shape(conn: sa.Connection, spec: TableSpec, schema: str | None, *, types: bool = True) -> bool:
    """Whether the database table has exactly the spec's columns (and, with `types`, their SQL types and
    nullability)."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(spec.table_name, schema=schema):
        return False
    reflected = {column["name"]: column for column in inspector.get_columns(spec.table_name, schema=schema)}
    if set(reflected) != {field.name for field in spec.fields}:
        return False
    if not types:
        return True
    for field in spec.fields:
        expected = column_for(field)
        column = reflected[field.name]
        if bool(column["nullable"]) != bool(expected.nullable):
            return False
        if _compiled(column["type"], conn) != _compiled(expected.type, conn):
            return False
    return True


def _compiled(type_: sa.types.TypeEngine[Any], conn: sa.Connection) -> str:
    return str(type_.compile(dialect=conn.dialect)).upper().replace(" ", "")


def lock(conn: sa.Connection, spec: TableSpec, schema: str | None) -> None:
    """Keep writers out between the checks and the DDL (PostgreSQL; SQLite's BEGIN IMMEDIATE already does)."""
    if conn.dialect.name == "postgresql":
        table = conn.dialect.identifier_preparer.format_table(table_for(spec, schema))
        conn.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")


def check_rows(conn: sa.Connection, plan: AlterPlan, schema: str | None) -> RowProblem | None:
    """The first reason the rows already in the table cannot take the change, or None."""
    table = table_for(plan.old, schema)
    rows = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    if rows:
        for spec in plan.added:
            if not column_nullable(spec):
                return RowProblem(
                    spec.name,
                    "nullable",
                    f"the table has {rows} rows, so the new field {spec.name!r} must be nullable "
                    "(the existing rows have no value for it)",
                )
    for change in plan.kept:
        column = table.c[change.old.name]
        if change.nullable_changed and not column_nullable(change.new):
            nulls = conn.execute(sa.select(sa.func.count()).select_from(table).where(column.is_(None))).scalar_one()
            if nulls:
                return RowProblem(
                    change.new.name,
                    "nullable",
                    f"{nulls} rows have no value for {change.old.name!r}, so it cannot become required",
                )
        if change.conversion is Conversion.CHECKED:
            problem = _check_values(conn, table, change.old, change.new)
            if problem is not None:
                return problem
        if change.unique_changed and column_unique(change.new):
            repeated = sa.select(column).where(column.is_not(None)).group_by(column).having(sa.func.count() > 1)
            duplicates = conn.execute(sa.select(sa.func.count()).select_from(repeated.subquery())).scalar_one()
            if duplicates:
                return RowProblem(
                    change.new.name,
                    "unique",
                    f"{duplicates} values of {change.old.name!r} appear more than once, so it cannot become unique",
                )
    return None


def _check_values(conn: sa.Connection, table: sa.Table, old: FieldSpec, new: FieldSpec) -> RowProblem | None:
    column = table.c[old.name]
    query = sa.select(column).where(column.is_not(None)).distinct()
    bad = 0
    examples: list[str] = []
    for value in conn.scalars(query.execution_options(yield_per=2000)):
        problem = value_problem(new, value)
        if problem is not None:
            bad += 1
            if len(examples) < EXAMPLES:
                examples.append(f"{str(value)[:40]!r} ({problem})")
    if not bad:
        return None
    return RowProblem(
        new.name,
        "type",
        f"cannot change {old.name!r} from {describe_shape(old)} to {describe_shape(new)}: {bad} distinct "
        f"existing values do not fit, e.g. {', '.join(examples)}",
    )


def unique_index_name(table: str, column: str) -> str:
    """`uq_<table>_<column>`, shortened with a hash when longer than an identifier may be."""
    name = f"uq_{table}_{column}"
    if len(name) <= MAX_IDENTIFIER_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER_LENGTH - 9]}_{digest}"


@dataclass(frozen=True)
class _Uniqueness:
    name: str
    is_index: bool


def _uniqueness(conn: sa.Connection, table: str, schema: str | None) -> dict[str, _Uniqueness]:
    """Column → the single-column unique constraint or unique index that makes it unique."""
    inspector = sa.inspect(conn)
    found: dict[str, _Uniqueness] = {}
    for constraint in inspector.get_unique_constraints(table, schema=schema):
        if len(constraint["column_names"]) == 1 and constraint["name"]:
            found[constraint["column_names"][0]] = _Uniqueness(constraint["name"], False)
    for index in inspector.get_indexes(table, schema=schema):
        columns = index["column_names"]
        if index["unique"] and len(columns) == 1 and columns[0] is not None and index["name"]:
            found.setdefault(columns[0], _Uniqueness(index["name"], True))
    return found


@contextmanager
def _recording(conn: sa.Connection, into: list[str]) -> Iterator[None]:
    """Collect the DDL and data-copy statements run on `conn` (not the reflection queries)."""

    def record(*args: Any) -> None:
        statement = str(args[2]).strip()
        if not statement.upper().startswith(("SELECT", "PRAGMA", "WITH")):
            into.append(statement)

    sa.event.listen(conn, "before_cursor_execute", record)
    try:
        yield
    finally:
        sa.event.remove(conn, "before_cursor_execute", record)


def apply(conn: sa.Connection, plan: AlterPlan, schema: str | None) -> list[str]:
    """Run the plan's DDL on `conn` (in its transaction); returns the statements run."""
    statements: list[str] = []
    uniques = _uniqueness(conn, plan.old.table_name, schema)
    sqlite = conn.dialect.name == "sqlite"
    comments = bool(conn.dialect.supports_comments)
    context = MigrationContext.configure(conn, opts={"target_metadata": new_metadata()})
    op = Operations(context)
    name = plan.new.table_name
    with _recording(conn, statements):
        losing: list[FieldChange | _Dropped] = [c for c in plan.kept if c.unique_changed and not column_unique(c.new)]
        losing += [_Dropped(spec) for spec in plan.dropped if spec.name in uniques]
        # Unique indexes go first (SQLite cannot drop or recreate a table's indexed column around them).
        for item in losing:
            found = uniques.get(item.old.name)
            if found is not None and found.is_index:
                op.drop_index(found.name, table_name=plan.old.table_name, schema=schema)
        if plan.renamed_table:
            op.rename_table(plan.old.table_name, name, schema=schema)
        constraints = [u for c in losing if (u := uniques.get(c.old.name)) is not None and not u.is_index]
        column_changes = [c for c in plan.kept if c.renamed or c.retyped or c.nullable_changed]
        if comments:
            column_changes += [c for c in plan.kept if c.comment_changed and c not in column_changes]
        if sqlite:
            if constraints or plan.dropped or column_changes or plan.added:
                with op.batch_alter_table(name, schema=schema, recreate="always") as batch:
                    _alter_columns(batch, plan, constraints, column_changes, comments, using=False)
        else:
            with _DirectTarget(op, name, schema) as target:
                _alter_columns(target, plan, constraints, column_changes, comments, using=True, conn=conn)
        gaining = [c.new for c in plan.kept if c.unique_changed and column_unique(c.new)]
        gaining += [spec for spec in plan.added if column_unique(spec)]
        for spec in gaining:
            op.create_index(unique_index_name(name, spec.name), name, [spec.name], unique=True, schema=schema)
        if comments and plan.table_comment_changed:
            if plan.new.description:
                op.create_table_comment(
                    name, plan.new.description, existing_comment=plan.old.description or None, schema=schema
                )
            else:
                op.drop_table_comment(name, existing_comment=plan.old.description or None, schema=schema)
    return statements


@dataclass(frozen=True)
class _Dropped:
    old: FieldSpec


class _DirectTarget:
    """The subset of BatchOperations used below, on a plain Operations (databases with real ALTER TABLE)."""

    def __init__(self, op: Operations, table: str, schema: str | None) -> None:
        self.op, self.table, self.schema = op, table, schema

    def __enter__(self) -> _DirectTarget:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def drop_constraint(self, name: str, type_: str) -> None:
        self.op.drop_constraint(name, self.table, type_=type_, schema=self.schema)

    def drop_column(self, name: str) -> None:
        self.op.drop_column(self.table, name, schema=self.schema)

    def add_column(self, column: sa.Column[Any]) -> None:
        self.op.add_column(self.table, column, schema=self.schema)

    def alter_column(self, name: str, **kw: Any) -> None:
        self.op.alter_column(self.table, name, schema=self.schema, **kw)


def _alter_columns(
    target: BatchOperations | _DirectTarget,
    plan: AlterPlan,
    constraints: list[_Uniqueness],
    changes: list[FieldChange],
    comments: bool,
    *,
    using: bool,
    conn: sa.Connection | None = None,
) -> None:
    for constraint in constraints:
        target.drop_constraint(constraint.name, type_="unique")
    for spec in plan.dropped:
        target.drop_column(spec.name)
    for change in changes:
        old_column, new_column = column_for(change.old), column_for(change.new)
        kw: dict[str, Any] = {
            "existing_type": old_column.type,
            "existing_nullable": old_column.nullable,
            "existing_comment": change.old.description or None,
        }
        if change.renamed:
            kw["new_column_name"] = change.new.name
        if change.retyped:
            kw["type_"] = new_column.type
            if using and conn is not None and change.old.type in TEXTUAL_TYPES and change.new.type not in TEXTUAL_TYPES:
                # PostgreSQL converts text to numbers only when told how; the expression is compiled (and its
                # identifier quoted) by SQLAlchemy.
                cast = sa.cast(sa.column(change.old.name), new_column.type)
                kw["postgresql_using"] = str(cast.compile(dialect=conn.dialect))
        if change.nullable_changed:
            kw["nullable"] = new_column.nullable
        if comments and change.comment_changed:
            kw["comment"] = change.new.description or None
        target.alter_column(change.old.name, **kw)
    for spec in plan.added:
        column = column_for(spec)
        column.unique = False  # uniqueness comes as an index afterwards, the same way on every database
        if not comments:
            column.comment = None
        target.add_column(column)
