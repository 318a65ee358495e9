"""Cancel is final: a job cancelled right after it was asked for, or while its chunks are being written, adds
no row once the cancel is confirmed (the job shows `cancelled`); a cancel that comes after the job ended is
answered 409 with what the job became. Embedded (SQLite, in-process bus) and distributed (PostgreSQL,
RabbitMQ, one process per service)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from dmb_common.namespaces import physical_name
from dmb_gateway.auth import LOCAL_USER_ID
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


def counter(url: str, schema: str | None) -> Callable[[], int]:
    table = physical_name(LOCAL_USER_ID, "notes")
    name = f'"{schema}"."{table}"' if schema else f'"{table}"'

    def count() -> int:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one())
        finally:
            engine.dispose()

    return count


async def cancel_right_after_start(client: httpx.AsyncClient, count: Callable[[], int]) -> None:
    table = await create_table(client, NOTES)
    statuses, before, acknowledged, reported = [], [], [], []
    for _ in range(JOBS):
        before.append(await asyncio.to_thread(count))
        started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 20_000})
        assert started.status_code == 202, started.text
        cancelled = await client.post(f"/api/v1/jobs/{started.json()['id']}/cancel")
        # Accepted means final: the answer comes once the generator has cancelled the job.
        assert cancelled.status_code == 202, cancelled.text
        assert cancelled.json()["status"] == "cancelled", cancelled.text
        acknowledged.append(await asyncio.to_thread(count))
        job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})
        statuses.append(job["status"])
        reported.append(job["rows_done"])
    await asyncio.sleep(1.5)  # any chunk still in flight would land now
    final = await asyncio.to_thread(count)

    assert statuses == ["cancelled"] * JOBS
    # No row after a cancel was acknowledged: what was there then is what the next job found, and the end.
    assert acknowledged == [*before[1:], final]
    # And each cancelled job reports the rows it kept, chunks written just before the cancel included.
    assert reported == [after - start for start, after in zip(before, acknowledged, strict=True)]

    small = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 10})
    await wait_for(client, f"/api/v1/jobs/{small.json()['id']}", {"completed"})
    late = await client.post(f"/api/v1/jobs/{small.json()['id']}/cancel")
    assert late.status_code == 409, late.text
    assert "already completed" in late.json()["message"]


async def test_embedded_jobs_cancelled_right_after_start_write_nothing_after_the_cancel(tmp_path: Path) -> None:
    async with platform.embedded_client(tmp_path) as client:
        await cancel_right_after_start(client, counter(f"sqlite:///{tmp_path / 'datasets.db'}", None))


async def test_distributed_jobs_cancelled_right_after_start_write_nothing_after_the_cancel(
    tmp_path: Path, rabbitmq_url: str, seaweed_endpoint: str
) -> None:
    with platform.platform_processes(tmp_path, rabbitmq_url, seaweed_endpoint) as running:
        async with httpx.AsyncClient(base_url=running.url, timeout=60) as client:
            await cancel_right_after_start(client, counter(running.databases["datasets"], "datasets"))
