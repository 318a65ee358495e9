"""Every SQLite connection the platform opens (services' own databases and the datasets) runs in WAL mode with
synchronous=NORMAL, so a commit waits for no fsync (the embedded mode's small jobs commit ~40 times), and is not
pinged on checkout (a file cannot drop the connection)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from dmb_common.datasets import create_datasets_engine
from dmb_common.db import create_service_engine

#: PRAGMA synchronous answers with a number: 0 OFF, 1 NORMAL, 2 FULL (SQLite's default), 3 EXTRA.
NORMAL = 1


def _settings(conn: sa.Connection) -> tuple[str, int, int]:
    journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar_one()
    foreign_keys = conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
    return str(journal), int(synchronous), int(foreign_keys)


def test_the_datasets_engine_commits_without_waiting_for_the_disk(tmp_path: Path) -> None:
    engine = create_datasets_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
    try:
        with engine.connect() as conn:
            assert _settings(conn) == ("wal", NORMAL, 1)
        assert engine.pool._pre_ping is False
    finally:
        engine.dispose()


async def test_a_service_engine_commits_without_waiting_for_the_disk(tmp_path: Path) -> None:
    engine = create_service_engine(f"sqlite:///{tmp_path / 'service.db'}")
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_settings) == ("wal", NORMAL, 1)
        assert engine.sync_engine.pool._pre_ping is False
    finally:
        await engine.dispose()


def test_a_server_engine_is_still_pinged_on_checkout() -> None:
    # No connection is opened: the pool's setting alone says whether a dropped connection is noticed.
    engine = create_datasets_engine("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        assert engine.pool._pre_ping is True
    finally:
        engine.dispose()
