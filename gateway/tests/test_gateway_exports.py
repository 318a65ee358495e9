"""The export read model on the embedded platform: a multi-table export appears in every one of its tables'
history, and a retry asks for exactly what the failed export was asked for (all its tables, the CSV BOM)."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dmb_testing.flow import SHOP_CUSTOMERS, SHOP_ORDERS, finished_export, table_with_rows
from dmb_testing.platform import embedded_client
from openpyxl import load_workbook

CUSTOMERS, ORDERS = SHOP_CUSTOMERS, SHOP_ORDERS


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


async def test_a_multi_table_export_is_in_the_history_of_each_of_its_tables(client: httpx.AsyncClient) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2)
    orders = await table_with_rows(client, ORDERS, rows=3)
    both = await finished_export(client, await client.post("/api/v1/exports", json={"tables": [orders, customers]}))
    alone = await finished_export(
        client, await client.post(f"/api/v1/tables/{orders}/exports", json={"format": "jsonl"})
    )

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


async def test_a_multi_table_workbook_tells_each_tables_seed_locale_and_generator_in_plain_units(
    client: httpx.AsyncClient,
) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2, seed=11)
    orders = await table_with_rows(client, ORDERS, rows=3, seed=22)
    both = await finished_export(client, await client.post("/api/v1/exports", json={"tables": [orders, customers]}))
    workbook = load_workbook(io.BytesIO((await client.get(both["download_url"])).content), read_only=True)
    rows = [row for row in workbook["About"].iter_rows(values_only=True) if row and row[0] is not None]
    # The About sheet: a summary, then each table's part, which starts with its Table row.
    parts: list[dict[str, object]] = []
    for row in rows:
        if row[0] == "Table":
            parts.append({})
        if parts and len(row) > 1:
            parts[-1].setdefault(str(row[0]), row[1])

    assert both["status"] == "completed", both
    assert [part["Table"] for part in parts] == ["customers", "orders"]
    assert [part["Seed"] for part in parts] == ["11", "22"]
    assert {part["Locale"] for part in parts} == {"en_US"}
    assert all(str(part["Generator version"]).count(".") == 2 for part in parts), parts
    for part in parts:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", str(part["Created at"])), part
        assert re.fullmatch(r"\d+ ms|\d+\.\d s|\d+ min \d+ s", str(part["Time: export"])), part
    assert re.fullmatch(r"\d+ ms|\d+\.\d s|\d+ min \d+ s", str(parts[0]["Time: generation"])), parts[0]


async def test_the_retry_of_a_multi_table_export_exports_every_table_again(
    client: httpx.AsyncClient, store_down: Path
) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2)
    orders = await table_with_rows(client, ORDERS, rows=3)
    failed = await finished_export(client, await client.post("/api/v1/exports", json={"tables": [orders, customers]}))
    await asyncio.to_thread(store_down.unlink)  # the store is back

    done = await finished_export(client, await client.post(f"/api/v1/exports/{failed['id']}/retry"))
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
    failed = await finished_export(client, await client.post(f"/api/v1/tables/{customers}/exports", json=body))
    await asyncio.to_thread(store_down.unlink)  # the store is back

    done = await finished_export(client, await client.post(f"/api/v1/exports/{failed['id']}/retry"))
    content = (await client.get(done["download_url"])).content

    assert failed["status"] == "failed", failed
    assert (failed["csv_excel_bom"], done["csv_excel_bom"]) == (True, True)
    assert content == b"\xef\xbb\xbfid,city\r\n1,Lyon\r\n2,Lyon\r\n"


async def test_the_export_schema_names_every_status(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()["components"]["schemas"]["ExportPublic"]

    assert schema["properties"]["status"]["description"].startswith("pending, running, completed, failed or expired.")
