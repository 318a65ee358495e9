"""Several tables in one workbook, end to end on the embedded platform: POST /api/v1/exports with a list of
tables gives one xlsx with a sheet per table, parents before the tables that reference them, and an About
sheet describing each; read back with openpyxl and python-calamine."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
from dmb_testing.flow import wait_for
from dmb_testing.platform import embedded_client
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

CUSTOMERS = {
    "table_name": "customers",
    "display_name": "Customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "city", "type": "string", "max_length": 40, "generator": {"kind": "choices", "values": ["Lyon"]}},
    ],
}
ORDERS = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 100}},
        {"name": "customer_id", "type": "foreign_key", "references": {"table": "customers", "field": "id"}},
        {"name": "total", "type": "decimal", "precision": 8, "scale": 2, "min": 1, "max": 1},
    ],
}
NOTES = {
    "table_name": "notes",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence", "start": 1}},
        {"name": "note_text", "type": "string", "max_length": 20, "generator": {"kind": "constant", "value": "=1+1"}},
    ],
}


async def make_table_with_rows(client: httpx.AsyncClient, spec: dict[str, Any], rows: int) -> str:
    created = await client.post("/api/v1/tables", json=spec)
    assert created.status_code == 202, created.text
    table = await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table
    started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": rows, "seed": 3})
    assert started.status_code == 202, started.text
    job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})
    assert job["status"] == "completed", job
    return str(table["id"])


def sheet_rows(content: bytes, title: str) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


async def test_several_tables_go_into_one_workbook_parents_first_with_an_about_part_for_each(tmp_path: Path) -> None:
    async with embedded_client(tmp_path) as client:
        customers = await make_table_with_rows(client, CUSTOMERS, rows=3)
        orders = await make_table_with_rows(client, ORDERS, rows=5)
        notes = await make_table_with_rows(client, NOTES, rows=2)

        # notes references nothing, so it goes first; orders waits for customers, listed after it.
        requested = await client.post("/api/v1/exports", json={"tables": [orders, notes, customers]})
        assert requested.status_code == 202, requested.text
        done = await wait_for(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"})
        download = await client.get(done["download_url"])
        history = (await client.get(f"/api/v1/tables/{customers}/exports")).json()

    assert done["status"] == "completed", done
    assert (done["format"], done["rows"], done["table_id"]) == ("xlsx", 10, notes)
    assert download.headers["content-disposition"] == 'attachment; filename="notes-customers-orders.xlsx"'
    content = download.content
    assert load_workbook(io.BytesIO(content), read_only=True).sheetnames == ["notes", "customers", "orders", "About"]
    assert sheet_rows(content, "customers") == [("id", "city"), (1, "Lyon"), (2, "Lyon"), (3, "Lyon")]
    orders_rows = sheet_rows(content, "orders")
    assert orders_rows[0] == ("id", "customer_id", "total")
    assert [row[0] for row in orders_rows[1:]] == [100, 101, 102, 103, 104]
    assert {row[1] for row in orders_rows[1:]} <= {1, 2, 3}  # typed keys of the customers sheet
    assert [row[2] for row in orders_rows[1:]] == [1] * 5
    assert sheet_rows(content, "notes") == [("id", "note_text"), (1, "=1+1"), (2, "=1+1")]  # text, not formulas

    calamine = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert calamine.sheet_names == ["notes", "customers", "orders", "About"]
    assert calamine.get_sheet_by_name("notes").to_python()[1:] == [[1.0, "=1+1"], [2.0, "=1+1"]]

    about = sheet_rows(content, "About")
    assert about[0][0] == "3 tables"
    assert about[2:5] == [("notes", 2, "notes"), ("Customers", 3, "customers"), ("orders", 5, "orders")]
    tables = [row[1] for row in about if row and row[0] == "Table"]
    assert tables == ["notes", "customers", "orders"]
    exported = [row[1] for row in about if row and row[0] == "Rows exported"]
    assert exported == [2, 3, 5]
    assert ("customer_id", "foreign_key") in [row[:2] for row in about]
    assert [item["id"] for item in history["items"]] == [done["id"]]


async def test_a_multi_table_export_is_refused_clearly_when_it_cannot_be_made(tmp_path: Path) -> None:
    async with embedded_client(tmp_path) as client:
        customers = await make_table_with_rows(client, CUSTOMERS, rows=1)
        as_csv = await client.post("/api/v1/exports", json={"tables": [customers, str(uuid.uuid4())], "format": "csv"})
        twice = await client.post("/api/v1/exports", json={"tables": [customers, customers]})
        none = await client.post("/api/v1/exports", json={"tables": []})
        unknown = uuid.uuid4()
        missing = await client.post("/api/v1/exports", json={"tables": [customers, str(unknown)]})
        one_csv = await client.post("/api/v1/exports", json={"tables": [customers], "format": "csv"})
        single = await wait_for(client, f"/api/v1/exports/{one_csv.json()['id']}", {"completed", "failed"})
        content = (await client.get(single["download_url"])).content
        pending = (await client.get("/api/v1/exports")).json()["total"]

    assert as_csv.status_code == 422
    assert "several tables go into one xlsx workbook or sql script; csv holds one table" in as_csv.text
    assert twice.status_code == 422
    assert "a table appears twice" in twice.text
    assert none.status_code == 422
    assert missing.status_code == 404
    assert missing.json()["message"] == f"No table with id {unknown}"
    assert content == b"id,city\r\n1,Lyon\r\n"
    assert pending == 1  # only the export that was accepted is in the history
