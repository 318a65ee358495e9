"""Server-sent events of a job, an export and a table (`GET /api/v1/{jobs,exports,tables}/{id}/events`) wake when
the gateway's projection folds in the next event, instead of re-reading the row every 0.5 s: the web UI, the CLI
and the flow harness learn that a small job, its file or its table is ready as soon as the gateway does. The
notifier itself (Changes) loses no change made between a read and a wait."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dmb_gateway.api import state_events
from dmb_gateway.changes import Changes
from dmb_testing.flow import create_table, reference_spec, wait_for
from dmb_testing.platform import embedded_client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


def _states(stream: str, event: str = "job") -> list[dict[str, object]]:
    return [
        json.loads(line.removeprefix("data: "))
        for block in stream.split(f"event: {event}")[1:]
        for line in block.splitlines()
        if line.startswith("data: ")
    ]


async def test_the_stream_follows_a_job_to_its_end_woken_by_the_projection(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the fallback re-read an hour away, only the projection's notices can move the stream along: before
    # the notifier, this stream would have sat on its first state for the hour (the timeout below fails it).
    monkeypatch.setattr(state_events, "EVENTS_FALLBACK_SECONDS", 3600.0)
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


async def test_the_export_and_the_table_streams_follow_them_to_the_end_woken_by_the_projection(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_events, "EVENTS_FALLBACK_SECONDS", 3600.0)  # only the projection moves them on
    created = await client.post("/api/v1/tables", json=reference_spec("streamed"))
    assert created.status_code == 202, created.text
    table_id = created.json()["id"]
    async with asyncio.timeout(120):
        table_stream = (await client.get(f"/api/v1/tables/{table_id}/events")).text
    tables = _states(table_stream, "table")
    assert tables[-1]["status"] == "created", table_stream
    assert all(table["id"] == table_id for table in tables)

    started = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": 3_000, "seed": 3})
    job_stream = (await client.get(f"/api/v1/jobs/{started.json()['id']}/events")).text
    assert _states(job_stream)[-1]["status"] == "completed"
    requested = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "csv"})
    assert requested.status_code == 202, requested.text
    async with asyncio.timeout(120):
        export_stream = (await client.get(f"/api/v1/exports/{requested.json()['id']}/events")).text
    exports = _states(export_stream, "export")
    assert exports[-1]["status"] == "completed", export_stream
    assert exports[-1]["download_url"] == f"/api/v1/exports/{requested.json()['id']}/download"
    assert exports[-1]["rows"] == 3_000
    assert len({json.dumps(export, sort_keys=True) for export in exports}) == len(exports)  # only changes


async def test_a_settled_table_or_export_streams_its_state_once_and_ends(client: httpx.AsyncClient) -> None:
    table = await create_table(client, reference_spec("settled"))
    stream = (await client.get(f"/api/v1/tables/{table['id']}/events")).text
    assert [state["status"] for state in _states(stream, "table")] == ["created"]
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 10, "seed": 3})
    await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed"})
    requested = await client.post(f"/api/v1/tables/{table['id']}/exports", json={"format": "jsonl"})
    export_id = requested.json()["id"]
    await wait_for(client, f"/api/v1/exports/{export_id}", {"completed"})
    stream = (await client.get(f"/api/v1/exports/{export_id}/events")).text
    assert [state["status"] for state in _states(stream, "export")] == ["completed"]


async def test_the_stream_of_an_unknown_job_export_or_table_answers_404(client: httpx.AsyncClient) -> None:
    for kind in ("jobs", "exports", "tables"):
        response = await client.get(f"/api/v1/{kind}/00000000-0000-4000-8000-000000000000/events")
        assert response.status_code == 404, (kind, response.text)


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
