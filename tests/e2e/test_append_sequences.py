"""Appending to a table whose key is a sequence: a second job continues after the largest key already there
(it used to repeat 1, 2, 3 ... and fail on the primary key), and says so on the job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing import platform
from dmb_testing.flow import create_table, exported_rows, wait_for

TRACKS: dict[str, Any] = {
    "table_name": "tracks",
    "fields": [
        {"name": "track_id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "number", "type": "big_integer"},  # a key-like name: a sequence is inferred, and continued too
        {"name": "title", "type": "string", "max_length": 80},
    ],
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path) as http:
        yield http


async def fill(client: httpx.AsyncClient, table_id: str, rows: int, seed: int) -> dict[str, Any]:
    started = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": rows, "seed": seed})
    assert started.status_code == 202, started.text
    return await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})


async def test_a_second_job_continues_the_sequence_after_the_rows_already_there(client: httpx.AsyncClient) -> None:
    table = await create_table(client, TRACKS)

    first = await fill(client, table["id"], 25, seed=1)
    second = await fill(client, table["id"], 25, seed=1)

    assert (first["status"], second["status"]) == ("completed", "completed"), second
    rows = await exported_rows(client, table["id"])
    assert sorted(row["track_id"] for row in rows) == list(range(1, 51))
    assert any("the sequence continued at 26" in note for note in second["fallbacks"])
