"""Writing generated chunks into the datasets database, each chunk exactly once.

A chunk's rows and its ledger row (job_id, chunk_index, rows) commit in one transaction, and the ledger's
primary key makes a redelivered chunk a no-op: the second writer's ledger insert finds the row (waiting for
the first writer's commit if it is still running) and writes nothing. The ledger lives next to the data, in
the same schema, so the guarantee holds for any datasets database the user points at.

Bulk path: COPY on PostgreSQL through psycopg 3 (identifiers quoted by psycopg.sql), one executemany of
positional tuples on SQLite, one executemany INSERT elsewhere.
"""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Sequence
from typing import Any

import psycopg
import sqlalchemy as sa
from dmb_contracts.fields import TableSpec
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

LEDGER_TABLE = "dmb_chunk_ledger"

_known_ledgers: set[tuple[str, str | None]] = set()
_known_lock = threading.Lock()


def ledger_table(schema: str | None) -> sa.Table:
    return sa.Table(
        LEDGER_TABLE,
        sa.MetaData(),
        sa.Column("job_id", sa.Uuid(), primary_key=True),
        sa.Column("chunk_index", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=schema,
    )


def _ensure_ledger(engine: Engine, schema: str | None) -> sa.Table:
    ledger = ledger_table(schema)
    key = (engine.url.render_as_string(hide_password=True), schema)
    with _known_lock:
        if key in _known_ledgers:
            return ledger
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # CREATE TABLE IF NOT EXISTS can still collide in the catalogue when two workers race; a
            # transaction-scoped advisory lock keyed by the ledger's name serialises them.
            lock_key = zlib.crc32(f"{schema}.{LEDGER_TABLE}".encode())
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key)))
        conn.execute(sa.schema.CreateTable(ledger, if_not_exists=True))
    with _known_lock:
        _known_ledgers.add(key)
    return ledger


def _claim(conn: Connection, ledger: sa.Table, job_id: uuid.UUID, chunk_index: int, rows: int) -> bool:
    """Insert the ledger row; False when (job_id, chunk_index) is already there."""
    values = {"job_id": job_id, "chunk_index": chunk_index, "rows": rows}
    statement: Any
    # RETURNING, not rowcount: psycopg reports rowcount -1 for INSERT ... ON CONFLICT DO NOTHING here.
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(ledger).values(values).on_conflict_do_nothing().returning(ledger.c.chunk_index)
        return conn.execute(statement).first() is not None
    if conn.dialect.name == "sqlite":
        statement = sqlite.insert(ledger).values(values).on_conflict_do_nothing().returning(ledger.c.chunk_index)
        return conn.execute(statement).first() is not None
    else:
        exists = conn.execute(
            sa.select(ledger.c.rows).where(ledger.c.job_id == job_id, ledger.c.chunk_index == chunk_index)
        ).first()
        if exists is not None:
            return False
        statement = sa.insert(ledger).values(values)
    return conn.execute(statement).rowcount == 1


def _copy(conn: Connection, table: sa.Table, rows: Sequence[Sequence[object]]) -> None:
    target = sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)
    columns = sql.SQL(", ").join(sql.Identifier(column.name) for column in table.columns)
    # The DBAPI connection under this SQLAlchemy connection, inside the same transaction as the ledger row.
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    column_types = _binary_types(raw, target, table)
    # Binary COPY spares both sides the text round trip (measured on the reference table: the writer's CPU
    # halves, the server's drops by a sixth); a column type without a binary dumper keeps the text format.
    options = sql.SQL(" (FORMAT BINARY)" if column_types else "")
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(target, columns, options)
    # psycopg adapts every value by its Python type except JSON documents, which must say they are JSON
    # (a dict or list has no default adapter, and a str would be taken for text, not a document).
    json_columns = [index for index, column in enumerate(table.columns) if isinstance(column.type, sa.JSON)]
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        if column_types:
            copy.set_types(column_types)
        for row in rows:
            if json_columns:
                values = list(row)
                for index in json_columns:
                    if values[index] is not None:
                        values[index] = Jsonb(values[index])
                row = values
            copy.write_row(row)


def _binary_types(raw: psycopg.Connection[Any], target: sql.Identifier, table: sa.Table) -> list[int] | None:
    """The type OID of each of the table's columns, in column order, as the database has them; None when one
    of them has no binary dumper in psycopg (binary COPY must name the exact type of every column)."""
    with raw.cursor() as cursor:
        found = dict(
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute"
                " WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                [target.as_string(raw)],
            ).fetchall()
        )
    oids = [found.get(column.name) for column in table.columns]
    if any(oid is None for oid in oids):
        return None
    try:
        for oid in oids:
            raw.adapters.get_dumper_by_oid(int(oid), psycopg.pq.Format.BINARY)  # type: ignore[arg-type]
    except psycopg.ProgrammingError:
        return None
    return [int(oid) for oid in oids]  # type: ignore[arg-type]


