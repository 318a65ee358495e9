"""The platform's main flow, driven over the REST API exactly as a user would, for end-to-end tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

REFERENCE_TABLE = Path(__file__).parent / "data" / "reference_table.json"

#: What each storage type must come back as from the workbook (openpyxl reads decimals as float).
CELL_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "big_integer": (int,),
    "decimal": (float, int, Decimal),
    "float": (float, int),
    "boolean": (bool,),
    "date": (dt.datetime, dt.date),
    "datetime": (dt.datetime,),
    "string": (str,),
    "text": (str,),
    "email": (str,),
    "url": (str,),
}


def reference_spec(table_name: str = "reference_people") -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(REFERENCE_TABLE.read_text())
    spec["table_name"] = table_name
    return spec


async def wait_for(
    client: httpx.AsyncClient, path: str, done: set[str], within: float = 120, every: float = 0.05
) -> dict[str, Any]:
    """Poll `path` every `every` seconds until its status is one of `done`; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        response = await client.get(path)
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        if state["status"] in done:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} still {state['status']} after {within}s: {state}")
        await asyncio.sleep(every)


async def follow(client: httpx.AsyncClient, path: str, done: set[str], within: float = 120) -> dict[str, Any]:
    """The final state of the job, export or table at `path`, read from its server-sent events (`path/events`,
    which ends when the thing settles) as the web UI follows it: the answer comes as soon as the gateway knows,
    without a poll's delay or its requests. Polls if the stream broke off early."""
    try:
        async with asyncio.timeout(within):
            response = await client.get(f"{path}/events")
    except httpx.TransportError:
        return await wait_for(client, path, done, within=within)  # the stream broke (a gateway restarted)
    response.raise_for_status()
    states = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    state: dict[str, Any] = json.loads(states[-1]) if states else {}
    if state.get("status") in done:
        return state
    return await wait_for(client, path, done, within=within)


async def follow_job(client: httpx.AsyncClient, job_id: str, within: float = 600) -> dict[str, Any]:
    """A job's final state, from its event stream."""
    return await follow(client, f"/api/v1/jobs/{job_id}", {"completed", "failed", "cancelled"}, within=within)


@dataclass
class FlowResult:
    table: dict[str, Any]
    job: dict[str, Any]
    export: dict[str, Any]
    workbook: bytes
    seconds: dict[str, float]


#: A table whose foreign key points at a `customers` table (nullable, so it can be filled while customers is
#: empty), with a composite unique index: a job on it shows every kind of constraint-report line.
VISITS_SPEC: dict[str, Any] = {
    "table_name": "visits",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "city", "type": "string", "max_length": 40, "generator": {"kind": "choices", "values": ["Lyon"]}},
        {
            "name": "customer_id",
            "type": "foreign_key",
            "nullable": True,
            "references": {"table": "customers", "field": "id"},
        },
    ],
    "indexes": [{"name": "uq_visits_city_id", "fields": ["city", "id"], "unique": True}],
}


async def create_table(client: httpx.AsyncClient, spec: dict[str, Any]) -> dict[str, Any]:
    """Create a table through the API and wait until the schema service has created it; its final state."""
    created = await client.post("/api/v1/tables", json=spec)
    assert created.status_code == 202, created.text
    table = await follow(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    return table


async def exported_rows(client: httpx.AsyncClient, table_id: str) -> list[dict[str, Any]]:
    """Every row the table holds now, through a JSON Lines export and its download."""
    requested = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "jsonl"})
    assert requested.status_code == 202, requested.text
    export = await follow(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"})
    assert export["status"] == "completed", export
    download = await client.get(export["download_url"])
    assert download.status_code == 200
    return [json.loads(line) for line in download.text.splitlines() if line.strip()]


async def run_flow(client: httpx.AsyncClient, spec: dict[str, Any], rows: int, seed: int = 42) -> FlowResult:
    """Create → generate → export (xlsx) → download; returns every state along the way and timings. The table,
    the job and the export are followed through their event streams (as the web UI does)."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    table = await create_table(client, spec)
    seconds["create_table"] = time.perf_counter() - start

    start = time.perf_counter()
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": rows, "seed": seed})
    assert started.status_code == 202, started.text
    job = await follow_job(client, started.json()["id"], within=600)
    assert job["status"] == "completed", job
    seconds["generate"] = time.perf_counter() - start

    start = time.perf_counter()
    requested = await client.post(f"/api/v1/tables/{table['id']}/exports", json={"format": "xlsx", "job_id": job["id"]})
    assert requested.status_code == 202, requested.text
    export = await follow(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"}, within=600)
    assert export["status"] == "completed", export
    seconds["export"] = time.perf_counter() - start

    start = time.perf_counter()
    download = await client.get(export["download_url"])
    assert download.status_code == 200, download.text
    seconds["download"] = time.perf_counter() - start
    seconds["total"] = sum(seconds.values())
    return FlowResult(table, job, export, download.content, seconds)


def check_workbook(content: bytes, spec: dict[str, Any], rows: int) -> None:
    """The header is the field names, there are `rows` data rows, and every cell has its column's type."""
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook[workbook.sheetnames[0]]
    data = sheet.iter_rows(values_only=True)
    header = next(data)
    names = [field["name"] for field in spec["fields"]]
    assert list(header) == names
    count = 0
    for row in data:
        count += 1
        for field, value in zip(spec["fields"], row, strict=True):
            if value is None:
                assert field.get("nullable"), f"{field['name']} is empty in row {count} but not nullable"
                continue
            expected = CELL_TYPES[field["type"]]
            assert isinstance(value, expected), f"{field['name']}: {value!r} is not {expected}"
            if field["type"] in ("integer", "big_integer"):
                assert not isinstance(value, bool)
    assert count == rows


#: Two small tables, the second referencing the first: multi-table exports and jobs in tests.
SHOP_CUSTOMERS: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "city", "type": "string", "max_length": 40, "generator": {"kind": "choices", "values": ["Lyon"]}},
    ],
}
SHOP_ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 100}},
        {"name": "customer_id", "type": "foreign_key", "references": {"table": "customers", "field": "id"}},
    ],
}


async def table_with_rows(client: httpx.AsyncClient, spec: dict[str, Any], rows: int, seed: int = 5) -> str:
    """A created table holding `rows` generated rows; its id."""
    table = await create_table(client, spec)
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": rows, "seed": seed})
    job = await follow_job(client, started.json()["id"])
    assert job["status"] == "completed", job
    return str(table["id"])


async def finished_export(client: httpx.AsyncClient, response: httpx.Response) -> dict[str, Any]:
    """The final state of the export that `response` (a 202) started."""
    assert response.status_code == 202, response.text
    return await follow(client, f"/api/v1/exports/{response.json()['id']}", {"completed", "failed"})
