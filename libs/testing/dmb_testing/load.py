"""Bursts of concurrent API requests, for the load tests and bench/load.py: fire them all at once, record
what each one got back (status, Retry-After, latency), and wait for the work the platform accepted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from dmb_testing.flow import wait_for
from dmb_testing.seaweed import free_ports

#: A table any number of concurrent jobs can fill: no sequence or other unique value two jobs could both
#: produce (its key is a random UUID), so every accepted job must end with exactly its rows written.
BURST_SPEC: dict[str, Any] = {
    "table_name": "burst_people",
    "fields": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {
            "name": "first_name",
            "type": "string",
            "max_length": 60,
            "generator": {"kind": "faker", "provider": "first_name"},
        },
        {"name": "city", "type": "string", "max_length": 80, "generator": {"kind": "faker", "provider": "city"}},
        {"name": "salary", "type": "decimal", "precision": 10, "scale": 2, "min": 1000, "max": 9000},
        {"name": "active", "type": "boolean"},
    ],
}


#: Per-user quotas out of the way: a load test measures the platform, not the quota (which answers 429).
LOAD_QUOTAS = {"DMB_QUOTA_CONCURRENT_JOBS": "100000", "DMB_QUOTA_TABLES": "100000"}


def burst_spec(table_name: str) -> dict[str, Any]:
    return BURST_SPEC | {"table_name": table_name}


@dataclass(frozen=True)
class Call:
    """One request of a burst; `kind` names it in reports (e.g. "start job")."""

    kind: str
    method: str
    path: str
    json: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outcome:
    call: Call
    status: int
    seconds: float
    retry_after: str | None
    body: Any

    @property
    def accepted(self) -> bool:
        return self.status < 300


@dataclass
class BurstReport:
    outcomes: list[Outcome]
    seconds: float
    statuses: Counter[int] = field(init=False)

    def __post_init__(self) -> None:
        self.statuses = Counter(outcome.status for outcome in self.outcomes)

    def server_errors(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status >= 500 and outcome.status != 503]

    def busy_without_retry_after(self) -> list[Outcome]:
        """503s and 429s must say when to come back."""
        return [o for o in self.outcomes if o.status in (429, 503) and not (o.retry_after or "").isdigit()]

    def accepted(self, kind: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.call.kind == kind and outcome.accepted]

    def per_kind(self) -> dict[str, dict[str, Any]]:
        """Per kind of request: count, statuses, requests/s over the burst, p50 and p99 latency (seconds)."""
        kinds: dict[str, list[Outcome]] = {}
        for outcome in self.outcomes:
            kinds.setdefault(outcome.call.kind, []).append(outcome)
        return {kind: summary(outcomes, self.seconds) for kind, outcomes in kinds.items()}


def summary(outcomes: Sequence[Outcome], seconds: float) -> dict[str, Any]:
    latencies = sorted(outcome.seconds for outcome in outcomes)
    return {
        "requests": len(outcomes),
        "statuses": dict(sorted(Counter(str(outcome.status) for outcome in outcomes).items())),
        "requests_per_second": round(len(outcomes) / seconds, 1) if seconds else None,
        "p50_seconds": round(percentile(latencies, 50), 4),
        "p99_seconds": round(percentile(latencies, 99), 4),
    }


def percentile(ordered: Sequence[float], pct: float) -> float:
    if not ordered:
        return 0.0
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[min(98, max(0, round(pct) - 1))]


async def call(client: httpx.AsyncClient, request: Call) -> Outcome:
    start = time.perf_counter()
    response = await client.request(request.method, request.path, json=request.json)
    seconds = time.perf_counter() - start
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Outcome(request, response.status_code, seconds, response.headers.get("retry-after"), body)


async def burst(client: httpx.AsyncClient, calls: Sequence[Call]) -> BurstReport:
    """Send every call at once (the client must allow that many connections)."""
    start = time.perf_counter()
    outcomes = await asyncio.gather(*(call(client, request) for request in calls))
    return BurstReport(list(outcomes), time.perf_counter() - start)


async def clients_loop(client: httpx.AsyncClient, calls: Sequence[Call], clients: int) -> BurstReport:
    """`clients` concurrent clients, each sending its share of `calls` one after the other (a closed loop,
    as bench/load.py measures throughput)."""
    queue: asyncio.Queue[Call] = asyncio.Queue()
    for request in calls:
        queue.put_nowait(request)
    outcomes: list[Outcome] = []

    async def worker() -> None:
        while not queue.empty():
            outcomes.append(await call(client, queue.get_nowait()))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return BurstReport(outcomes, time.perf_counter() - start)


async def wait_all(
    client: httpx.AsyncClient, paths: Sequence[str], done: set[str], within: float
) -> list[dict[str, Any]]:
    """The final state of every resource in `paths` (polled a few at a time, not 200 pollers at once)."""
    deadline = time.monotonic() + within
    states = []
    for path in paths:
        states.append(await wait_for(client, path, done, within=max(1.0, deadline - time.monotonic()), every=0.25))
    return states


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def burst_client(base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A client that opens as many connections as a burst needs, patient enough for a queued request."""
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=120, limits=limits)


@contextlib.contextmanager
def embedded_server(work_dir: Path, **env: str) -> Iterator[str]:
    """`dmb run` as `make run` starts it (uvicorn, in-process bus, SQLite, local folder) in a subprocess on
    a free port; yields its URL. Stopped with SIGTERM on exit."""
    (port,) = free_ports(1)
    settings = {
        "PATH": os.environ.get("PATH", ""),
        "DMB_DATA_DIR": str(work_dir / "data"),
        "DMB_PORT": str(port),
        "DMB_LOG_LEVEL": "WARNING",
    }
    log = work_dir / "embedded.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "dmb_platform", "run"], env=settings | env, stdout=handle, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise AssertionError(f"dmb run exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"dmb run did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_log_errors(log: Path) -> list[str]:
    """Lines of a service log that report an unexpected error (what a 500 leaves behind)."""
    return [line for line in log.read_text().splitlines() if "unexpected error" in line]


def mixed_calls(table_id: str, count: int, *, rows: int = 100) -> list[Call]:
    """`count` requests of every kind a user sends, interleaved: create a table, start a job (of `rows`
    rows) and request a CSV export on `table_id`, and reads (a table, the lists of jobs and exports)."""
    reads = [
        Call("read table", "GET", f"/api/v1/tables/{table_id}"),
        Call("list jobs", "GET", f"/api/v1/jobs?table_id={table_id}"),
        Call("list exports", "GET", "/api/v1/exports"),
        Call("list tables", "GET", "/api/v1/tables"),
    ]
    calls = []
    for index in range(count):
        turn = index % 5
        if turn == 0:
            calls.append(Call("create table", "POST", "/api/v1/tables", burst_spec(unique_name("burst"))))
        elif turn == 1:
            calls.append(Call("start job", "POST", f"/api/v1/tables/{table_id}/jobs", {"rows": rows}))
        elif turn == 2:
            calls.append(Call("export", "POST", f"/api/v1/tables/{table_id}/exports", {"format": "csv"}))
        else:
            calls.append(reads[index % len(reads)])
    return calls
