"""The export read model on the embedded platform: a multi-table export appears in every one of its tables'
history, and a retry asks for exactly what the failed export was asked for (all its tables, the CSV BOM)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.flow import wait_for
from dmb_testing.platform import embedded_client
from openpyxl import load_workbook

CUSTOMERS: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "city", "type": "string", "max_length": 40, "generator": {"kind": "choices", "values": ["Lyon"]}},
    ],
}
ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 100}},
        {"name": "customer_id", "type": "foreign_key", "references": {"table": "customers", "field": "id"}},
    ],
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path, export_upload_attempts=1) as http:
        yield http


@pytest.fixture
def store_down(tmp_path: Path) -> Path:
    """The local object folder cannot hold exports while a file sits where its folder belongs."""
    blocker = tmp_path / "objects" / "exports"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")
    return blocker


async def table_with_rows(client: httpx.AsyncClient, spec: dict[str, Any], rows: int) -> str:
    created = await client.post("/api/v1/tables", json=spec)
    assert created.status_code == 202, created.text
    table = await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": rows, "seed": 5})
    job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})
    assert job["status"] == "completed", job
    return str(table["id"])


async def finished(client: httpx.AsyncClient, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    return await wait_for(client, f"/api/v1/exports/{response.json()['id']}", {"completed", "failed"})


async def test_a_multi_table_export_is_in_the_history_of_each_of_its_tables(client: httpx.AsyncClient) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2)
    orders = await table_with_rows(client, ORDERS, rows=3)
    both = await finished(client, await client.post("/api/v1/exports", json={"tables": [orders, customers]}))
    alone = await finished(client, await client.post(f"/api/v1/tables/{orders}/exports", json={"format": "jsonl"}))

    of_customers = (await client.get(f"/api/v1/tables/{customers}/exports")).json()
    of_orders = (await client.get(f"/api/v1/tables/{orders}/exports")).json()
    filtered = (await client.get("/api/v1/exports", params={"table_id": orders})).json()

    assert both["status"] == "completed", both
    assert both["table_ids"] == [customers, orders]  # parents first
    assert alone["table_ids"] == [orders]
    assert [item["id"] for item in of_customers["items"]] == [both["id"]]
    assert [item["id"] for item in of_orders["items"]] == [alone["id"], both["id"]]
    assert of_orders["total"] == 2
    assert [item["id"] for item in filtered["items"]] == [alone["id"], both["id"]]


async def test_the_retry_of_a_multi_table_export_exports_every_table_again(
    client: httpx.AsyncClient, store_down: Path
) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2)
    orders = await table_with_rows(client, ORDERS, rows=3)
    failed = await finished(client, await client.post("/api/v1/exports", json={"tables": [orders, customers]}))
    await asyncio.to_thread(store_down.unlink)  # the store is back

    done = await finished(client, await client.post(f"/api/v1/exports/{failed['id']}/retry"))
    workbook = load_workbook(io.BytesIO((await client.get(done["download_url"])).content), read_only=True)
    of_orders = (await client.get(f"/api/v1/tables/{orders}/exports")).json()

    assert failed["status"] == "failed", failed
    assert done["status"] == "completed", done
    assert done["table_ids"] == failed["table_ids"] == [customers, orders]
    assert done["rows"] == 5
    assert workbook.sheetnames == ["customers", "orders", "About"]
    assert [item["id"] for item in of_orders["items"]] == [done["id"], failed["id"]]


async def test_the_retry_of_a_csv_export_keeps_its_byte_order_mark(client: httpx.AsyncClient, store_down: Path) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2)
    body = {"format": "csv", "csv_excel_bom": True}
    failed = await finished(client, await client.post(f"/api/v1/tables/{customers}/exports", json=body))
    await asyncio.to_thread(store_down.unlink)  # the store is back

    done = await finished(client, await client.post(f"/api/v1/exports/{failed['id']}/retry"))
    content = (await client.get(done["download_url"])).content

    assert failed["status"] == "failed", failed
    assert (failed["csv_excel_bom"], done["csv_excel_bom"]) == (True, True)
    assert content == b"\xef\xbb\xbfid,city\r\n1,Lyon\r\n2,Lyon\r\n"


async def test_the_export_schema_names_every_status(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()["components"]["schemas"]["ExportPublic"]

    assert schema["properties"]["status"]["description"].startswith("pending, running, completed, failed or expired.")


async def test_the_page_offers_restore_multi_table_export_and_foreign_key_references(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    script = (await client.get("/static/app.js")).text

    assert page.status_code == 200
    for element in ('id="export-selected"', 'class="form-select f-ref-table"', 'class="form-select f-ref-field"'):
        assert element in page.text
    assert "<option>set null</option>" in page.text
    assert "/versions/${restore}/restore`" in script
    assert 'api("POST", "/exports", {tables, format: "xlsx"})' in script
    assert 'e.status === "completed" ? "Note: " : ""' in script