class RowsRefused(Exception):
    """The database refused a chunk's rows (a duplicate key, a foreign key, a check): the same rows would be
    refused again on every retry, so the job fails with `problem`, which never quotes the values."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _violation(exc: sa.exc.IntegrityError | psycopg.IntegrityError) -> str:
    """What the database refused, in words and without the values (generated values never go into logs or
    job reasons): which constraint, and for a duplicate, the likely cause."""
    original = exc.orig if isinstance(exc, sa.exc.IntegrityError) else exc
    text = str(original)
    sqlstate = getattr(original, "sqlstate", None)  # psycopg
    constraint = getattr(getattr(original, "diag", None), "constraint_name", None)
    if constraint is None and "constraint failed:" in text:  # SQLite: "UNIQUE constraint failed: people.id"
        constraint = text.split("constraint failed:", 1)[1].strip()
    elif constraint is None and "for key" in text:  # MySQL: "Duplicate entry '...' for key 'people.PRIMARY'"
        constraint = text.rsplit("for key", 1)[1].strip(" '\"")
    where = f" ({constraint})" if constraint else ""
    if sqlstate == "23505" or "UNIQUE constraint" in text or "Duplicate entry" in text:
        return (
            f"its rows repeat a unique value the table already holds{where}; another job on this table wrote it "
            "first, or the table's earlier rows hold it"
        )
    return f"the database refused its rows{where}"


def insert_chunk(
    engine: Engine, table: sa.Table, rows: list[tuple[Any, ...]], *, job_id: uuid.UUID, chunk_index: int
) -> bool:
    """Write a chunk (tuples in table column order) once; False when this chunk was already written.
    RowsRefused when the database refuses the rows (COPY raises psycopg's error unwrapped)."""
    ledger = _ensure_ledger(engine, table.schema)
    try:
        return _write_chunk(engine, ledger, table, rows, job_id, chunk_index)
    except (sa.exc.IntegrityError, psycopg.IntegrityError) as exc:
        raise RowsRefused(_violation(exc)) from None


def written_rows(engine: Engine, schema: str | None, job_id: uuid.UUID) -> int:
    """The rows the job's chunks have written so far, from the ledger committed with them."""
    ledger = _ensure_ledger(engine, schema)
    with engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(ledger.c.rows), 0)).where(ledger.c.job_id == job_id)
        )
        return int(total.scalar_one())


def _write_chunk(
    engine: Engine, ledger: sa.Table, table: sa.Table, rows: list[tuple[Any, ...]], job_id: uuid.UUID, chunk_index: int
) -> bool:
    with engine.begin() as conn:
        if not _claim(conn, ledger, job_id, chunk_index, len(rows)):
            return False
        if not rows:
            return True
        if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
            _copy(conn, table, rows)
        elif conn.dialect.name == "sqlite":
            _sqlite_insert(conn, table, rows)
        else:
            names = [column.name for column in table.columns]
            conn.execute(sa.insert(table), [dict(zip(names, row, strict=True)) for row in rows])
    return True


def _sqlite_insert(conn: Connection, table: sa.Table, rows: Sequence[Sequence[Any]]) -> None:
    """One executemany of positional tuples, each value through its column type's bind processor (dates,
    decimals, JSON documents as SQLite stores them), exactly what SQLAlchemy's insert() sends, without its
    per-row dictionaries and parameter building (on SQLite those took ~5x the insert itself)."""
    dialect = conn.dialect
    columns = list(table.columns)
    quote = dialect.identifier_preparer.quote
    statement = "INSERT INTO {} ({}) VALUES ({})".format(
        dialect.identifier_preparer.format_table(table),
        ", ".join(quote(column.name) for column in columns),
        ", ".join("?" for _ in columns),
    )
    processors = [
        (index, processor)
        for index, column in enumerate(columns)
        if (processor := column.type._cached_bind_processor(dialect)) is not None
    ]
    values: Sequence[Sequence[Any]] = rows
    if processors:
        converted = []
        for row in rows:
            items = list(row)
            for index, processor in processors:
                items[index] = processor(items[index])
            converted.append(tuple(items))
        values = converted
    conn.exec_driver_sql(statement, list(values))


def count_rows(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def chunk_rows_written(engine: Engine, table_schema: str | None, job_id: uuid.UUID) -> int:
    """Rows the ledger records for a job (0 before its first chunk)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(LEDGER_TABLE, schema=table_schema):
            return 0
        ledger = ledger_table(table_schema)
        total = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(ledger.c.rows), 0)).where(ledger.c.job_id == job_id)
        )
        return int(total.scalar_one())


def empty_tables(engine: Engine, tables: list[tuple[sa.Table, TableSpec]]) -> None:
    """Remove every row of these tables, in this order (the tables that reference others first), in one
    transaction. A table's references to itself are cleared first, so no row is removed while another row of
    the table still points at it."""
    with engine.begin() as conn:
        for table, spec in tables:
            own = {
                field.name: None
                for field in spec.fields
                if field.references is not None and field.references.table == spec.table_name
            }
            if own:
                conn.execute(sa.update(table).values(own))
            conn.execute(sa.delete(table))


#: Values per `IN (...)` list when looking for values a table already holds (well under SQLite's limit).
_HELD_BATCH = 500


def held_values(engine: Engine, table: sa.Table, column: str, values: Sequence[Any]) -> set[Any]:
    """Which of `values` the table's `column` already holds (memory bounded by the values asked about)."""
    wanted = list({value for value in values if value is not None})
    found: set[Any] = set()
    with engine.connect() as conn:
        for start in range(0, len(wanted), _HELD_BATCH):
            batch = wanted[start : start + _HELD_BATCH]
            found.update(conn.scalars(sa.select(table.c[column]).where(table.c[column].in_(batch))))
    return found


def held_combinations(engine: Engine, table: sa.Table, columns: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
    """The distinct combinations of `columns` the table holds without a null, at most `limit` + 1 of them (the
    caller tells "more than `limit`" apart)."""
    selected = [table.c[name] for name in columns]
    query = sa.select(*selected).where(*(column.is_not(None) for column in selected)).distinct().limit(limit + 1)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def has_rows(engine: Engine, table: sa.Table) -> bool:
    """Whether the table holds a row (False for a table not there yet: the job reports that when it writes)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(table.name, schema=table.schema):
            return False
        return conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None
