"""An alter plan carried out on the datasets database with Alembic's Operations API, inside the caller's
transaction: checks of the rows already there, then the DDL (batch mode on SQLite, which recreates the
table). MySQL/MariaDB commit each DDL statement on their own, so there the plan is one ALTER TABLE
statement, atomic on the server. Identifiers reach SQL only through SQLAlchemy and Alembic, which quote
them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import BatchOperations, Operations
from alembic.runtime.migration import MigrationContext
from dmb_common.datasets import column_for, mysql_prefix_lengths, table_for
from dmb_common.db import new_metadata
from dmb_contracts.fields import TEXTUAL_TYPES, FieldSpec, IndexSpec, TableSpec, unique_constraint_name
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


def has_shape(
    conn: sa.Connection,
    spec: TableSpec,
    schema: str | None,
    *,
    types: bool = True,
    absent_indexes: frozenset[str] = frozenset(),
) -> bool:
    """Whether the database table has exactly the spec's columns (and, with `types`, their SQL types and
    nullability), its table-level indexes, and none of the `absent_indexes`."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(spec.table_name, schema=schema):
        return False
    reflected = {column["name"]: column for column in inspector.get_columns(spec.table_name, schema=schema)}
    if set(reflected) != {field.name for field in spec.fields}:
        return False
    indexes = {index["name"] for index in inspector.get_indexes(spec.table_name, schema=schema)}
    if any(index_name(index, spec) not in indexes for index in spec.indexes) or indexes & absent_indexes:
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
    text = str(type_.compile(dialect=conn.dialect)).upper().replace(" ", "")
    if is_mysql(conn):
        # What MySQL/MariaDB report for the types we create: display widths, TINYINT(1) for BOOL, DECIMAL
        # for NUMERIC, and MariaDB's JSON as a binary-collated LONGTEXT.
        text = _MYSQL_DISPLAY_WIDTH.sub(r"\1", text)
        text = _MYSQL_SYNONYMS.get(text, text).replace("NUMERIC", "DECIMAL")
    return text


_MYSQL_DISPLAY_WIDTH = re.compile(r"^(TINYINT|SMALLINT|INTEGER|INT|BIGINT)\(\d+\)$")
_MYSQL_SYNONYMS = {"BOOL": "TINYINT", "BOOLEAN": "TINYINT", "LONGTEXTCHARACTERSETUTF8MB4COLLATEUTF8MB4_BIN": "JSON"}


def lock(conn: sa.Connection, spec: TableSpec, schema: str | None) -> None:
    """Keep writers out between the checks and the DDL (PostgreSQL; SQLite's BEGIN IMMEDIATE already does;
    on MySQL a lock would end with the DDL's implicit commit anyway: the single ALTER statement checks the
    rows written in between itself, and fails as a whole)."""
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
    for index in plan.added_indexes:
        if index.unique:
            problem = _check_combinations(conn, table, plan, index)
            if problem is not None:
                return problem
    return None


def _check_combinations(conn: sa.Connection, table: sa.Table, plan: AlterPlan, index: IndexSpec) -> RowProblem | None:
    """Rows that share a combination of the new unique index's values (those with a null are not compared)."""
    old_names = [plan.old_name(name) for name in index.fields]
    if any(name is None for name in old_names):
        return None  # an added field is null in every existing row
    columns = [table.c[name] for name in old_names if name is not None]
    repeated = (
        sa.select(*columns)
        .where(*(column.is_not(None) for column in columns))
        .group_by(*columns)
        .having(sa.func.count() > 1)
    )
    duplicates = conn.execute(sa.select(sa.func.count()).select_from(repeated.subquery())).scalar_one()
    if not duplicates:
        return None
    name = index_name(index, plan.new)
    return RowProblem(
        name,
        "unique",
        f"{duplicates} combinations of ({', '.join(index.fields)}) appear more than once, so index {name!r} "
        "cannot be unique",
    )


