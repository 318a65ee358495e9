"""End to end, embedded mode: an empty table with a foreign key to itself is filled with a real hierarchy
(an org chart), over the REST API as a user would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.flow import create_table, exported_rows, wait_for
from dmb_testing.platform import embedded_client
from dmb_testing.trees import depths as tree_depths

EMPLOYEES: dict[str, Any] = {
    "table_name": "employees",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "full_name", "type": "string", "max_length": 60},
        {
            "name": "manager_id",
            "type": "foreign_key",
            "nullable": True,
            "null_percentage": 2,
            "references": {"table": "employees", "field": "id"},
        },
    ],
}
ROWS = 12_000  # three chunks


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


async def _generate(client: httpx.AsyncClient, table_id: str, rows: int, seed: int) -> dict[str, Any]:
    started = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": rows, "seed": seed})
    assert started.status_code == 202, started.text
    return await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})


async def test_an_empty_table_referencing_itself_gets_a_hierarchy(client: httpx.AsyncClient) -> None:
    table = await create_table(client, EMPLOYEES)
    assert table["status"] == "created", table

    job = await _generate(client, table["id"], ROWS, seed=5)
    assert job["status"] == "completed", job
    assert not any("manager_id" in note for note in job["fallbacks"]), job["fallbacks"]

    rows = await exported_rows(client, table["id"])
    managers = {row["id"]: row["manager_id"] for row in rows}
    assert len(managers) == ROWS
    pointing = [manager for manager in managers.values() if manager is not None]
    assert len(pointing) > 0.9 * ROWS
    assert set(pointing) <= managers.keys()
    depths = list(tree_depths(managers).values())  # fails on a cycle or a manager that is no row
    assert max(depths) > 1
    assert sum(depth > 1 for depth in depths) > ROWS / 2
