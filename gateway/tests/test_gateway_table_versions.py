"""Changing a table over the REST API, end to end on the embedded platform: a new version, migrated, with
its history; a refused change leaves the table as it was."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing import platform
from dmb_testing.flow import wait_for

SPEC: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "name", "type": "string", "max_length": 60, "generator": {"kind": "faker", "provider": "name"}},
        {"name": "code", "type": "text", "generator": {"kind": "faker", "provider": "word"}},
    ],
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path) as http:
        yield http


async def created(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/api/v1/tables", json=SPEC)
    assert response.status_code == 202, response.text
    table = await wait_for(client, f"/api/v1/tables/{response.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    return table


async def settled(client: httpx.AsyncClient, table_id: str) -> dict[str, Any]:
    return await wait_for(client, f"/api/v1/tables/{table_id}", {"created", "rejected", "dropped"})


async def test_alter_creates_a_new_version_that_keeps_the_rows(client: httpx.AsyncClient) -> None:
    table = await created(client)
    job = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 20, "seed": 1})
    assert job.status_code == 202, job.text
    await wait_for(client, f"/api/v1/jobs/{job.json()['id']}", {"completed", "failed"})

    new_spec = copy.deepcopy(SPEC)
    new_spec["fields"][1] = {"name": "full_name", "renamed_from": "name", "type": "string", "max_length": 200}
    new_spec["fields"].append({"name": "phone", "type": "string", "nullable": True})
    response = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": new_spec})
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "altering"

    after = await settled(client, table["id"])
    assert (after["status"], after["version"], after["reason"]) == ("created", 2, None)
    assert [f["name"] for f in after["spec"]["fields"]] == ["id", "full_name", "code", "phone"]

    history = (await client.get(f"/api/v1/tables/{table['id']}/versions")).json()
    assert [item["version"] for item in history["items"]] == [1, 2]
    assert [f["name"] for f in history["items"][0]["spec"]["fields"]] == ["id", "name", "code"]
    assert "field phone added (string(255))" in history["items"][1]["changes"]
    assert (await client.get(f"/api/v1/tables/{table['id']}/versions/1")).json()["version"] == 1

    diff = await client.get(f"/api/v1/tables/{table['id']}/versions/1/diff/2")
    assert diff.status_code == 200, diff.text
    changes = diff.json()["diff"]
    assert [f["name"] for f in changes["added"]] == ["full_name", "phone"]
    assert [f["name"] for f in changes["removed"]] == ["name"]
    assert changes["changed"] == []
    backwards = (await client.get(f"/api/v1/tables/{table['id']}/versions/2/diff/1")).json()["diff"]
    assert [f["name"] for f in backwards["removed"]] == ["full_name", "phone"]
    missing = await client.get(f"/api/v1/tables/{table['id']}/versions/1/diff/9")
    assert missing.status_code == 404
    assert "has no version 9" in missing.json()["message"]

    # The rows generated before the change are still there, now with the new shape.
    export = await client.post(f"/api/v1/tables/{table['id']}/exports", json={"format": "jsonl"})
    assert export.status_code == 202, export.text
    done = await wait_for(client, f"/api/v1/exports/{export.json()['id']}", {"completed", "failed"})
    assert done["status"] == "completed", done
    lines = (await client.get(done["download_url"])).text.splitlines()
    assert len(lines) == 20
    assert '"full_name"' in lines[0]
    assert '"phone": null' in lines[0] or '"phone":null' in lines[0]


async def test_a_refused_change_leaves_the_table_as_it_was(client: httpx.AsyncClient) -> None:
    table = await created(client)
    job = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 5, "seed": 1})
    await wait_for(client, f"/api/v1/jobs/{job.json()['id']}", {"completed", "failed"})
    new_spec = copy.deepcopy(SPEC)
    new_spec["fields"][2] = {"name": "code", "type": "integer"}  # words are not numbers

    response = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": new_spec})
    assert response.status_code == 202, response.text

    after = await settled(client, table["id"])
    assert (after["status"], after["version"]) == ("created", 1)
    assert "cannot change 'code' from text to integer" in after["reason"]
    assert after["problems"][0]["field"] == "code"
    assert after["spec"] == table["spec"]
    assert [
        item["version"] for item in (await client.get(f"/api/v1/tables/{table['id']}/versions")).json()["items"]
    ] == [1]

    # The migration log: the create, then the change rolled back with its reason, newest first.
    log = (await client.get(f"/api/v1/tables/{table['id']}/migrations")).json()
    assert log["total"] == 2
    refused, create = log["items"]
    assert (refused["action"], refused["status"], refused["to_version"]) == ("alter", "rolled_back", 2)
    assert "cannot change 'code' from text to integer" in refused["reason"]
    assert any(line.startswith("field code: type text → integer") for line in refused["changes"]), refused
    assert (create["action"], create["status"], create["from_version"], create["to_version"]) == (
        "create",
        "applied",
        None,
        1,
    )
    assert create["changes"][0] == "table customers created"
    assert "field name added (string(60), required)" in create["changes"]
    assert create["recorded_at"].endswith(("Z", "+00:00"))
    missing = await client.get("/api/v1/tables/3fa85f64-5717-4562-b3fc-2c963f66afa6/migrations")
    assert missing.status_code == 404


async def test_a_stale_version_is_a_conflict(client: httpx.AsyncClient) -> None:
    table = await created(client)
    new_spec = SPEC | {"description": "v2"}
    first = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": new_spec})
    assert first.status_code == 202
    busy = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": new_spec})
    assert busy.status_code == 409  # still altering, or already at version 2
    await settled(client, table["id"])

    stale = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": SPEC})
    assert stale.status_code == 409
    assert "conflict: the table is at version 2" in stale.json()["message"]


async def test_bad_changes_get_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    table = await created(client)
    bad = copy.deepcopy(SPEC)
    bad["fields"][1]["renamed_from"] = "Not-A-Name"
    response = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": bad})
    assert response.status_code == 422
    assert "spec.fields.1.renamed_from" in response.text