def index_name(index: IndexSpec, spec: TableSpec) -> str:
    """A validated spec names every index; the derived name is the fallback for a hand-built one."""
    return index.name or index.default_name(spec.table_name)


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
    """`uq_<table>_<column>`, shortened with a hash when longer than an identifier may be (the name
    `dmb_common.datasets.table_for` gives a unique field's constraint)."""
    return unique_constraint_name(table, column)


@dataclass(frozen=True)
class _Uniqueness:
    name: str
    is_index: bool


def _uniqueness(conn: sa.Connection, spec: TableSpec, schema: str | None) -> dict[str, _Uniqueness]:
    """Column → the single-column unique constraint or unique index that makes it unique (not the spec's
    table-level indexes, which the plan handles by name)."""
    inspector = sa.inspect(conn)
    table = spec.table_name
    own = {index_name(index, spec) for index in spec.indexes}
    found: dict[str, _Uniqueness] = {}
    for constraint in inspector.get_unique_constraints(table, schema=schema):
        if len(constraint["column_names"]) == 1 and constraint["name"] and constraint["name"] not in own:
            found[constraint["column_names"][0]] = _Uniqueness(constraint["name"], False)
    for index in inspector.get_indexes(table, schema=schema):
        columns = index["column_names"]
        if (
            index["unique"]
            and len(columns) == 1
            and columns[0] is not None
            and index["name"]
            and index["name"] not in own
        ):
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


@dataclass(frozen=True)
class DdlSteps:
    """What apply does, decided before any statement runs (pure: from the plan, the table's unique constraints
    and indexes as the database has them, and what the dialect can do)."""

    #: Unique indexes of fields that stop being unique or are dropped (before the column changes).
    unique_indexes_to_drop: list[str]
    #: Unique constraints of those fields (dropped with the column changes).
    constraints: list[_Uniqueness]
    #: Kept fields renamed, retyped, made (not) nullable, or with a new comment where comments exist.
    column_changes: list[FieldChange]
    #: Whether the column phase has anything to do (SQLite rebuilds the table for it).
    columns_touched: bool
    #: Fields that become unique, or are added unique: a unique index each (after the column changes).
    gaining: list[FieldSpec]


def ddl_steps(plan: AlterPlan, uniques: dict[str, _Uniqueness], comments: bool) -> DdlSteps:
    losing: list[FieldChange | _Dropped] = [c for c in plan.kept if c.unique_changed and not column_unique(c.new)]
    losing += [_Dropped(spec) for spec in plan.dropped if spec.name in uniques]
    found = [uniques.get(item.old.name) for item in losing]
    column_changes = [c for c in plan.kept if c.renamed or c.retyped or c.nullable_changed]
    if comments:
        column_changes += [c for c in plan.kept if c.comment_changed and c not in column_changes]
    constraints = [u for u in found if u is not None and not u.is_index]
    gaining = [c.new for c in plan.kept if c.unique_changed and column_unique(c.new)]
    gaining += [spec for spec in plan.added if column_unique(spec)]
    return DdlSteps(
        unique_indexes_to_drop=[u.name for u in found if u is not None and u.is_index],
        constraints=constraints,
        column_changes=column_changes,
        columns_touched=bool(constraints or plan.dropped or column_changes or plan.added),
        gaining=gaining,
    )


def apply(conn: sa.Connection, plan: AlterPlan, schema: str | None) -> list[str]:
    """Run the plan's DDL on `conn` (in its transaction), phase by phase; returns the statements run."""
    if is_mysql(conn):
        return _apply_in_one_statement(conn, plan, schema)
    statements: list[str] = []
    uniques = _uniqueness(conn, plan.old, schema)
    comments = bool(conn.dialect.supports_comments)
    steps = ddl_steps(plan, uniques, comments)
    op = Operations(MigrationContext.configure(conn, opts={"target_metadata": new_metadata()}))
    with _recording(conn, statements):
        # Unique indexes go first (SQLite cannot drop or recreate a table's indexed column around them).
        _drop_indexes(op, plan, steps, schema)
        if plan.renamed_table:
            op.rename_table(plan.old.table_name, plan.new.table_name, schema=schema)
        _change_columns(op, conn, plan, steps, comments, schema)
        _create_indexes(op, plan, steps, schema)
        if comments and plan.table_comment_changed:
            _table_comment(op, plan, schema)
        if plan.renamed_table and conn.dialect.name == "postgresql":
            _rename_derived_names(conn, plan, schema, uniques)
    return statements


