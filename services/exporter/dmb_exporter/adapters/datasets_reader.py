"""Reading a user's table from the datasets database as a stream of row tuples, in constant memory."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def stream_rows(
    engine: Engine, table: sa.Table, *, batch_size: int = 5000, order_by_primary_key: bool = True
) -> Iterator[tuple[object, ...]]:
    """Every row of `table` as a tuple in column order, fetched `batch_size` at a time.

    `stream_results` makes PostgreSQL use a server-side cursor (psycopg's named cursor), so the table is
    never held in memory on either side; one SELECT in one transaction reads a consistent snapshot even
    while other writers continue. Ordered by the primary key when there is one, so exports are reproducible.
    The connection is released when the iterator is exhausted or closed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    query = sa.select(*table.columns)
    if order_by_primary_key and len(table.primary_key.columns) > 0:
        query = query.order_by(*table.primary_key.columns)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(query)
        for batch in result.partitions():
            yield from (tuple(row) for row in batch)
