"""Faults on the real servers, with every service in its own process (two generators), in a vhost and
databases of this module's own: the broker drops every connection mid-job, then PostgreSQL terminates the
services' connections mid-job. Each time the job completes with exactly its rows, none written twice."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from dmb_testing.flow import create_table, wait_for
from dmb_testing.platform import Platform, platform_processes
from dmb_testing.servers import rabbitmq_vhost

ROWS = 60_000  # twelve chunks: enough to be mid-job when the fault strikes, quick on two cores


def spec(name: str) -> dict[str, Any]:
    return {
        "table_name": name,
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
            {"name": "name", "type": "string", "max_length": 80, "generator": {"kind": "faker", "provider": "name"}},
            {"name": "code", "type": "string", "max_length": 12, "unique": True},
        ],
    }


@pytest.fixture(scope="module")
def vhost_url() -> Iterator[str]:
    with rabbitmq_vhost("dmbfault") as url:
        yield url


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, vhost_url: str, seaweed_endpoint: str) -> Iterator[Platform]:
    work_dir: Path = tmp_path_factory.mktemp("faults")
    with platform_processes(work_dir, vhost_url, seaweed_endpoint, generators=2, log_level="INFO") as running:
        yield running


async def job_under_fault(platform: Platform, table_name: str, fault: Any) -> tuple[dict[str, Any], tuple[int, int]]:
    """Start a job, strike with `fault` once some rows are written, wait for the end; (job, (rows, distinct))."""
    async with httpx.AsyncClient(base_url=platform.url, timeout=60) as client:
        table = await create_table(client, spec(table_name))
        started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": ROWS, "seed": 7})
        assert started.status_code == 202, started.text
        path = f"/api/v1/jobs/{started.json()['id']}"
        async with asyncio.timeout(120):
            while True:
                job = (await client.get(path)).json()
                if job["status"] != "pending" and 0 < job["rows_done"] < ROWS:
                    break
                assert job["status"] in ("pending", "running"), f"the job ended before the fault: {job}"
                await asyncio.sleep(0.05)
        await asyncio.to_thread(fault)
        job = await wait_for(client, path, {"completed", "failed", "cancelled"}, within=240)
    engine = sa.create_engine(platform.databases["datasets"])
    try:
        with engine.connect() as connection:
            counts = connection.execute(
                sa.text(f'SELECT count(*), count(DISTINCT id) FROM datasets."{table_name}"')  # our own test table
            ).one()
    finally:
        engine.dispose()
    return job, (counts[0], counts[1])


def test_broker_connections_dropped_mid_job_the_services_reconnect_and_the_job_completes_exactly_once(
    platform: Platform, vhost_url: str
) -> None:
    vhost = urlsplit(vhost_url).path.lstrip("/")

    def drop_connections() -> None:
        subprocess.run(
            ["rabbitmqctl", "close_all_connections", "-p", vhost, "fault test: broker connections dropped"],
            check=True,
            capture_output=True,
            timeout=60,
        )

    job, (rows, distinct) = asyncio.run(job_under_fault(platform, f"broker_{uuid.uuid4().hex[:6]}", drop_connections))

    assert job["status"] == "completed", job
    assert job["rows_done"] == ROWS
    assert (rows, distinct) == (ROWS, ROWS)  # nothing lost (outbox), nothing applied twice (inbox)
    assert asyncio.run(all_ready(platform)), "every process is connected again"


async def all_ready(platform: Platform) -> bool:
    async with asyncio.timeout(30):
        while True:
            answers = []
            for process in platform.processes:
                async with httpx.AsyncClient(base_url=process.health_url, timeout=5) as probe:
                    answers.append((await probe.get("/readyz")).status_code)
            if set(answers) == {200}:
                return True
            await asyncio.sleep(0.5)


def test_postgres_connections_terminated_mid_job_are_retried_and_nothing_is_half_written(platform: Platform) -> None:
    names = [sa.make_url(platform.databases[name]).database for name in ("generator", "datasets", "gateway")]

    def terminate_backends() -> None:
        engine = sa.create_engine(sa.make_url(platform.databases["datasets"]).set(database="postgres"))
        try:
            with engine.begin() as connection:
                killed = connection.execute(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
                    ),
                    {"names": names},
                ).scalar_one()
        finally:
            engine.dispose()
        assert killed > 0

    job, (rows, distinct) = asyncio.run(job_under_fault(platform, f"pg_{uuid.uuid4().hex[:6]}", terminate_backends))

    assert job["status"] == "completed", job
    assert job["rows_done"] == ROWS
    assert (rows, distinct) == (ROWS, ROWS)
