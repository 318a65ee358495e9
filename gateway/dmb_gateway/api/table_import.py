"""/api/v1/tables/import: table definitions inferred from a SQL file (one CREATE TABLE statement or a whole
schema dump), or read from an existing database (one table or every table of a schema), for review.

Nothing is saved: the caller reviews (and edits) the proposed set, then creates it in one action with
POST /api/v1/tables/sets (or one table with POST /api/v1/tables).
"""

from __future__ import annotations

import asyncio
import urllib.parse
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from dmb_contracts.fields import TableSpec
from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import URL

from dmb_gateway.api.deps import ContextDep, CurrentUser
from dmb_gateway.api.openapi import ADMIN_ONLY
from dmb_gateway.api.schemas import ErrorDetail, ErrorResponse
from dmb_gateway.api.shared import errors
from dmb_gateway.importer import (
    MAX_SQL_LENGTH,
    Dialect,
    ImportedSchema,
    SqlImportError,
    detect_dialect,
    import_database,
    import_sql,
)

router = APIRouter(prefix="/tables", tags=["tables"])


class TableImport(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "dialect": "postgres",
                    "sql": "CREATE TABLE customers (\n  id bigserial PRIMARY KEY,\n  email varchar(254) NOT NULL "
                    "UNIQUE,\n  balance numeric(12, 2) DEFAULT 0,\n  joined date\n)",
                },
                {
                    "dialect": "mysql",
                    "sql": "CREATE TABLE `items` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `kind` enum('a','b') "
                    "NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB COMMENT='Items'",
                },
            ]
        },
    )

    sql: str = Field(
        min_length=1,
        max_length=MAX_SQL_LENGTH,
        description="A SQL file: CREATE TABLE statements and what adds to them (ALTER TABLE ... ADD CONSTRAINT, "
        "CREATE [UNIQUE] INDEX, COMMENT ON, CREATE TYPE ... AS ENUM), e.g. a pg_dump --schema-only, a "
        "mysqldump --no-data or SQLite's .schema output. Other statements are listed in `notes`.",
    )
    dialect: Literal["auto", "postgres", "mysql", "sqlite"] = Field(
        default="postgres",
        description="postgres, mysql (MySQL and MariaDB), sqlite, or auto: told from the marks each dump tool "
        "leaves (backquotes and ENGINE= for MySQL, AUTOINCREMENT for SQLite, serial or SET search_path for "
        "PostgreSQL); the answer's `dialect` says which was used.",
    )


class ProposedTable(BaseModel):
    spec: TableSpec = Field(description="The inferred definition, not saved.")
    warnings: list[str] = Field(description="What could not be carried over exactly, one sentence each.")


class ImportedTable(BaseModel):
    tables: list[ProposedTable] = Field(
        description="Every table, parents before the tables that reference them: review them, then create them "
        "in one action with POST /api/v1/tables/sets."
    )
    notes: list[str] = Field(default_factory=list, description="Statements that describe no table, and why.")
    dialect: Literal["postgres", "mysql", "sqlite"] | None = Field(
        default=None, description="The SQL dialect the file was read as (a SQL file only)."
    )
    spec: TableSpec = Field(description="The first table's definition (the only one when there is one table).")
    warnings: list[str] = Field(description="The first table's warnings, followed by the notes.")

    @classmethod
    def of(cls, imported: ImportedSchema, dialect: Dialect | None = None) -> ImportedTable:
        first = imported.tables[0]
        return cls(
            tables=[ProposedTable(spec=table.spec, warnings=table.warnings) for table in imported.tables],
            notes=imported.notes,
            dialect=dialect,
            spec=first.spec,
            warnings=[*first.warnings, *imported.notes],
        )


@router.post(
    "/import",
    response_model=ImportedTable,
    responses=errors(422),
    summary="Infer table definitions from a SQL file (one statement or a whole schema dump)",
)
async def import_table(body: TableImport, _: CurrentUser) -> ImportedTable | JSONResponse:
    """Parse the file (never run it) and propose a definition per table, parents first: types with lengths
    and precision, nullability, primary keys (composite too), unique, foreign keys (inline or added by ALTER
    TABLE), composite unique constraints and indexes, CHECK (x IN (...)) as choices and CHECK (x BETWEEN a AND
    b) or comparisons as min/max, enum types as choices, identity / serial / nextval / AUTO_INCREMENT as
    sequences, comments, constant defaults. What cannot be mapped is listed in the table's warnings (types we
    do not have become the nearest one); names that break our naming rules get the nearest name that follows
    them, with a warning. A 422 names the problem: SQL that does not parse, or a file without CREATE TABLE."""
    dialect = detect_dialect(body.sql) if body.dialect == "auto" else body.dialect
    try:
        imported = await asyncio.to_thread(import_sql, body.sql, dialect)
    except SqlImportError as exc:
        return _refused(exc)
    return ImportedTable.of(imported, dialect)


def _refused(exc: SqlImportError, location: str = "sql") -> JSONResponse:
    errors = [
        ErrorDetail(
            location=issue.location,
            message=issue.message + (f" (suggested: {issue.suggestion!r})" if issue.suggestion else ""),
        )
        for issue in exc.issues
    ] or [ErrorDetail(location=location, message=exc.message)]
    content = ErrorResponse(message=exc.message, errors=errors).model_dump()
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content=content)


