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


async def test_replace_removes_the_rows_first_and_the_sequence_starts_again(client: httpx.AsyncClient) -> None:
    table = await create_table(client, TRACKS)
    await fill(client, table["id"], 25, seed=1)

    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 10, "mode": "replace"})
    job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})

    assert job["status"] == "completed", job
    assert sorted(row["track_id"] for row in await exported_rows(client, table["id"])) == list(range(1, 11))
    assert "the table's rows were removed first (replace)" in job["fallbacks"]


async def test_replacing_a_parent_names_the_tables_to_replace_with_it_and_a_batch_replaces_them_in_order(
    client: httpx.AsyncClient,
) -> None:
    genre = await create_table(
        client,
        {"table_name": "genre", "fields": [{"name": "id", "type": "integer", "primary_key": True}]},
    )
    reference = {"name": "genre_id", "type": "foreign_key", "references": {"table": "genre", "field": "id"}}
    song = await create_table(client, {"table_name": "song", "fields": [TRACKS["fields"][0], reference]})
    batch = {"tables": [{"table_id": genre["id"], "rows": 5}, {"table_id": song["id"], "rows": 30}]}
    first = await client.post("/api/v1/jobs", json=batch)
    for job in first.json()["jobs"]:
        await wait_for(client, f"/api/v1/jobs/{job['job_id']}", {"completed", "failed", "cancelled"})

    alone = await client.post(f"/api/v1/tables/{genre['id']}/jobs", json={"rows": 3, "mode": "replace"})
    together = await client.post("/api/v1/jobs", json={**batch, "mode": "replace"})
    jobs = [
        await wait_for(client, f"/api/v1/jobs/{job['job_id']}", {"completed", "failed", "cancelled"})
        for job in together.json()["jobs"]
    ]

    assert alone.status_code == 409
    assert "would leave rows of song.genre_id pointing at keys that are gone" in alone.json()["message"]
    assert [job["status"] for job in jobs] == ["completed", "completed"], jobs
    genres = {row["id"] for row in await exported_rows(client, genre["id"])}
    songs = await exported_rows(client, song["id"])
    assert (len(genres), len(songs)) == (5, 30)
    assert {row["genre_id"] for row in songs} <= genres
