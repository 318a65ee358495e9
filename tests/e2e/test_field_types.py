"""End to end, embedded mode: tables with uuid, json, time and foreign-key fields are created, filled,
exported as xlsx, CSV and JSON Lines, downloaded and read back, over the REST API as a user would."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.flow import run_flow, wait_for
from dmb_testing.platform import embedded_client
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

TEAMS: dict[str, Any] = {
    "table_name": "teams",
    "fields": [
        {"name": "id", "type": "uuid", "primary_key": True},
        {"name": "settings", "type": "json", "generator": {"kind": "json_object", "keys": ["color", "seats", "tags"]}},
        {"name": "standup", "type": "time", "min": "08:00", "max": "10:30"},
        {
            "name": "badge",
            "type": "json",
            "nullable": True,
            "null_percentage": 30,
            "choices": ['{"level": 1}', "[2, 3]"],
        },
    ],
}
PLAYERS: dict[str, Any] = {
    "table_name": "players",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {
            "name": "team",
            "type": "foreign_key",
            "references": {"table": "teams", "field": "id"},
            "generator": {"kind": "reference", "children_per_parent": {"min": 2, "max": 5}},
        },
        {"name": "joined_at", "type": "time", "unique": True},
    ],
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


async def _create(client: httpx.AsyncClient, spec: dict[str, Any]) -> dict[str, Any]:
    created = await client.post("/api/v1/tables", json=spec)
    assert created.status_code == 202, created.text
    return await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})


async def _generate(client: httpx.AsyncClient, table_id: str, rows: int, seed: int = 3) -> dict[str, Any]:
    started = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": rows, "seed": seed})
    assert started.status_code == 202, started.text
    return await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})


async def _download(client: httpx.AsyncClient, table_id: str, job_id: str, kind: str) -> bytes:
    requested = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": kind, "job_id": job_id})
    assert requested.status_code == 202, requested.text
    export = await wait_for(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"})
    assert export["status"] == "completed", export
    download = await client.get(export["download_url"])
    assert download.status_code == 200
    return download.content


async def test_new_field_types_and_foreign_keys_end_to_end(client: httpx.AsyncClient) -> None:
    teams = await run_flow(client, TEAMS, rows=40, seed=5)
    assert all(column["violations"] == 0 for column in teams.job["report"]), teams.job["report"]
    workbook = load_workbook(io.BytesIO(teams.workbook))
    sheet = workbook["teams"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 40
    team_ids = {str(uuid.UUID(row[0])) for row in rows}  # UUIDs as their canonical text
    assert len(team_ids) == 40
    assert all(sorted(json.loads(row[1])) == ["color", "seats", "tags"] for row in rows)
    assert all(dt.time(8) <= row[2] <= dt.time(10, 30) for row in rows)
    assert sheet["C2"].number_format == "hh:mm:ss"
    assert {row[3] for row in rows} <= {'{"level":1}', "[2,3]", None}

    players = await _create(client, PLAYERS)
    assert players["status"] == "created", players
    team_field = next(field for field in players["spec"]["fields"] if field["name"] == "team")
    assert team_field["references"]["key_type"] == "uuid"  # resolved by the schema service
    job = await _generate(client, players["id"], rows=150)
    assert job["status"] == "completed", job
    assert all(column["violations"] == 0 for column in job["report"]), job["report"]

    book = CalamineWorkbook.from_filelike(io.BytesIO(await _download(client, players["id"], job["id"], "xlsx")))
    data = book.get_sheet_by_name("players").to_python()[1:]
    per_team = Counter(row[1] for row in data)
    assert set(per_team) <= team_ids
    assert sum(per_team.values()) == 150
    assert all(2 <= count <= 5 for count in per_team.values())
    assert len(per_team) == 40  # every team has at least 2 players
    assert len({row[2] for row in data}) == 150
    assert all(isinstance(row[2], dt.time) for row in data)

    text = (await _download(client, players["id"], job["id"], "csv")).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["id", "team", "joined_at"]
    assert [[str(int(row[0])), row[1], row[2].isoformat()] for row in data] == lines[1:]
    documents = [json.loads(line) for line in (await _download(client, players["id"], job["id"], "jsonl")).splitlines()]
    assert [document["team"] for document in documents] == [row[1] for row in data]


async def test_foreign_key_problems_are_clear_refusals(client: httpx.AsyncClient) -> None:
    orphan = await _create(client, PLAYERS)
    assert orphan["status"] == "rejected"
    assert "there is no table 'teams' to reference" in orphan["reason"]

    teams = await _create(client, TEAMS)
    players = await _create(client, PLAYERS | {"table_name": "players_2"})
    assert players["status"] == "created", players
    failed = await _generate(client, players["id"], rows=10)
    assert failed["status"] == "failed"
    assert "the parent table 'teams' has no rows; generate its rows first" in failed["reason"]

    await _generate(client, teams["id"], rows=3)
    too_many = await _generate(client, players["id"], rows=100)
    assert too_many["status"] == "failed"
    assert "3 parents with 2..5 rows each make 6..15 rows, 100 asked" in too_many["reason"]

    bad = PLAYERS | {
        "table_name": "players_3",
        "fields": [*PLAYERS["fields"][:1], {"name": "x", "type": "json", "unique": True}],
    }
    response = await client.post("/api/v1/tables", json=bad)
    assert response.status_code == 422
    assert "a json field cannot be unique" in response.text
