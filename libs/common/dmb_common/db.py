"""Engines for a service's own database, and its Alembic migrations run at start-up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

#: Stable constraint names, so Alembic can alter what it created.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> URL:
    """The asyncio flavour of a SQLAlchemy URL (psycopg serves both; SQLite goes through aiosqlite)."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def sync_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return parsed.set(drivername="sqlite")
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def _ensure_sqlite_folder(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the exporter read while the generator writes; foreign keys are off by default in SQLite.
    # synchronous=NORMAL: in WAL mode a commit no longer waits for an fsync (~6 ms each on the CI disk; a small
    # job commits ~55 times across the services). The database stays consistent after any crash; a power cut
    # may lose the last commits, which the embedded mode (one user's machine) accepts (decision 0036).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_service_engine(url: str) -> AsyncEngine:
    parsed = async_url(url)
    _ensure_sqlite_folder(parsed)
    sqlite = parsed.get_backend_name() == "sqlite"
    # A file database cannot drop a connection under us: the ping would be one more round trip through
    # aiosqlite's thread on every checkout. A server can (restarts, pg_terminate_backend), so it is pinged.
    engine = create_async_engine(parsed, pool_pre_ping=not sqlite)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def add_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def upgrade_database(url: str, migrations: Path) -> None:
    """Bring a service's own database to its newest Alembic revision (idempotent)."""
    parsed = sync_url(url)
    _ensure_sqlite_folder(parsed)
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["url"] = parsed
    command.upgrade(config, "head")


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands timezone-aware columns back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
