"""One namespace per owner, end to end over the REST API (token mode, embedded platform): two users each
design, fill and export their own `customers` (and `orders` pointing at them); neither learns or blocks the
other's names, and no answer or exported file shows a physical table name."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing import platform
from dmb_testing.flow import exported_rows, wait_for

CUSTOMERS: dict[str, Any] = {
    "table_name": "customers",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "email", "type": "email", "unique": True},
    ],
}
ORDERS: dict[str, Any] = {
    "table_name": "orders",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "customer", "type": "foreign_key", "references": {"table": "customers", "field": "id"}},
    ],
}
PHYSICAL = re.compile(r"t[0-9a-f]{16}_")


class User:
    """One signed-in user's side of the shared client; remembers every answer it got."""

    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client, self.token = client, token
        self.answers: list[str] = []

    def __enter__(self) -> httpx.AsyncClient:
        self.client.headers["Authorization"] = f"Bearer {self.token}"
        self.client.event_hooks["response"] = [self._keep]
        return self.client

    def __exit__(self, *_: object) -> None:
        self.client.headers.pop("Authorization")
        self.client.event_hooks["response"] = []

    async def _keep(self, response: httpx.Response) -> None:
        await response.aread()
        if response.headers.get("content-type", "").startswith(("application/json", "text/")):
            self.answers.append(response.text)


@pytest.fixture
async def users(tmp_path: Path) -> AsyncIterator[tuple[User, User]]:
    database = GatewaySettings(data_dir=tmp_path, _env_file=None).service_database_url("gateway")
    ada, bob = await provision_user(database, "ada@example.com"), await provision_user(database, "bob@example.com")
    async with platform.embedded_client(tmp_path, auth_mode="token") as client:
        yield User(client, ada), User(client, bob)


async def create(client: httpx.AsyncClient, spec: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/tables", json=spec)
    assert response.status_code == 202, response.text
    return await wait_for(client, f"/api/v1/tables/{response.json()['id']}", {"created", "rejected"})


async def fill(client: httpx.AsyncClient, table_id: str, rows: int) -> None:
    response = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": rows, "seed": 7})
    assert response.status_code == 202, response.text
    job = await wait_for(client, f"/api/v1/jobs/{response.json()['id']}", {"completed", "failed"})
    assert job["status"] == "completed", job


async def workbook_text(client: httpx.AsyncClient, table_id: str) -> str:
    requested = await client.post(f"/api/v1/tables/{table_id}/exports", json={"format": "xlsx"})
    export = await wait_for(client, f"/api/v1/exports/{requested.json()['id']}", {"completed", "failed"})
    assert export["status"] == "completed", export
    book = openpyxl.load_workbook(io.BytesIO((await client.get(export["download_url"])).content), read_only=True)
    return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


async def test_two_users_each_have_customers_and_neither_sees_the_other(users: tuple[User, User]) -> None:
    ada, bob = users
    with ada as client:
        adas_customers = await create(client, CUSTOMERS)
        adas_orders = await create(client, ORDERS)
        await fill(client, adas_customers["id"], 20)
        await fill(client, adas_orders["id"], 30)
    with bob as client:
        bobs_customers = await create(client, CUSTOMERS)  # the same name as Ada's: his own table
        await fill(client, bobs_customers["id"], 5)
        twice = await client.post("/api/v1/tables", json=CUSTOMERS)
        bobs = await exported_rows(client, bobs_customers["id"])
        bobs_book = await workbook_text(client, bobs_customers["id"])
        listed = (await client.get("/api/v1/tables")).json()["items"]
    with ada as client:
        adas = await exported_rows(client, adas_customers["id"])
        orders = await exported_rows(client, adas_orders["id"])
        adas_book = await workbook_text(client, adas_orders["id"])

    assert (adas_customers["status"], adas_orders["status"], bobs_customers["status"]) == ("created",) * 3
    assert twice.status_code == 409
    assert twice.json()["message"].startswith("You already have a table named 'customers'")
    assert [table["id"] for table in listed] == [bobs_customers["id"]]
    assert (len(adas), len(bobs)) == (20, 5)
    assert {order["customer"] for order in orders} <= {customer["id"] for customer in adas}
    assert "orders" in adas_book
    assert "customers" in bobs_book
    for text in [*ada.answers, *bob.answers, adas_book, bobs_book]:
        assert not PHYSICAL.search(text), text[:500]


async def test_a_user_cannot_reserve_a_name_for_another(users: tuple[User, User]) -> None:
    ada, bob = users
    with bob as client:  # Bob takes the name first
        first = await create(client, CUSTOMERS)
    with ada as client:
        later = await create(client, CUSTOMERS)

    assert (first["status"], later["status"]) == ("created", "created")
    assert first["id"] != later["id"]
    assert not any(PHYSICAL.search(text) for text in ada.answers + bob.answers)
