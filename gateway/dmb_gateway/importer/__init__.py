"""Import table definitions: from a SQL file (any number of statements: a schema dump), or from the tables of
an existing database. The result is a proposal (table definitions, parents first, each with warnings about
what could not be carried over exactly) for the user to review before anything is saved.

parse (SQL text → tables as stated) and reflect (a database's catalogue → the same) feed map (tables as stated
→ our definitions). Nothing here runs user SQL: statements are only parsed, and reflection only reads the
catalogue. Only the gateway imports this package, so no worker carries the SQL parser.
"""

from __future__ import annotations

from dmb_gateway.importer.detect import detect_dialect
from dmb_gateway.importer.mapping import MAX_TABLES, build_schema
from dmb_gateway.importer.model import DIALECTS, Dialect, ImportedSchema, ImportIssue, InferredTable, SqlImportError
from dmb_gateway.importer.names import suggest_identifier
from dmb_gateway.importer.parse import MAX_SQL_LENGTH, parse_sql
from dmb_gateway.importer.reflect import reflect_tables

__all__ = [
    "DIALECTS",
    "MAX_SQL_LENGTH",
    "MAX_TABLES",
    "Dialect",
    "ImportIssue",
    "ImportedSchema",
    "InferredTable",
    "SqlImportError",
    "detect_dialect",
    "import_database",
    "import_sql",
    "infer_from_sql",
    "suggest_identifier",
]


def import_sql(sql: str, dialect: Dialect = "postgres") -> ImportedSchema:
    """The tables a SQL file (one statement or a whole schema dump) creates, parents first."""
    tables, notes = parse_sql(sql, dialect)
    return build_schema(tables, dialect, notes)


def infer_from_sql(sql: str, dialect: Dialect = "postgres") -> InferredTable:
    """The one table a CREATE TABLE statement (with its indexes, comments, constraints) describes."""
    imported = import_sql(sql, dialect)
    if len(imported.tables) != 1:
        raise SqlImportError("not_create_table", f"expected one CREATE TABLE statement, found {len(imported.tables)}")
    table = imported.tables[0]
    return InferredTable(table.spec, [*table.warnings, *imported.notes])


def import_database(url: str, table: str | None = None, schema: str | None = None) -> ImportedSchema:
    """One existing table of a database, or (`table` None) every table of `schema`, parents first."""
    tables, dialect = reflect_tables(url, table, schema)
    return build_schema(tables, dialect)