def _drop_indexes(op: Operations, plan: AlterPlan, steps: DdlSteps, schema: str | None) -> None:
    for index in plan.indexes_to_drop:
        op.drop_index(index_name(index, plan.old), table_name=plan.old.table_name, schema=schema)
    for name in steps.unique_indexes_to_drop:
        op.drop_index(name, table_name=plan.old.table_name, schema=schema)


def _change_columns(
    op: Operations, conn: sa.Connection, plan: AlterPlan, steps: DdlSteps, comments: bool, schema: str | None
) -> None:
    name = plan.new.table_name
    if conn.dialect.name == "sqlite":
        if steps.columns_touched:
            with op.batch_alter_table(name, schema=schema, recreate="always") as batch:
                _alter_columns(batch, plan, steps.constraints, steps.column_changes, comments, using=False)
        return
    with _DirectTarget(op, name, schema) as target:
        _alter_columns(target, plan, steps.constraints, steps.column_changes, comments, using=True, conn=conn)


def _create_indexes(op: Operations, plan: AlterPlan, steps: DdlSteps, schema: str | None) -> None:
    name = plan.new.table_name
    for spec in steps.gaining:
        op.create_index(unique_index_name(name, spec.name), name, [spec.name], unique=True, schema=schema)
    for index in plan.indexes_to_create:
        op.create_index(index_name(index, plan.new), name, list(index.fields), unique=index.unique, schema=schema)


def _table_comment(op: Operations, plan: AlterPlan, schema: str | None) -> None:
    name, before = plan.new.table_name, plan.old.description or None
    if plan.new.description:
        op.create_table_comment(name, plan.new.description, existing_comment=before, schema=schema)
    else:
        op.drop_table_comment(name, existing_comment=before, schema=schema)


def _rename_derived_names(
    conn: sa.Connection, plan: AlterPlan, schema: str | None, uniques: dict[str, _Uniqueness]
) -> None:
    """PostgreSQL keeps constraint and index names in the schema's namespace: after a table rename, the
    primary key and unique constraints named after the old table follow it, so a new table may take the old
    name. (Table-level indexes keep the names stored in the spec.)"""
    preparer = conn.dialect.identifier_preparer
    limit = conn.dialect.max_identifier_length
    table = preparer.format_table(table_for(plan.new, schema))
    old_pk, new_pk = f"pk_{plan.old.table_name}"[:limit], f"pk_{plan.new.table_name}"[:limit]
    if sa.inspect(conn).get_pk_constraint(plan.new.table_name, schema=schema).get("name") == old_pk:
        conn.exec_driver_sql(
            f"ALTER TABLE {table} RENAME CONSTRAINT {preparer.quote(old_pk)} TO {preparer.quote(new_pk)}"
        )
    for change in plan.kept:
        found = uniques.get(change.old.name)
        if found is None or not (column_unique(change.old) and column_unique(change.new)):
            continue
        if found.name != unique_index_name(plan.old.table_name, change.old.name)[:limit]:
            continue
        new_name = preparer.quote(unique_index_name(plan.new.table_name, change.new.name))
        if found.is_index:
            index = (
                preparer.quote(found.name)
                if schema is None
                else f"{preparer.quote(schema)}.{preparer.quote(found.name)}"
            )
            conn.exec_driver_sql(f"ALTER INDEX {index} RENAME TO {new_name}")
        else:
            conn.exec_driver_sql(f"ALTER TABLE {table} RENAME CONSTRAINT {preparer.quote(found.name)} TO {new_name}")


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


def is_mysql(conn: sa.Connection) -> bool:
    return conn.dialect.name in ("mysql", "mariadb")


