"""End to end, embedded mode: the whole platform in this process, over the REST API."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dmb_contracts.commands import MAX_SEED
from dmb_testing.flow import check_workbook, create_table, reference_spec, run_flow, wait_for
from dmb_testing.platform import embedded_client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


async def test_create_generate_export_download_1000_rows(client: httpx.AsyncClient) -> None:
    spec = reference_spec()
    result = await run_flow(client, spec, rows=1000)
    assert result.job["rows_done"] == 1000
    assert result.job["seed"] == 42
    assert all(column["violations"] == 0 for column in result.job["report"]), result.job["report"]
    email = next(column for column in result.job["report"] if column["name"] == "email")
    assert email["distinct"] == 1000  # unique by construction
    job = result.job  # the job's time, split into writing the rows and checking them for the report
    assert job["rows_seconds"] > 0
    assert job["report_seconds"] > 0
    assert job["rows_seconds"] + job["report_seconds"] == pytest.approx(job["seconds"], abs=0.001)
    assert result.export["rows"] == 1000
    assert result.export["sha256"] == hashlib.sha256(result.workbook).hexdigest()
    assert result.export["size_bytes"] == len(result.workbook)
    check_workbook(result.workbook, spec, 1000)
    print(f"embedded 1,000 rows: {result.seconds}")


async def test_same_seed_gives_the_same_rows(client: httpx.AsyncClient) -> None:
    first = await run_flow(client, reference_spec("people_a"), rows=300, seed=7)
    second = await run_flow(client, reference_spec("people_b"), rows=300, seed=7)
    sheet_a = _data_rows(first.workbook)
    sheet_b = _data_rows(second.workbook)
    assert sheet_a == sheet_b


def _data_rows(content: bytes) -> list[tuple[object, ...]]:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in workbook[workbook.sheetnames[0]].iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"fields": [{"name": "a", "type": "money"}]}, "fields.0.type", "string"),
        ({"table_name": "drop table x;--"}, "table_name", "not a valid name"),
        ({"table_name": "select"}, "table_name", "reserved"),
        ({"fields": [{"name": "Bad-Name", "type": "integer"}]}, "fields.0.name", "not a valid name"),
        ({"fields": [{"name": "n", "type": "integer", "min": 5, "max": 1}]}, "fields.0", "min 5 is greater than max 1"),
        ({"fields": []}, "fields", "at least 1"),
    ],
)
async def test_bad_table_definitions_get_a_422_naming_the_place(
    client: httpx.AsyncClient, change: dict[str, object], where: str, words: str
) -> None:
    spec = reference_spec() | change
    response = await client.post("/api/v1/tables", json=spec)
    assert response.status_code == 422
    body = response.json()
    assert any(error["location"].startswith(where) and words in error["message"] for error in body["errors"]), body
    assert where in body["message"]
    assert (await client.get("/api/v1/tables")).json()["total"] == 0  # nothing half-created


@pytest.mark.parametrize("rows", [0, -5, 1_000_001])
async def test_row_counts_out_of_range_get_a_422(client: httpx.AsyncClient, rows: int) -> None:
    created = await client.post("/api/v1/tables", json=reference_spec())
    response = await client.post(f"/api/v1/tables/{created.json()['id']}/jobs", json={"rows": rows})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "rows"


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 2**63 - 1])
async def test_seeds_out_of_range_get_a_422_naming_the_largest(client: httpx.AsyncClient, seed: int) -> None:
    created = await client.post("/api/v1/tables", json=reference_spec())
    response = await client.post(f"/api/v1/tables/{created.json()['id']}/jobs", json={"rows": 10, "seed": seed})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["location"] == "seed"
    assert str(0 if seed < 0 else MAX_SEED) in error["message"]


async def test_a_random_seed_is_one_every_client_shows_exactly(client: httpx.AsyncClient) -> None:
    seeds = []
    for name in ("people_a", "people_b", "people_c"):
        table = await create_table(client, reference_spec(name))
        started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 5})
        job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed"})
        seeds.append(job["seed"])
    # A float64 (JavaScript, spreadsheets) holds each exactly, and they are random.
    assert all(0 <= seed <= MAX_SEED and float(seed) == seed for seed in seeds)
    assert len(set(seeds)) == 3


async def test_a_duplicate_table_name_is_a_409(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/tables", json=reference_spec())).status_code == 202
    response = await client.post("/api/v1/tables", json=reference_spec())
    assert response.status_code == 409
    assert "already have a table named 'reference_people'" in response.json()["message"]


async def test_unknown_ids_are_404_not_500(client: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-00000000abcd"
    for path in (f"/api/v1/tables/{missing}", f"/api/v1/jobs/{missing}", f"/api/v1/exports/{missing}/download"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert missing in response.json()["message"]
    # Ids in paths are UUIDs: anything else names no resource at all.
    assert (await client.get("/api/v1/tables/not-a-uuid")).status_code == 404
