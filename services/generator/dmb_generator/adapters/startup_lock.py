"""One generator process at a time migrates the service database.

Generator processes scale out and usually start together; two Alembic upgrades racing on an empty
PostgreSQL database collide in the catalogue (both create `alembic_version`) and one process dies. A
session-level advisory lock held around the upgrade makes the others wait, then find the schema at head.
SQLite (the embedded mode) has a single process, so there is nothing to serialise.
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from dmb_common.db import sync_url
from sqlalchemy.engine import Connection, Engine

_KEY = zlib.crc32(b"dmb_generator.migrations")


class StartupLock:
    def __init__(self, engine: Engine | None, connection: Connection | None) -> None:
        self._engine = engine
        self._connection = connection

    @classmethod
    def acquire(cls, database_url: str) -> StartupLock:
        """Blocks until no other process holds the lock on this database."""
        url = sync_url(database_url)
        if url.get_backend_name() != "postgresql":
            return cls(None, None)
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
        connection = engine.connect()
        connection.execute(sa.select(sa.func.pg_advisory_lock(_KEY)))
        return cls(engine, connection)

    def release(self) -> None:
        # Closing the session releases its advisory locks, even if the unlock itself were skipped.
        if self._connection is not None:
            self._connection.execute(sa.select(sa.func.pg_advisory_unlock(_KEY)))
            self._connection.close()
        if self._engine is not None:
            self._engine.dispose()
