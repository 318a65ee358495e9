"""Read tables of an existing database through SQLAlchemy's reflection (only the catalogue is read, nothing is
written). Column types are read back by the SQL parser, so both ways in share one type mapping."""

from __future__ import annotations

import contextlib
import re
import warnings as python_warnings
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from dmb_gateway.importer.checks import apply_check
from dmb_gateway.importer.model import Column, Dialect, Index, SqlImportError, Table
from dmb_gateway.importer.parse import ON_DELETE, partial

_SKIPPED_EXPRESSION = re.compile(r"Skipped unsupported reflection of expression-based index (\S+)")
_DIALECTS: dict[str, Dialect] = {"mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


def reflect_tables(url: str, table: str | None, schema: str | None) -> tuple[list[Table], Dialect]:
    """One table of the database, or (`table` None) every table of the schema."""
    engine = sa.create_engine(url)
    try:
        dialect = _DIALECTS.get(engine.dialect.name, "postgres")
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            if table is not None and not inspector.has_table(table, schema=schema):
                where = f"{schema}.{table}" if schema else table
                raise SqlImportError("not_found", f"there is no table {where!r} in that database")
            names = [table] if table is not None else inspector.get_table_names(schema=schema)
            if not names:
                raise SqlImportError("not_found", f"there are no tables in {schema or 'that database'!r}")
            return [_reflect(conn, inspector, name, schema, dialect) for name in names], dialect
    finally:
        engine.dispose()


def _own(name: str, dialect: Dialect) -> str:
    return name.lower() if dialect == "mysql" else name


def _reflect(conn: sa.Connection, inspector: Any, name: str, schema: str | None, dialect: Dialect) -> Table:
    table = Table(_own(name, dialect), False, [])
    pk = set(inspector.get_pk_constraint(name, schema=schema).get("constrained_columns") or [])
    for info in inspector.get_columns(name, schema=schema):
        table.columns.append(_column(conn, info, info["name"] in pk, dialect, table.warnings))
    _reflect_indexes(conn, inspector, table, name, schema, dialect)
    for fk in inspector.get_foreign_keys(name, schema=schema):
        _foreign_key(fk, table, dialect)
    with contextlib.suppress(NotImplementedError):
        for check in inspector.get_check_constraints(name, schema=schema):
            _check(check.get("sqltext") or "", table, dialect)
    with contextlib.suppress(NotImplementedError):  # dialects without table comments
        table.description = (inspector.get_table_comment(name, schema=schema) or {}).get("text") or ""
    return table


def _column(conn: sa.Connection, info: Any, primary_key: bool, dialect: Dialect, warnings: list[str]) -> Column:
    name = _own(info["name"], dialect)
    type_sql = info["type"].compile(dialect=conn.dialect)
    try:
        dtype: exp.DataType | None = exp.DataType.build(type_sql, dialect=dialect)
    except (ParseError, TokenError, ValueError):
        dtype = None
        warnings.append(f"{name}: the type {type_sql} is unknown to the parser")
    column = Column(name, False, dtype, nullable=bool(info.get("nullable", True)))
    column.primary_key = primary_key
    column.description = info.get("comment") or ""
    if info.get("identity") is not None or (info.get("autoincrement") is True and primary_key):
        column.autoincrement = True
    default = info.get("default")
    if isinstance(default, str):
        if "nextval(" in default.lower():
            column.autoincrement = True
        else:
            try:
                column.default = sqlglot.parse_one(default, read=dialect)
            except (ParseError, TokenError):
                warnings.append(f"{name}: the default {default[:80]} was not imported")
    return column


def _foreign_key(fk: Any, table: Table, dialect: Dialect) -> None:
    constrained = [_own(n, dialect) for n in fk["constrained_columns"]]
    referred = fk["referred_columns"]
    child = table.column(constrained[0]) if len(constrained) == 1 and len(referred) == 1 else None
    if child is None:
        table.warnings.append(
            f"the foreign key ({', '.join(constrained)}) → {fk['referred_table']} was not imported "
            "(only single-column foreign keys are)"
        )
        return
    on_delete = " ".join(str((fk.get("options") or {}).get("ondelete") or "RESTRICT").upper().split())
    if on_delete not in ON_DELETE:
        table.warnings.append(f"{child.name}: ON DELETE {on_delete} is not supported; RESTRICT is used")
    child.references = (
        _own(fk["referred_table"], dialect),
        _own(referred[0], dialect),
        ON_DELETE.get(on_delete, "restrict"),
    )


def _check(sqltext: str, table: Table, dialect: Dialect) -> None:
    try:
        condition = sqlglot.parse_one(sqltext, read=dialect)
    except (ParseError, TokenError):
        table.warnings.append(f"the CHECK constraint {sqltext[:120]} was not imported (it could not be read)")
        return
    apply_check(condition, table, dialect)


def _reflect_indexes(
    conn: sa.Connection, inspector: Any, table: Table, name: str, schema: str | None, dialect: Dialect
) -> None:
    """Unique constraints and indexes. A database lists a unique constraint's index too (PostgreSQL marks it
    `duplicates_constraint`); MySQL lists each unique key as both, and only the index says its prefix lengths,
    so there the index is read and the constraint (`duplicates_index`) skipped."""
    with python_warnings.catch_warnings(record=True) as caught:
        python_warnings.simplefilter("always")
        constraints = inspector.get_unique_constraints(name, schema=schema)
        indexes = inspector.get_indexes(name, schema=schema)
    skipped: dict[str, None] = {}  # in order, once each: both calls say it
    for warning in caught:
        found = _SKIPPED_EXPRESSION.search(str(warning.message))
        if found:  # SQLite: SQLAlchemy leaves expression indexes out, saying so only in this warning
            skipped[found.group(1)] = None
        else:
            python_warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    table.warnings += [f"the index {index} was not imported (it is on an expression)" for index in skipped]
    if conn.dialect.name == "sqlite":
        constraints = [*constraints, *_sqlite_unique_constraints(conn, name, schema)]
    for constraint in constraints:
        if constraint.get("duplicates_index"):
            continue
        index = Index("unique constraint", constraint.get("name"), True)
        for column in constraint["column_names"]:
            index.add_column(_own(column, dialect))
        _reflected_options(index, constraint.get("dialect_options") or {}, dialect)
        table.add_index(index)
    for info in indexes:
        if not info.get("duplicates_constraint"):
            table.add_index(_index(info, dialect))


def _index(info: Any, dialect: Dialect) -> Index:
    unique = bool(info.get("unique"))
    index = Index("unique index" if unique else "index", info.get("name"), unique)
    options = info.get("dialect_options") or {}
    lengths = options.get("mysql_length") or {}
    expressions = info.get("expressions") or []
    for position, column in enumerate(info["column_names"]):
        if column is None:
            shown = str(expressions[position]) if position < len(expressions) else "an expression"
            index.shown.append(shown)
            index.blockers.append(f"{shown} is an expression, not a column")
            continue
        own = _own(column, dialect)
        length = lengths.get(column) if isinstance(lengths, dict) else lengths
        if length:
            index.add_prefix(own, int(length))
        else:
            index.add_column(own)
        if "desc" in (info.get("column_sorting") or {}).get(column, ()):
            index.dropped.append(f"the descending order of {own}")
    _reflected_options(index, options, dialect)
    return index


def _sqlite_unique_constraints(conn: sa.Connection, name: str, schema: str | None) -> list[dict[str, Any]]:
    """SQLite's own list of its UNIQUE constraints (the indexes it made for them): SQLAlchemy reads them from
    the CREATE TABLE text and misses some, e.g. `code VARCHAR(20) UNIQUE`. Repeats of what it found are
    removed later, as the same rule twice."""
    found: list[dict[str, Any]] = []
    listed = sa.text("SELECT name FROM pragma_index_list(:table, :schema) WHERE origin = 'u' AND \"unique\" = 1")
    columns = sa.text("SELECT name FROM pragma_index_info(:index, :schema) ORDER BY seqno")
    for (index,) in conn.execute(listed, {"table": name, "schema": schema or "main"}):
        names = [column for (column,) in conn.execute(columns, {"index": index, "schema": schema or "main"})]
        if names and None not in names:
            found.append({"name": None, "column_names": names})
    return found


def _reflected_options(index: Index, options: dict[str, Any], dialect: Dialect) -> None:
    """The dialect-specific details SQLAlchemy reflects for an index or unique constraint."""
    where = options.get("postgresql_where", options.get("sqlite_where"))
    if where is not None:
        partial(index, str(where).strip(), dialect)
    prefix = options.get("mysql_prefix")
    if prefix:
        index.kind = f"{str(prefix).lower()} index"
        index.blockers.append(f"a {prefix} index is not a plain index on the columns")
    using = options.get("postgresql_using") or options.get("mysql_using")
    if using and str(using).upper() != "BTREE":
        index.dropped.append(f"USING {using}")
    for column, opclass in (options.get("postgresql_ops") or {}).items():
        index.dropped.append(f"the operator class {opclass} of {column}")
    if options.get("postgresql_nulls_not_distinct"):
        index.dropped.append("NULLS NOT DISTINCT (rows with a null in one of the fields are not compared)")
    if options.get("postgresql_include"):
        index.dropped.append(f"INCLUDE ({', '.join(options['postgresql_include'])})")
