"""Where the workflow's checkpoints live: langgraph's own saver on the service's database (SQLite in the
embedded mode, PostgreSQL in the distributed one). The saver creates and migrates its tables itself."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
from dmb_common.db import sync_url
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from psycopg import AsyncConnection
from psycopg.rows import dict_row


@contextlib.asynccontextmanager
async def open_checkpointer(database_url: str) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """A checkpointer on `database_url` (the service's own SQLAlchemy URL), set up, closed on exit."""
    url = sync_url(database_url)
    if url.get_backend_name() == "sqlite":
        async with aiosqlite.connect(url.database or ":memory:") as connection:
            await connection.execute("PRAGMA busy_timeout=30000")
            saver = AsyncSqliteSaver(connection)
            await saver.setup()
            yield saver
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    async with await AsyncConnection.connect(
        plain, autocommit=True, prepare_threshold=0, row_factory=dict_row
    ) as connection:
        saver_pg = AsyncPostgresSaver(connection)
        await saver_pg.setup()
        yield saver_pg