def _apply_in_one_statement(conn: sa.Connection, plan: AlterPlan, schema: str | None) -> list[str]:
    """MySQL and MariaDB commit every DDL statement on its own, so no transaction can undo half a plan. The
    whole plan is therefore ONE `ALTER TABLE`, which the server applies completely or not at all (a
    duplicate, a null or a value that does not fit the new type fails the statement). Identifiers are quoted
    and column definitions and comments rendered by SQLAlchemy's MySQL compiler."""
    if not plan.needs_ddl:
        return []
    dialect = conn.dialect
    preparer = dialect.identifier_preparer
    quote = preparer.quote
    old_table, new_table = table_for(plan.old, schema), table_for(plan.new, schema)
    columns = dialect.ddl_compiler(dialect, sa.schema.CreateTable(new_table))
    uniques = _uniqueness(conn, plan.old, schema)
    clauses = [f"DROP INDEX {quote(index_name(index, plan.old))}" for index in plan.indexes_to_drop]
    for change in plan.kept:
        found = uniques.get(change.old.name)
        if change.unique_changed and not column_unique(change.new) and found is not None:
            clauses.append(f"DROP INDEX {quote(found.name)}")
    clauses += [f"DROP COLUMN {quote(spec.name)}" for spec in plan.dropped]
    for change in plan.kept:
        if change.renamed or change.retyped or change.nullable_changed or change.comment_changed:
            definition = columns.get_column_specification(new_table.c[change.new.name])
            clauses.append(f"CHANGE COLUMN {quote(change.old.name)} {definition}")
    clauses += [f"ADD COLUMN {columns.get_column_specification(new_table.c[spec.name])}" for spec in plan.added]
    added = {spec.name for spec in plan.added}
    for constraint in new_table.foreign_key_constraints:
        # An added foreign-key field brings its FOREIGN KEY constraint into the same statement.
        if added & set(constraint.column_keys):
            clauses.append(f"ADD {columns.visit_foreign_key_constraint(constraint)}")
    gaining = [c.new for c in plan.kept if c.unique_changed and column_unique(c.new)]
    gaining += [spec for spec in plan.added if column_unique(spec)]
    for spec in gaining:
        clauses.append(
            f"ADD UNIQUE INDEX {quote(unique_index_name(plan.new.table_name, spec.name))} ({quote(spec.name)})"
        )
    for index in plan.indexes_to_create:
        prefixes = mysql_prefix_lengths(new_table, index)
        parts = ", ".join(quote(name) + (f"({prefixes[name]})" if name in prefixes else "") for name in index.fields)
        kind = "UNIQUE INDEX" if index.unique else "INDEX"
        clauses.append(f"ADD {kind} {quote(index_name(index, plan.new))} ({parts})")
    if plan.table_comment_changed:
        literal = dialect.statement_compiler(dialect, None).render_literal_value(plan.new.description, sa.String())
        clauses.append(f"COMMENT = {literal}")
    if plan.renamed_table:
        clauses.append(f"RENAME TO {preparer.format_table(new_table)}")
    if not clauses:
        return []
    statement = f"ALTER TABLE {preparer.format_table(old_table)} " + ", ".join(clauses)
    conn.exec_driver_sql(statement)
    return [statement]


def taken_names(conn: sa.Connection, names: set[str], schema: str | None) -> set[str]:
    """Those of `names` another table already uses for an index or constraint where such names share one
    namespace (a PostgreSQL schema, a SQLite database; MySQL keeps them per table)."""
    if not names:
        return set()
    if conn.dialect.name == "postgresql":
        query = sa.text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relname IN :names"
        ).bindparams(sa.bindparam("names", expanding=True))
        return set(conn.scalars(query, {"schema": schema or "public", "names": sorted(names)}))
    if conn.dialect.name == "sqlite":
        query = sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN :names").bindparams(
            sa.bindparam("names", expanding=True)
        )
        return set(conn.scalars(query, {"names": sorted(names)}))
    return set()