# -- an existing table of a database -----------------------------------------------------------------------

#: Connecting and reading the catalogue must not hold a request (and a worker thread) for long.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 15
#: The only drivers the server loads, whatever the URL names: sync ones that are installed.
DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "sqlite": "sqlite",
}
#: URL parameters passed on to the driver; anything else (a socket path, a password file ...) is refused.
ALLOWED_PARAMETERS = {"postgresql": {"sslmode"}, "mysql": {"charset"}, "mariadb": {"charset"}, "sqlite": set[str]()}
ADDED_PARAMETERS = ("connect_timeout", "read_timeout", "mode", "uri")


class DatabaseImport(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"url": "postgresql://reader:secret@db.example.com:5432/shop", "table": "orders", "schema": "public"}
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="postgresql://, mysql:// or mariadb:// (any host the server can reach), or sqlite:/// "
        "(a file in the platform's data folder). The password is never shown back.",
    )
    table: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The existing table's name; without it, every table of the schema.",
    )
    schema_name: str | None = Field(
        default=None,
        alias="schema",
        min_length=1,
        max_length=128,
        description="PostgreSQL schema (default: the search path) or MySQL database (default: the URL's).",
    )


@router.post(
    "/import/database",
    response_model=ImportedTable,
    responses=errors(403, 422, 502),
    summary="Infer table definitions from an existing database: one table or a whole schema (admins only)",
    openapi_extra={ADMIN_ONLY: True},
)
async def import_table_from_database(
    body: DatabaseImport, user: CurrentUser, context: ContextDep
) -> ImportedTable | JSONResponse:
    """Connect to the database (read-only use: only the catalogue is read) and propose the definition of
    one of its tables, or of every table of the schema (parents first), as for a SQL file. The server itself connects, so only admins may ask.
    A 422 names what is wrong with the request (URL scheme, file, missing table, names); a 502 says the
    database could not be reached or did not answer within a few seconds."""
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only an admin can import from a database URL")
    url = _connectable_url(body.url, context.settings.data_dir)
    # As the user wrote it (with our driver), without the password or the parameters we added.
    shown = url.difference_update_query(ADDED_PARAMETERS).render_as_string(hide_password=True)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS):
            imported = await asyncio.to_thread(
                import_database, url.render_as_string(hide_password=False), body.table, body.schema_name
            )
    except SqlImportError as exc:
        return _refused(exc, "table")
    except TimeoutError as exc:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            f"{shown} did not answer within {CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS} s",
        ) from exc
    except sa.exc.SQLAlchemyError as exc:
        reason = _reason(exc, url.password)
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"could not read from {shown}: {reason}") from exc
    return ImportedTable.of(imported)


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"url: {message}")


def _connectable_url(text: str, data_dir: Path) -> URL:
    """The URL the server will connect with: one of our drivers, only harmless parameters, connect and read
    time-outs, and for SQLite an existing file inside the data folder, opened read-only."""
    try:
        url = sa.make_url(text.strip())
    except (sa.exc.ArgumentError, ValueError) as exc:
        # The parser's message repeats the URL, password included: say it in our own words.
        raise _unprocessable("not a database URL (expected e.g. postgresql://user@host:5432/database)") from exc
    backend = url.get_backend_name()
    if backend not in DRIVERS:
        raise _unprocessable(f"{backend}:// is not a database we import from; use postgresql, mysql, mariadb or sqlite")
    unknown = sorted(set(url.query) - ALLOWED_PARAMETERS[backend])
    if unknown:
        raise _unprocessable(f"the parameter(s) {', '.join(unknown)} are not allowed in the URL")
    url = url.set(drivername=DRIVERS[backend])
    if backend == "sqlite":
        return _sqlite_url(url, data_dir)
    if not url.host:
        raise _unprocessable("the URL names no host")
    if backend == "postgresql":
        return url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
    timeouts = {"connect_timeout": str(CONNECT_TIMEOUT_SECONDS), "read_timeout": str(READ_TIMEOUT_SECONDS)}
    return url.update_query_dict(timeouts)


def _sqlite_url(url: URL, data_dir: Path) -> URL:
    if not url.database or url.database == ":memory:":
        raise _unprocessable("an SQLite URL must name a database file (sqlite:///path/to/file.db)")
    root = data_dir.resolve()
    path = Path(url.database).resolve()
    if not path.is_relative_to(root):
        raise _unprocessable(f"SQLite files can be read only from the platform's data folder ({root})")
    if not path.is_file():
        raise _unprocessable(f"there is no SQLite file {path.relative_to(root)} in the data folder")
    # Read-only: reflection cannot create or change the file even by accident.
    return url.set(database=f"file:{urllib.parse.quote(str(path))}").update_query_dict({"mode": "ro", "uri": "true"})


def _reason(exc: sa.exc.SQLAlchemyError, password: str | None) -> str:
    """The driver's own first line (not SQLAlchemy's wrapper, which may quote the statement), without the
    password should a driver ever repeat it."""
    original = getattr(exc, "orig", None)
    lines = str(original if original is not None else exc).strip().splitlines()
    reason = (lines[0] if lines else type(exc).__name__)[:300]
    return reason.replace(password, "***") if password else reason
