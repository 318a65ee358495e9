"""Bursts of concurrent requests, in both modes, over real HTTP: the embedded platform as `make run` starts
it (uvicorn, SQLite, in-process bus) and the distributed one (a process per service, two generators,
RabbitMQ, PostgreSQL, S3). Every request is served, queued or answered 503/429 with Retry-After — never
another 5xx — and every job and export the platform accepted finishes, with exact row counts.

Before the fix, 30 concurrent job starts on one table answered 23-30 times 500 after 30 s (the gateway's
pool ran dry: each request held one connection for the caller and waited for a second one), and the jobs
that got in collided on the table's sequence key and stayed "running" for ever.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from dmb_testing.flow import create_table, exported_rows, reference_spec
from dmb_testing.load import (
    LOAD_QUOTAS,
    BurstReport,
    Call,
    burst,
    burst_client,
    burst_spec,
    embedded_server,
    mixed_calls,
    server_log_errors,
    unique_name,
    wait_all,
)
from dmb_testing.platform import platform_processes
from dmb_testing.servers import rabbitmq_vhost

FINISHED_JOB = {"completed", "failed", "cancelled"}
FINISHED_EXPORT = {"completed", "failed"}


# Both tests of a mode share its platform (module fixture), so they run in one xdist worker.
pytestmark = pytest.mark.xdist_group("load_bursts")


@pytest.fixture(scope="module", params=["embedded", "distributed"])
def platform_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list[Path]]]:
    """The platform's URL and its service logs, in each mode."""
    work_dir = tmp_path_factory.mktemp(f"burst-{request.param}")
    if request.param == "embedded":
        with embedded_server(work_dir, **LOAD_QUOTAS) as url:
            yield url, [work_dir / "embedded.log"]
        return
    seaweed_endpoint = request.getfixturevalue("seaweed_endpoint")
    with (
        rabbitmq_vhost() as rabbitmq_url,
        platform_processes(work_dir, rabbitmq_url, seaweed_endpoint, generators=2, env=LOAD_QUOTAS) as platform,
    ):
        yield platform.url, [process.log for process in platform.processes]


@pytest.fixture
async def client(platform_url: tuple[str, list[Path]]) -> AsyncIterator[httpx.AsyncClient]:
    async with burst_client(platform_url[0]) as http:
        yield http


def assert_polite(report: BurstReport, logs: list[Path]) -> None:
    assert not report.server_errors(), [(o.call.kind, o.status, o.body) for o in report.server_errors()]
    assert not report.busy_without_retry_after(), report.busy_without_retry_after()
    assert set(report.statuses) <= {200, 202, 429, 503}, report.statuses
    assert [error for log in logs for error in server_log_errors(log)] == []


async def test_thirty_concurrent_jobs_on_one_table_are_all_answered_at_once_and_each_ends_with_its_rows_or_a_plain_reason(
    client: httpx.AsyncClient, platform_url: tuple[str, list[Path]]
) -> None:
    # The reference table's key is a sequence from 1: concurrent jobs on it collide. The one that writes first
    # completes; the others must fail saying why, not hang in "running" after five retries.
    table = await create_table(client, reference_spec(unique_name("people")))
    start = Call("start job", "POST", f"/api/v1/tables/{table['id']}/jobs", {"rows": 2000})
    report = await burst(client, [start] * 30)
    assert_polite(report, platform_url[1])
    assert report.statuses == {202: 30}, report.statuses
    jobs = await wait_all(client, [f"/api/v1/jobs/{o.body['id']}" for o in report.outcomes], FINISHED_JOB, 240)
    outcome = collections.Counter(job["status"] for job in jobs)
    assert outcome["completed"] >= 1, outcome
    assert outcome["completed"] + outcome["failed"] == 30, outcome
    for job in jobs:
        if job["status"] == "failed":
            assert "repeat a unique value the table already holds" in job["reason"], job["reason"]
            assert "INSERT" not in job["reason"]
            assert "VALUES" not in job["reason"]
    assert len(await exported_rows(client, table["id"])) == 2000 * outcome["completed"]


async def test_two_hundred_concurrent_requests_of_every_kind_get_no_server_error_and_all_accepted_work_completes_exactly(
    client: httpx.AsyncClient, platform_url: tuple[str, list[Path]]
) -> None:
    table = await create_table(client, burst_spec(unique_name("burst")))
    report = await burst(client, mixed_calls(table["id"], 200, rows=100))
    assert_polite(report, platform_url[1])
    assert len(report.accepted("start job")) >= 10, report.per_kind()  # the burst did real work, not only 503s

    tables = await wait_all(
        client,
        [f"/api/v1/tables/{o.body['id']}" for o in report.accepted("create table")],
        {"created", "rejected"},
        240,
    )
    assert {created["status"] for created in tables} <= {"created"}, [t.get("reason") for t in tables]
    jobs = await wait_all(
        client, [f"/api/v1/jobs/{o.body['id']}" for o in report.accepted("start job")], FINISHED_JOB, 240
    )
    assert [job["status"] for job in jobs] == ["completed"] * len(jobs), [job.get("reason") for job in jobs]
    exports = await wait_all(
        client, [f"/api/v1/exports/{o.body['id']}" for o in report.accepted("export")], FINISHED_EXPORT, 240
    )
    assert [export["status"] for export in exports] == ["completed"] * len(exports), [e.get("reason") for e in exports]
    # Each export holds whatever the table had when it ran: never more than every accepted job's rows.
    assert all(0 <= export["rows"] <= 100 * len(jobs) for export in exports)
    assert len(await exported_rows(client, table["id"])) == 100 * len(jobs)
