"""The builder's REST helpers on the embedded platform: the values catalogue, the preview (the first rows a job
with that seed writes, made by the generator over the bus) and the data browser (paged, sorted, filtered)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.flow import create_table, wait_for
from dmb_testing.platform import embedded_client

CUSTOMERS: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "first_name", "type": "string", "max_length": 60},
        {"name": "last_name", "type": "string", "max_length": 60},
        {"name": "email", "type": "email", "unique": True},
        {"name": "status", "type": "string", "max_length": 10, "choices": ["active", "closed"]},
        {"name": "joined", "type": "date", "generator": {"kind": "range", "min": "2020-01-01", "max": "2024-12-31"}},
        {"name": "balance", "type": "decimal", "precision": 10, "scale": 2, "nullable": True, "null_percentage": 20},
    ],
}
ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "customer_id", "type": "foreign_key", "references": {"table": "customers", "field": "id"}},
        {"name": "total", "type": "decimal", "precision": 10, "scale": 2},
    ],
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


async def test_catalogue_groups_every_provider_with_an_example(client: httpx.AsyncClient) -> None:
    catalogue = (await client.get("/api/v1/generators/catalogue")).json()
    assert catalogue["groups"][:4] == ["Custom", "Person", "Address", "Internet"]
    by_provider = {entry["provider"]: entry for entry in catalogue["entries"] if entry["kind"] == "faker"}
    assert by_provider["first_name"]["group"] == "Person"
    assert by_provider["city"]["group"] == "Address"
    assert by_provider["iban"]["group"] == "Finance"
    assert all(entry["example"] for entry in by_provider.values())
    assert {"choices", "range", "regex", "sequence", "template", "reference", "ai"} <= {
        entry["kind"] for entry in catalogue["entries"]
    }


async def test_preview_rows_are_the_first_rows_a_job_with_that_seed_writes(client: httpx.AsyncClient) -> None:
    preview = await client.post("/api/v1/tables/preview", json={"spec": CUSTOMERS, "seed": 7})
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["problem"] is None
    assert shown["columns"] == [field["name"] for field in CUSTOMERS["fields"]]
    assert len(shown["rows"]) == 10

    table = await create_table(client, CUSTOMERS)
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 300, "seed": 7})
    await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed"})
    page = (await client.get(f"/api/v1/tables/{table['id']}/rows", params={"limit": 10})).json()
    assert page["total"] == 300
    assert page["rows"] == shown["rows"]


async def test_preview_of_a_child_draws_keys_from_its_parent_or_says_what_is_missing(
    client: httpx.AsyncClient,
) -> None:
    table = await create_table(client, CUSTOMERS)
    empty = (await client.post("/api/v1/tables/preview", json={"spec": ORDERS})).json()
    assert "customers" in empty["problem"]
    assert "generate its rows first" in empty["problem"]

    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 5, "seed": 1})
    await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed"})
    filled = (await client.post("/api/v1/tables/preview", json={"spec": ORDERS})).json()
    assert filled["problem"] is None
    assert {row[1] for row in filled["rows"]} <= {"1", "2", "3", "4", "5"}


async def test_preview_refuses_a_reference_to_an_unknown_table_at_the_field(client: httpx.AsyncClient) -> None:
    refused = await client.post("/api/v1/tables/preview", json={"spec": ORDERS})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "location": "spec.fields.1.references",
            "message": "there is no table 'customers' to reference (create it first; it must be one of yours)",
        }
    ]


async def test_rows_page_sorts_and_filters_per_column(client: httpx.AsyncClient) -> None:
    table = await create_table(client, CUSTOMERS)
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 40, "seed": 3})
    await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed"})
    path = f"/api/v1/tables/{table['id']}/rows"

    newest = (await client.get(path, params={"sort": "id", "order": "desc", "limit": 5, "offset": 5})).json()
    assert [row[0] for row in newest["rows"]] == ["35", "34", "33", "32", "31"]
    assert newest["columns"][5] == {"name": "joined", "type": "date"}

    active = (await client.get(path, params={"filter.status": "ACT", "limit": 100})).json()
    assert 0 < active["total"] < 40
    assert {row[4] for row in active["rows"]} == {"active"}

    unknown = await client.get(path, params={"filter.nope": "x"})
    assert unknown.status_code == 422
    assert "'nope' is not a field" in unknown.json()["message"]


async def test_every_starter_previews_and_creates(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/starters")
    assert response.status_code == 200, response.text
    starters = response.json()
    assert [item["key"] for item in starters] == ["people", "customers_orders", "products", "transactions", "employees"]
    for item in starters:
        for entry in item["tables"]:
            table = await create_table(client, entry["spec"])
            preview = (await client.post("/api/v1/tables/preview", json={"spec": entry["spec"]})).json()
            if entry["spec"]["table_name"] == "orders":
                assert "generate its rows first" in preview["problem"]
            else:
                assert preview["problem"] is None, (table["table_name"], preview["problem"])
