"""Generator processes competing for one job's chunks, over the real RabbitMQ and PostgreSQL.

What a user can observe, and must not change with the number of workers or a worker's crash: the job's
final row count and the rows themselves, compared as the bytes of a CSV export (ordered by primary key,
so equal bytes mean equal rows).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dmb_testing.flow import reference_spec, wait_for
from dmb_testing.platform import Platform, platform_processes
from dmb_testing.servers import rabbitmq_vhost

#: Twelve 5,000-row chunks: enough that every process gets several, and that a job is still running when
#: the test sees its first progress.
ROWS = 60_000
SEED = 20_261_125

# Both tests share one three-generator platform (module fixtures), so they must run in one xdist worker.
pytestmark = pytest.mark.xdist_group("generator_scaling")


async def generate_and_export_csv(
    client: httpx.AsyncClient, table_name: str, *, kill_mid_job: Platform | None = None
) -> tuple[dict[str, Any], bytes]:
    """Create the reference table under `table_name`, generate ROWS rows with SEED, export them as CSV and
    download it. With kill_mid_job, one generator process of that platform is SIGKILLed once the job has
    made progress but is not finished."""
    created = await client.post("/api/v1/tables", json=reference_spec(table_name))
    assert created.status_code == 202, created.text
    table = await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": ROWS, "seed": SEED})
    assert started.status_code == 202, started.text
    job_path = f"/api/v1/jobs/{started.json()['id']}"
    if kill_mid_job is not None:
        await _wait_mid_job(client, job_path)
        kill_mid_job.of("generator")[0].kill()
    job = await wait_for(client, job_path, {"completed", "failed", "cancelled"}, within=300)
    assert job["status"] == "completed", job
    requested = await client.post(f"/api/v1/tables/{table['id']}/exports", json={"format": "csv", "job_id": job["id"]})
    assert requested.status_code == 202, requested.text
    export = await wait_for(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"}, within=300)
    assert export["status"] == "completed", f"export {export['status']}: {export.get('reason')}"
    download = await client.get(export["download_url"])
    assert download.status_code == 200, download.text
    return job, download.content


async def _wait_mid_job(client: httpx.AsyncClient, job_path: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = (await client.get(job_path)).json()
        assert job["status"] not in ("completed", "failed", "cancelled"), f"finished before the kill: {job}"
        if job["rows_done"] > 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{job_path} made no progress in 120 s")


def assert_exact(job: dict[str, Any], csv: bytes) -> None:
    assert job["rows"] == job["rows_done"] == ROWS
    assert csv.count(b"\r\n") == ROWS + 1  # the header, then one line per row
    assert all(column["violations"] == 0 for column in job["report"])


@pytest.fixture(scope="module")
def one_generator_csv(tmp_path_factory: pytest.TempPathFactory, seaweed_endpoint: str) -> bytes:
    """The reference: the job run by a single generator process."""

    async def run(url: str) -> bytes:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            job, csv = await generate_and_export_csv(client, "people_one_worker")
        assert_exact(job, csv)
        return csv

    with (
        rabbitmq_vhost() as amqp,
        platform_processes(tmp_path_factory.mktemp("one"), amqp, seaweed_endpoint, generators=1) as platform,
    ):
        return asyncio.run(run(platform.url))


@pytest.fixture(scope="module")
def three_generators(tmp_path_factory: pytest.TempPathFactory, seaweed_endpoint: str) -> Iterator[Platform]:
    with (
        rabbitmq_vhost() as amqp,
        platform_processes(tmp_path_factory.mktemp("three"), amqp, seaweed_endpoint, generators=3) as platform,
    ):
        yield platform


async def test_three_generator_processes_write_the_same_rows_as_one(
    one_generator_csv: bytes, three_generators: Platform
) -> None:
    assert not any(process.killed for process in three_generators.of("generator")), "run before the kill test"
    async with httpx.AsyncClient(base_url=three_generators.url, timeout=60) as client:
        job, csv = await generate_and_export_csv(client, "people_three_workers")
    assert_exact(job, csv)
    assert hashlib.sha256(csv).hexdigest() == hashlib.sha256(one_generator_csv).hexdigest()


async def test_a_generator_killed_mid_job_leaves_every_row_written_exactly_once(
    one_generator_csv: bytes, three_generators: Platform
) -> None:
    async with httpx.AsyncClient(base_url=three_generators.url, timeout=60) as client:
        job, csv = await generate_and_export_csv(client, "people_killed_worker", kill_mid_job=three_generators)
    assert three_generators.of("generator")[0].killed
    assert_exact(job, csv)
    assert hashlib.sha256(csv).hexdigest() == hashlib.sha256(one_generator_csv).hexdigest()
