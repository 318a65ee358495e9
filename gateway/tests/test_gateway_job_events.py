"""A job's server-sent events (`GET /api/v1/jobs/{id}/events`) wake when the gateway's projection folds in
the job's next event, instead of re-reading the job every 0.5 s: the web UI's progress bar (and "Generate and
download") learns that a small job finished as soon as the gateway does. The notifier itself (Changes) loses
no change made between a read and a wait."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dmb_gateway.api import jobs
from dmb_gateway.changes import Changes
from dmb_testing.flow import create_table, reference_spec, wait_for
from dmb_testing.platform import embedded_client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


def _states(stream: str) -> list[dict[str, object]]:
    return [
        json.loads(line.removeprefix("data: "))
        for block in stream.split("event: job")[1:]
        for line in block.splitlines()
        if line.startswith("data: ")
    ]


async def test_the_stream_follows_a_job_to_its_end_woken_by_the_projection(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the fallback re-read an hour away, only the projection's notices can move the stream along: before
    # the notifier, this stream would have sat on its first state for the hour (the timeout below fails it).
    monkeypatch.setattr(jobs, "EVENTS_FALLBACK_SECONDS", 3600.0)
    table = await create_table(client, reference_spec("followed"))
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 12_000, "seed": 3})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]

    async with asyncio.timeout(120):
        stream = (await client.get(f"/api/v1/jobs/{job_id}/events")).text

    states = _states(stream)
    assert states, stream
    assert states[-1]["status"] == "completed"
    assert states[-1]["rows_done"] == 12_000
    assert all(state["id"] == job_id for state in states)
    done = [int(str(state["rows_done"])) for state in states]
    assert done == sorted(done)  # progress never goes back
    assert len({json.dumps(state, sort_keys=True) for state in states}) == len(states)  # only changes are sent


async def test_a_finished_job_streams_its_final_state_once_and_ends(client: httpx.AsyncClient) -> None:
    table = await create_table(client, reference_spec("finished"))
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 10, "seed": 3})
    job_id = started.json()["id"]
    await wait_for(client, f"/api/v1/jobs/{job_id}", {"completed"})
    async with asyncio.timeout(120):
        stream = (await client.get(f"/api/v1/jobs/{job_id}/events")).text
    states = _states(stream)
    assert [state["status"] for state in states] == ["completed"]


async def test_a_change_between_the_read_and_the_wait_is_not_lost() -> None:
    changes = Changes()
    with changes.watching("job-1") as watch:
        changes.notify("job-1")  # the projection committed while the stream was still reading
        assert await watch.changed(within=3600) is True
        assert await watch.changed(within=0.01) is False  # consumed: the next wait waits for the next change


async def test_a_watch_wakes_for_its_own_key_only_and_is_dropped_after_its_block() -> None:
    changes = Changes()
    with changes.watching("job-1") as first, changes.watching("job-1") as second, changes.watching("job-2") as other:
        assert changes.watched() == 2
        waiting = asyncio.create_task(first.changed(within=3600))
        await asyncio.sleep(0)
        changes.notify("job-1")
        assert await waiting is True
        assert await second.changed(within=3600) is True  # every waiter on the key is woken
        assert await other.changed(within=0.01) is False
    assert changes.watched() == 0
    changes.notify("job-1")  # nobody waits: nothing happens


async def test_a_wait_without_a_change_ends_after_the_fallback() -> None:
    changes = Changes()
    with changes.watching("job-1") as watch:
        assert await watch.changed(within=0.01) is False
