"""Reading a user's table from the datasets database as a stream of row tuples, in constant memory.

The rows are fetched in bulk straight from the driver's cursor (`fetchmany` of `batch_size` tuples), not
through SQLAlchemy's Row objects: building a Row per record and copying it into a tuple was half the read
time (profile in docs/performance.md). The values are still exactly what SQLAlchemy would return: each
column's result processor (the dialect's own conversion, e.g. SQLite's text to datetime, CHAR(32) to UUID,
JSON text to documents) is applied, column by column, to each batch, and only for the columns that have one
(on PostgreSQL psycopg already returns every type as its Python value, so nothing is applied there).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: Rows fetched per round trip: a few MB of Python values, amortising the driver's per-fetch costs.
DEFAULT_BATCH_SIZE = 10_000

Processor = Callable[[Any], Any]


def _processors(table: sa.Table, dialect: sa.Dialect, description: Sequence[Any]) -> list[Processor | None]:
    """Each selected column's result processor for this dialect (None where the driver's value is final)."""
    return [
        column.type.dialect_impl(dialect).result_processor(dialect, entry[1])
        for column, entry in zip(table.columns, description, strict=True)
    ]


def _processed(batch: list[Any], processors: list[Processor | None]) -> list[tuple[object, ...]]:
    """The batch with each column's processor applied: column-wise, so a column without one costs nothing."""
    columns: list[Sequence[object]] = list(zip(*batch, strict=True))
    for index, process in enumerate(processors):
        if process is not None:
            columns[index] = [None if value is None else process(value) for value in columns[index]]
    return list(zip(*columns, strict=True))


def stream_batches(
    engine: Engine, table: sa.Table, *, batch_size: int = DEFAULT_BATCH_SIZE, order_by_primary_key: bool = True
) -> Iterator[list[tuple[object, ...]]]:
    """Every row of `table` as tuples in column order, a list of up to `batch_size` rows at a time.

    `stream_results` makes PostgreSQL use a server-side cursor (psycopg's named cursor) and MariaDB an
    unbuffered one, so the table is never held in memory on either side; one SELECT in one transaction reads
    a consistent snapshot even while other writers continue. Ordered by the primary key when there is one, so
    exports are reproducible. The connection is released when the iterator is exhausted or closed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    query = sa.select(*table.columns)
    if order_by_primary_key and len(table.primary_key.columns) > 0:
        query = query.order_by(*table.primary_key.columns)
    with engine.connect() as conn:
        try:
            yield from fetch_batches(conn, table, query, batch_size)
        finally:
            conn.rollback()  # ends the read-only transaction (and a server-side cursor with it)


def fetch_batches(
    conn: sa.Connection, table: sa.Table, query: sa.Select[Any], batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[list[tuple[object, ...]]]:
    """The rows of `query` (selecting `table`'s columns, in order) on `conn`, in the connection's transaction,
    a list of up to `batch_size` tuples at a time, through a streaming cursor (see `stream_batches`)."""
    dialect = conn.dialect
    compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    raw = conn.connection.dbapi_connection
    assert raw is not None  # a connection checked out of the pool has its driver connection
    cursor = _streaming_cursor(raw, dialect.name)
    try:
        # The driver's own cursor and tuples, fetched in bulk: SQLAlchemy's Row objects are skipped.
        cursor.execute(str(compiled))  # bounds (a slice's keys) are literal integers: no parameters
        processors = _processors(table, dialect, cursor.description)
        convert = any(process is not None for process in processors)
        while batch := cursor.fetchmany(batch_size):
            yield _processed(batch, processors) if convert else batch
    finally:
        cursor.close()


def _streaming_cursor(raw: Any, dialect_name: str) -> Any:
    """A cursor that streams: psycopg's named (server-side) cursor on PostgreSQL, PyMySQL's unbuffered
    SSCursor on MariaDB/MySQL, the ordinary cursor elsewhere (SQLite steps through the table as it is read)."""
    if dialect_name == "postgresql":
        return raw.cursor(name=f"dmb_export_{uuid.uuid4().hex}")
    if dialect_name in {"mysql", "mariadb"}:
        import pymysql.cursors  # only the MariaDB/MySQL engines need the driver

        return raw.cursor(pymysql.cursors.SSCursor)
    return raw.cursor()


def stream_rows(
    engine: Engine, table: sa.Table, *, batch_size: int = DEFAULT_BATCH_SIZE, order_by_primary_key: bool = True
) -> Iterator[tuple[object, ...]]:
    """Every row of `table` as a tuple in column order (see `stream_batches`)."""
    for batch in stream_batches(engine, table, batch_size=batch_size, order_by_primary_key=order_by_primary_key):
        yield from batch
