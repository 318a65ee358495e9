"""SQL export: a script that recreates tables and loads their rows, for PostgreSQL, MySQL/MariaDB or SQLite.

The DDL is SQLAlchemy's DDL compiler run on the same Core Table the datasets database uses
(dmb_common.datasets.table_for), for the chosen dialect, so a column's SQL type is decided in one place.
Values become SQL literals here because each dialect quotes text differently: PostgreSQL (with
standard_conforming_strings, its default since 9.1) and SQLite take a backslash literally and double a
quote; MySQL/MariaDB treat a backslash as an escape, so it is doubled too. With the postgres dialect, rows
can instead be loaded with `COPY ... FROM stdin` (text format), which psql runs.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from dmb_common.datasets import table_for
from dmb_contracts.commands import EXPORT_CONTENT_TYPES, ExportFormat, SqlDialect
from dmb_contracts.fields import StorageType, TableSpec
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable, SetColumnComment, SetTableComment

from dmb_exporter.domain.about import ExportAbout
from dmb_exporter.domain.values import decimal_text, float_text, json_text

SQL_CONTENT_TYPE = EXPORT_CONTENT_TYPES[ExportFormat.SQL]
#: Rows per INSERT statement: few statements to parse, each far below MySQL's default 64 MB packet limit.
INSERT_BATCH_ROWS = 500

_DIALECTS: dict[SqlDialect, Callable[[], Dialect]] = {
    SqlDialect.POSTGRES: postgresql.dialect,
    SqlDialect.MYSQL: mysql.dialect,
    SqlDialect.SQLITE: sqlite.dialect,
}
_BEGIN = {SqlDialect.POSTGRES: "BEGIN;", SqlDialect.MYSQL: "START TRANSACTION;", SqlDialect.SQLITE: "BEGIN;"}
_DIALECT_NAMES = {SqlDialect.POSTGRES: "PostgreSQL", SqlDialect.MYSQL: "MySQL/MariaDB", SqlDialect.SQLITE: "SQLite"}


def sql_dialect(dialect: SqlDialect) -> Dialect:
    return _DIALECTS[dialect]()


def comment_lines(text: str) -> list[str]:
    return [f"-- {line}".rstrip() for line in text.splitlines()] or ["--"]


def script_header(abouts: Sequence[ExportAbout], dialect: SqlDialect) -> str:
    """The script's About comment: what it creates and how to reproduce the rows."""
    lines = [f"-- Dynamic Model Builder export for {_DIALECT_NAMES[dialect]}", "--"]
    for about in abouts:
        lines.append(f"-- Table: {about.table_name}" + (f" ({about.display_name})" if about.display_name else ""))
        if about.description:
            lines.extend(comment_lines(f"Description: {about.description}"))
        facts = {
            "Rows": about.row_count,
            "Seed": about.seed,
            "Definition version": about.definition_version,
            "Locale": about.locale,
            "Generator version": about.generator_version,
        }
        lines.extend(f"-- {name}: {value}" for name, value in facts.items() if value is not None)
        lines.append("--")
    lines.append(f"-- Created: {abouts[0].created_at.isoformat()}" if abouts else "--")
    opening = ["SET NAMES utf8mb4;"] if dialect is SqlDialect.MYSQL else []
    return "\n".join([*lines, "", *opening, _BEGIN[dialect], ""]) + "\n"


def script_footer() -> str:
    return "COMMIT;\n"


def _statement(element: Any, dialect: Dialect) -> str:
    return str(element.compile(dialect=dialect)).strip() + ";\n"


def drop_statements(specs: Sequence[TableSpec], dialect: SqlDialect) -> str:
    """DROP TABLE IF EXISTS for each table, the referencing tables (the later ones) first."""
    compiled = sql_dialect(dialect)
    return "".join(_statement(DropTable(table_for(spec), if_exists=True), compiled) for spec in reversed(specs))


def create_statements(spec: TableSpec, dialect: SqlDialect) -> str:
    """CREATE TABLE with its keys and constraints, its indexes and (where they are separate statements) its
    comments, as SQLAlchemy compiles them for the dialect."""
    compiled = sql_dialect(dialect)
    table = table_for(spec)
    # The whole Unicode range whatever the server's default character set (MySQL's "utf8" is 3 bytes a character).
    table.dialect_options["mysql"]["charset"] = "utf8mb4"
    parts = [_statement(CreateTable(table), compiled)]
    parts += [_statement(CreateIndex(index), compiled) for index in sorted(table.indexes, key=lambda i: i.name or "")]
    if compiled.supports_comments and not compiled.inline_comments:
        if table.comment:
            parts.append(_statement(SetTableComment(table), compiled))
        parts += [_statement(SetColumnComment(column), compiled) for column in table.columns if column.comment]
    return "".join(parts) + "\n"


