"""Generator processes that start together on one fresh service database all come up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from dmb_common.db import sync_url, upgrade_database
from dmb_generator.adapters.startup_lock import StartupLock
from dmb_generator.bootstrap import MIGRATIONS


def start_one(url: str) -> None:
    lock = StartupLock.acquire(url)
    try:
        upgrade_database(url, MIGRATIONS)
    finally:
        lock.release()


def test_generators_starting_together_migrate_the_database_once(postgres_url: str) -> None:
    # Without the lock, concurrent upgrades collide creating alembic_version and a process dies.
    with ThreadPoolExecutor(max_workers=4) as pool:
        for started in [pool.submit(start_one, postgres_url) for _ in range(4)]:
            started.result()
    engine = sa.create_engine(sync_url(postgres_url))
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one()
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert versions == 1
    assert {"jobs", "job_chunks", "batches", "batch_jobs"} <= tables
