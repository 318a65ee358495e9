"""Reading the largest value of some columns of a user's table, once per job (appending continues after it)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def read_maxima(engine: Engine, table: sa.Table, columns: list[str]) -> dict[str, int | None]:
    """The largest value of each column (None for an empty table; nothing for a missing one, which the job
    reports when it writes)."""
    if not columns:
        return {}
    query = sa.select(*(sa.func.max(table.c[name]).label(name) for name in columns))
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(table.name, schema=table.schema):
            return {}
        row = conn.execute(query).one()
    return {name: None if row[index] is None else int(row[index]) for index, name in enumerate(columns)}