def _key_storage_type(spec: TableSpec, index: int) -> StorageType:
    field = spec.fields[index]
    if field.type is StorageType.FOREIGN_KEY:
        assert field.references is not None
        return field.references.key_field(field.name).type
    return field.type


_MYSQL_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\x00": "\\0", "\r": "\\r", "\n": "\\n"})
_POSTGRES_ESCAPES = str.maketrans({"\\": "\\\\", "'": "''", "\r": "\\r"})


def _quoted(text: str, dialect: SqlDialect) -> str:
    """Text as a string literal. A carriage return is written as an escape (E'...' on PostgreSQL, char(13)
    on SQLite), never raw: clients such as psql read the script line by line and would drop it."""
    if dialect is SqlDialect.MYSQL:
        return "'" + text.translate(_MYSQL_ESCAPES) + "'"
    if "\r" not in text:
        return "'" + text.replace("'", "''") + "'"
    if dialect is SqlDialect.POSTGRES:
        return "E'" + text.translate(_POSTGRES_ESCAPES) + "'"
    return "(" + " || char(13) || ".join("'" + part.replace("'", "''") + "'" for part in text.split("\r")) + ")"


def sql_literal(value: object, kind: StorageType, dialect: SqlDialect) -> str:
    """One value as a SQL literal of the dialect, for a column of storage type `kind`."""
    if value is None:
        return "NULL"
    if kind is StorageType.JSON:  # the document as JSON text (a str value is a JSON string document)
        return _quoted(json_text(value), dialect)
    if isinstance(value, bool):
        if dialect is SqlDialect.POSTGRES:
            return "TRUE" if value else "FALSE"
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"a decimal column holds {value}, which SQL's NUMERIC cannot store")
        return format(value, "f")
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        if dialect is SqlDialect.POSTGRES:
            return "'NaN'" if math.isnan(value) else ("'Infinity'" if value > 0 else "'-Infinity'")
        raise ValueError(f"a float column holds {value}, which {_DIALECT_NAMES[dialect]} cannot store")
    if isinstance(value, dt.datetime):
        return _quoted(value.isoformat(sep=" ", timespec="microseconds"), dialect)
    if isinstance(value, dt.date):
        return _quoted(value.isoformat(), dialect)
    if isinstance(value, dt.time):
        return _quoted(value.isoformat(timespec="microseconds"), dialect)
    if kind is StorageType.UUID:
        parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        # Native uuid on PostgreSQL; elsewhere SQLAlchemy's Uuid is CHAR(32) holding the hex digits.
        return f"'{parsed}'" if dialect is SqlDialect.POSTGRES else f"'{parsed.hex}'"
    return _quoted(str(value), dialect)


def _identifier(name: str, compiled: Dialect) -> str:
    return str(compiled.identifier_preparer.quote(name))


def insert_statements(
    rows: Iterable[Sequence[object]], spec: TableSpec, dialect: SqlDialect, *, batch_rows: int = INSERT_BATCH_ROWS
) -> Iterator[str]:
    """Multi-row INSERT statements, `batch_rows` rows each."""
    compiled = sql_dialect(dialect)
    head = (
        f"INSERT INTO {_identifier(spec.table_name, compiled)} "
        f"({', '.join(_identifier(field.name, compiled) for field in spec.fields)}) VALUES\n"
    )
    kinds = [_key_storage_type(spec, index) for index in range(len(spec.fields))]
    width = len(kinds)
    batch: list[str] = []
    for values in rows:
        if len(values) != width:
            raise ValueError(f"a row has {len(values)} values for {width} fields")
        literals = ", ".join(sql_literal(value, kind, dialect) for value, kind in zip(values, kinds, strict=True))
        batch.append(f"({literals})")
        if len(batch) == batch_rows:
            yield head + ",\n".join(batch) + ";\n"
            batch = []
    if batch:
        yield head + ",\n".join(batch) + ";\n"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: object, kind: StorageType) -> str:
    """One value in PostgreSQL's COPY text format: \\N for NULL, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    if kind is StorageType.JSON:
        return json_text(value).translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def copy_block(rows: Iterable[Sequence[object]], spec: TableSpec) -> Iterator[str]:
    """`COPY table (columns) FROM stdin;`, one line per row, ended by `\\.` (psql runs it)."""
    compiled = sql_dialect(SqlDialect.POSTGRES)
    columns = ", ".join(_identifier(field.name, compiled) for field in spec.fields)
    yield f"COPY {_identifier(spec.table_name, compiled)} ({columns}) FROM stdin;\n"
    kinds = [_key_storage_type(spec, index) for index in range(len(spec.fields))]
    width = len(kinds)
    for values in rows:
        if len(values) != width:
            raise ValueError(f"a row has {len(values)} values for {width} fields")
        yield "\t".join(copy_text(value, kind) for value, kind in zip(values, kinds, strict=True)) + "\n"
    yield "\\.\n\n"
