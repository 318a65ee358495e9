"""Cancel is final: a job cancelled right after it was asked for, or while its chunks are being written, adds
no row once the cancel is confirmed (the job shows `cancelled`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dmb_testing import platform
from dmb_testing.flow import create_table, wait_for

NOTES: dict[str, Any] = {
    "table_name": "notes",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "body", "type": "string", "max_length": 40, "generator": {"kind": "faker", "provider": "word"}},
    ],
}
JOBS = 20


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path) as http:
        yield http


def count(tmp_path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM notes")).scalar_one())
    finally:
        engine.dispose()


async def test_jobs_cancelled_right_after_start_write_nothing_after_the_cancel(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    table = await create_table(client, NOTES)
    outcomes = []
    for _ in range(JOBS):
        started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 20_000})
        assert started.status_code == 202, started.text
        cancelled = await client.post(f"/api/v1/jobs/{started.json()['id']}/cancel")
        assert cancelled.status_code in (202, 409), cancelled.text
        job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})
        outcomes.append((job["status"], count(tmp_path)))
    await asyncio.sleep(1.0)  # any chunk still in flight would land now

    assert [status for status, _ in outcomes] == ["cancelled"] * JOBS
    assert count(tmp_path) == outcomes[-1][1]
