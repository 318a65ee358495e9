"""Tables over the REST API on the embedded platform: composite keys and indexes end to end, hostile names
refused before anything reaches the database, restoring an earlier version, and an owner with many tables."""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dmb_common.namespaces import hide_physical_names
from dmb_testing import platform
from dmb_testing.flow import wait_for

ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "shop", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "number", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 100}},
        {"name": "customer", "type": "string", "max_length": 60, "generator": {"kind": "faker", "provider": "name"}},
        {"name": "code", "type": "string", "max_length": 20, "generator": {"kind": "sequence"}},
    ],
    "indexes": [
        {"fields": ["customer", "code"], "unique": True},
        {"name": "orders_by_customer", "fields": ["customer"]},
    ],
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path) as http:
        yield http


def datasets_tables(tmp_path: Path) -> dict[str, list[str]]:
    """Every table in the embedded datasets database, with its index names."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            # As their owner names them: the physical names carry the owner's namespace prefix.
            return {
                hide_physical_names(name): sorted(
                    hide_physical_names(index["name"]) for index in inspector.get_indexes(name)
                )
                for name in inspector.get_table_names()
                if not name.startswith("dmb_")
            }
    finally:
        engine.dispose()


async def create(client: httpx.AsyncClient, spec: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/tables", json=spec)
    assert response.status_code == 202, response.text
    table = await wait_for(client, f"/api/v1/tables/{response.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    return table


async def settled(client: httpx.AsyncClient, table_id: str) -> dict[str, Any]:
    return await wait_for(client, f"/api/v1/tables/{table_id}", {"created", "rejected", "dropped"})


async def test_a_composite_key_and_indexes_are_created_and_the_rows_fill_them(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    table = await create(client, ORDERS)

    assert [(i["name"], i["fields"], i["unique"]) for i in table["spec"]["indexes"]] == [
        ("uq_orders_customer_code", ["customer", "code"], True),
        ("orders_by_customer", ["customer"], False),
    ]
    assert set(datasets_tables(tmp_path)["orders"]) >= {"uq_orders_customer_code", "orders_by_customer"}
    job = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 50, "seed": 3})
    assert job.status_code == 202, job.text
    done = await wait_for(client, f"/api/v1/jobs/{job.json()['id']}", {"completed", "failed"})
    assert (done["status"], done["rows_done"]) == ("completed", 50), done


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"table_name": "orders; drop table users"}, "not a valid name"),
        ({"table_name": "rank"}, "reserved SQL word (in MySQL/MariaDB)"),
        ({"table_name": "a" * 10_000}, "at most 63 characters"),
        ({"fields": [{"name": 'x"y', "type": "integer"}]}, "not a valid name"),
        ({"fields": [{"name": "naïve", "type": "integer"}]}, "not a valid name"),
        ({"indexes": [{"name": "ix'); --", "fields": ["customer"]}]}, "not a valid name"),
        ({"indexes": [{"name": "select", "fields": ["customer"]}]}, "reserved SQL word"),
        ({"indexes": [{"fields": ["customer; drop table x"]}]}, "is not a field of the table"),
    ],
)
async def test_hostile_names_get_a_422_and_nothing_reaches_the_database(
    client: httpx.AsyncClient, tmp_path: Path, change: dict[str, Any], words: str
) -> None:
    spec = copy.deepcopy(ORDERS) | change

    response = await client.post("/api/v1/tables", json=spec)

    assert response.status_code == 422, response.text
    assert words in response.text
    assert (await client.get("/api/v1/tables")).json()["total"] == 0
    assert datasets_tables(tmp_path) == {}


async def test_restore_brings_back_an_earlier_version_as_a_new_one(client: httpx.AsyncClient, tmp_path: Path) -> None:
    table = await create(client, ORDERS)
    job = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 10, "seed": 1})
    await wait_for(client, f"/api/v1/jobs/{job.json()['id']}", {"completed", "failed"})
    changed = copy.deepcopy(ORDERS)
    changed["fields"][2] = {"name": "client", "renamed_from": "customer", "type": "string", "max_length": 60}
    changed["indexes"] = [{"name": "uq_orders_customer_code", "fields": ["client", "code"], "unique": True}]
    response = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": changed})
    assert response.status_code == 202, response.text
    assert (await settled(client, table["id"]))["version"] == 2

    response = await client.post(f"/api/v1/tables/{table['id']}/versions/1/restore", json={"expected_version": 2})

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "altering"
    after = await settled(client, table["id"])
    assert (after["status"], after["version"], after["reason"]) == ("created", 3, None)
    assert after["spec"] == table["spec"]
    history = (await client.get(f"/api/v1/tables/{table['id']}/versions")).json()["items"]
    assert [item["version"] for item in history] == [1, 2, 3]
    assert history[2]["changes"][0] == "restored version 1"
    assert "index orders_by_customer added (customer)" in history[2]["changes"]
    assert set(datasets_tables(tmp_path)["orders"]) >= {"uq_orders_customer_code", "orders_by_customer"}
    export = await client.post(f"/api/v1/tables/{table['id']}/exports", json={"format": "jsonl"})
    exported = await wait_for(client, f"/api/v1/exports/{export.json()['id']}", {"completed", "failed"})
    lines = (await client.get(exported["download_url"])).text.splitlines()
    assert len(lines) == 10
    assert '"customer"' in lines[0]


async def test_restore_requests_that_cannot_work_are_refused_at_once(client: httpx.AsyncClient) -> None:
    table = await create(client, ORDERS)
    response = await client.put(
        f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": ORDERS | {"description": "v2"}}
    )
    assert response.status_code == 202
    await settled(client, table["id"])
    base = f"/api/v1/tables/{table['id']}/versions"

    current = await client.post(f"{base}/2/restore", json={"expected_version": 2})
    missing = await client.post(f"{base}/9/restore", json={"expected_version": 2})
    stale = await client.post(f"{base}/1/restore", json={"expected_version": 1})
    malformed = await client.post(f"{base}/1/restore", json={"expected_version": 0})

    assert current.status_code == 422
    assert "is the current version" in current.json()["message"]
    assert missing.status_code == 404
    assert stale.status_code == 409
    assert "conflict: the table is at version 2" in stale.json()["message"]
    assert malformed.status_code == 422
    assert (await client.get(f"/api/v1/tables/{table['id']}")).json()["version"] == 2


async def test_an_owner_with_150_tables_gets_them_in_pages(client: httpx.AsyncClient) -> None:
    started = time.perf_counter()
    ids: list[str] = []
    for number in range(150):
        spec = {"table_name": f"table_{number:03d}", "fields": [{"name": "id", "type": "integer", "primary_key": True}]}
        response = await client.post("/api/v1/tables", json=spec)
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    for table_id in ids:
        assert (await wait_for(client, f"/api/v1/tables/{table_id}", {"created", "rejected"}))["status"] == "created"
    created = time.perf_counter() - started

    listed = time.perf_counter()
    pages = [
        (await client.get("/api/v1/tables", params={"offset": offset, "limit": 50})).json()
        for offset in (0, 50, 100, 150)
    ]
    listing = time.perf_counter() - listed

    assert [page["total"] for page in pages] == [150] * 4
    assert [len(page["items"]) for page in pages] == [50, 50, 50, 0]
    names = [item["table_name"] for page in pages for item in page["items"]]
    assert sorted(names) == [f"table_{number:03d}" for number in range(150)]
    default = (await client.get("/api/v1/tables")).json()
    assert (default["limit"], len(default["items"])) == (50, 50)
    print(f"150 tables created in {created:.1f}s; 4 pages listed in {listing * 1000:.0f} ms")
