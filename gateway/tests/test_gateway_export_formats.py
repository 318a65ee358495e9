"""JSON, Parquet and SQL exports through the REST API on the embedded platform: the right content type and
file name, a file its own tools read, the SQL options kept for a retry, and the page offering every format."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from dmb_testing.flow import SHOP_CUSTOMERS, SHOP_ORDERS, finished_export, table_with_rows
from dmb_testing.platform import embedded_client

CUSTOMERS, ORDERS = SHOP_CUSTOMERS, SHOP_ORDERS


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path, export_upload_attempts=1) as http:
        yield http


async def test_json_and_parquet_downloads_carry_their_type_name_and_rows(client: httpx.AsyncClient) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=3)
    as_json = await finished_export(
        client, await client.post(f"/api/v1/tables/{customers}/exports", json={"format": "json"})
    )
    as_parquet = await finished_export(
        client, await client.post(f"/api/v1/tables/{customers}/exports", json={"format": "parquet"})
    )
    json_file = await client.get(as_json["download_url"])
    parquet_file = await client.get(as_parquet["download_url"])

    assert json_file.headers["content-type"].startswith("application/json")
    assert 'filename="customers.json"' in json_file.headers["content-disposition"]
    assert json.loads(json_file.content) == [{"id": n, "city": "Lyon"} for n in (1, 2, 3)]
    assert parquet_file.headers["content-type"] == "application/vnd.apache.parquet"
    assert 'filename="customers.parquet"' in parquet_file.headers["content-disposition"]
    table = pq.read_table(io.BytesIO(parquet_file.content))
    assert table.to_pylist() == [{"id": n, "city": "Lyon"} for n in (1, 2, 3)]
    assert table.schema.metadata[b"dmb.table"] == b"customers"


async def test_a_sql_script_of_two_tables_loads_into_sqlite_parents_first(client: httpx.AsyncClient) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2)
    orders = await table_with_rows(client, ORDERS, rows=3)
    body = {"tables": [orders, customers], "format": "sql", "sql_dialect": "sqlite"}
    done = await finished_export(client, await client.post("/api/v1/exports", json=body))
    script = await client.get(done["download_url"])

    assert done["status"] == "completed", done
    assert (done["sql_dialect"], done["rows"]) == ("sqlite", 5)
    assert script.headers["content-type"].startswith("application/sql")
    assert 'filename="customers-orders.sql"' in script.headers["content-disposition"]
    with sqlite3.connect(":memory:") as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(script.text)
        assert conn.execute("SELECT id, city FROM customers ORDER BY id").fetchall() == [(1, "Lyon"), (2, "Lyon")]
        assert conn.execute("SELECT count(*) FROM orders WHERE customer_id IN (1, 2)").fetchone() == (3,)


async def test_the_retry_of_a_sql_export_keeps_its_dialect(client: httpx.AsyncClient, tmp_path: Path) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=2)
    blocker = tmp_path / "objects" / "exports"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")  # the object store cannot hold exports
    body = {"format": "sql", "sql_dialect": "mysql"}
    failed = await finished_export(client, await client.post(f"/api/v1/tables/{customers}/exports", json=body))
    await asyncio.to_thread(blocker.unlink)  # the store is back

    done = await finished_export(client, await client.post(f"/api/v1/exports/{failed['id']}/retry"))
    script = (await client.get(done["download_url"])).text

    assert failed["status"] == "failed", failed
    assert (failed["sql_dialect"], done["sql_dialect"]) == ("mysql", "mysql")
    assert "MySQL/MariaDB" in script.splitlines()[0]
    assert "CREATE TABLE `customers`" in script or "CREATE TABLE customers" in script


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"format": "csv", "sql_dialect": "mysql"}, "sql_dialect applies to sql exports only, not csv"),
        ({"format": "sql", "sql_dialect": "sqlite", "sql_copy": True}, "postgres dialect only"),
        ({"format": "sql", "sql_dialect": "oracle"}, "postgres"),
    ],
)
async def test_sql_options_that_do_not_fit_are_refused_with_a_reason(
    client: httpx.AsyncClient, body: dict[str, object], message: str
) -> None:
    customers = await table_with_rows(client, CUSTOMERS, rows=1)
    response = await client.post(f"/api/v1/tables/{customers}/exports", json=body)

    assert response.status_code == 422, response.text
    assert message in json.dumps(response.json())


async def test_the_page_offers_every_format_and_the_sql_dialects(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    script = (await client.get("/static/app.js")).text

    for fmt in ("xlsx", "csv", "jsonl", "json", "parquet", "sql"):
        assert f'data-format="{fmt}"' in page
    for dialect in ('value="postgres"', 'value="mysql"', 'value="sqlite"'):
        assert dialect in page
    assert 'body.sql_dialect = $("#sql-dialect").value' in script
