"""Many users on two generators (distributed: RabbitMQ, PostgreSQL, one process per service): 50 concurrent
jobs from 5 users all complete with exact row counts, users take turns (one user's backlog does not make the
others wait for all of it), and the chunk work queue stays bounded by users x window, whatever the backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from dmb_gateway.auth import provision_user
from dmb_testing.flow import create_table, wait_for
from dmb_testing.load import LOAD_QUOTAS, burst_spec, unique_name, wait_all
from dmb_testing.platform import Platform, platform_processes

WINDOW = 4  # chunks of one user queued or running at once
ROWS = 2000  # one chunk per job
HEAVY_JOBS = 30
LIGHT_JOBS = 5
LIGHT_USERS = 4


class Sampler:
    """Reads, every half second while the jobs run, the chunk queue's depth and the generators' memory."""

    def __init__(self, vhost: str, platform: Platform) -> None:
        self.vhost = vhost
        self.platform = platform
        self.depths: list[int] = []
        self.rss_kib: list[int] = []
        self._stop = threading.Event()

    def _depth(self) -> int | None:
        ctl = shutil.which("rabbitmqctl")
        if ctl is None:
            return None
        listed = subprocess.run(
            [ctl, "list_queues", "-p", self.vhost, "name", "messages", "--quiet", "--no-table-headers"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
        for line in listed.splitlines():
            name, _, count = line.rpartition("\t")
            if name.endswith("generator.chunks") and count.strip().isdigit():
                return int(count)
        return None

    def _rss(self) -> int:
        total = 0
        for process in self.platform.of("generator"):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total = max(total, int(line.split()[1]))
        return total

    def run(self) -> None:
        while not self._stop.wait(0.5):
            depth = self._depth()
            if depth is not None:
                self.depths.append(depth)
            self.rss_kib.append(self._rss())

    @contextlib.contextmanager
    def sampling(self) -> Iterator[None]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join(timeout=60)


async def start_jobs(client: httpx.AsyncClient, table_id: str, count: int) -> list[str]:
    started = await asyncio.gather(
        *(client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": ROWS}) for _ in range(count))
    )
    assert [response.status_code for response in started] == [202] * count, [r.text for r in started]
    return [f"/api/v1/jobs/{response.json()['id']}" for response in started]


async def csv_row_count(client: httpx.AsyncClient, table_id: str) -> int:
    requested = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "csv"})
    assert requested.status_code == 202, requested.text
    export = await wait_for(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"}, within=120)
    assert export["status"] == "completed", export
    download = await client.get(export["download_url"])
    assert download.status_code == 200
    return len(download.text.strip().splitlines()) - 1  # the header line


def finished(job: dict[str, object]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(job["finished_at"]))


async def test_fifty_jobs_of_five_users_on_two_generators_complete_exactly_with_users_taking_turns_and_a_bounded_queue(
    tmp_path: Path, rabbitmq_url: str, seaweed_endpoint: str
) -> None:
    env = {"DMB_AUTH_MODE": "token", "DMB_GENERATOR_CHUNKS_PER_OWNER": str(WINDOW)} | LOAD_QUOTAS
    with platform_processes(tmp_path, rabbitmq_url, seaweed_endpoint, generators=2, env=env) as platform:
        tokens = [
            await provision_user(platform.databases["gateway"], f"user{index}@example.com")
            for index in range(1 + LIGHT_USERS)
        ]
        clients = [
            httpx.AsyncClient(base_url=platform.url, timeout=60, headers={"Authorization": f"Bearer {token}"})
            for token in tokens
        ]
        try:
            tables = [await create_table(client, burst_spec(unique_name("fair"))) for client in clients]
            sampler = Sampler(urlsplit(rabbitmq_url).path.lstrip("/"), platform)
            with sampler.sampling():
                # The heavy user's whole backlog is in before anyone else asks for anything.
                heavy = await start_jobs(clients[0], tables[0]["id"], HEAVY_JOBS)
                light = await asyncio.gather(
                    *(start_jobs(clients[i], tables[i]["id"], LIGHT_JOBS) for i in range(1, 1 + LIGHT_USERS))
                )
                heavy_jobs = await wait_all(clients[0], heavy, {"completed", "failed"}, 300)
                light_jobs = [
                    await wait_all(clients[i], light[i - 1], {"completed", "failed"}, 300)
                    for i in range(1, 1 + LIGHT_USERS)
                ]

            every_job = heavy_jobs + [job for jobs in light_jobs for job in jobs]
            assert len(every_job) == HEAVY_JOBS + LIGHT_JOBS * LIGHT_USERS == 50
            assert {job["status"] for job in every_job} == {"completed"}, [job["reason"] for job in every_job]
            assert {job["rows_done"] for job in every_job} == {ROWS}
            counts = [await csv_row_count(client, table["id"]) for client, table in zip(clients, tables, strict=True)]
            assert counts == [HEAVY_JOBS * ROWS] + [LIGHT_JOBS * ROWS] * LIGHT_USERS

            # Turns: every light user was done while most of the heavy user's backlog still waited. First in,
            # first out, all 30 heavy jobs would have finished before the first light one.
            light_done = max(finished(job) for jobs in light_jobs for job in jobs)
            heavy_after = sum(finished(job) > light_done for job in heavy_jobs)
            assert heavy_after >= HEAVY_JOBS // 2, f"only {heavy_after} heavy jobs finished after the light users"

            # Bounded: never more than each user's window in the chunk queue, though 50 jobs were pending.
            assert sampler.depths, "the chunk queue was never sampled"
            assert max(sampler.depths) <= WINDOW * (1 + LIGHT_USERS), sampler.depths
            assert max(sampler.rss_kib) < 1_000_000, f"a generator used {max(sampler.rss_kib)} KiB"
        finally:
            for client in clients:
                await client.aclose()
