"""POST /api/v1/tables/import over the embedded platform: a pasted CREATE TABLE becomes a proposed definition
(with warnings) that creates the table as is, its composite unique constraints and indexes included; anything
else is a 422 that names the problem."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from dmb_testing import platform
from dmb_testing.flow import wait_for

CUSTOMERS = """CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email varchar(254) NOT NULL UNIQUE,
  balance numeric(12, 2) DEFAULT 0,
  tags text[],
  joined date
)"""


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path) as http:
        yield http


async def test_a_statement_becomes_a_spec_with_warnings_that_creates_the_table(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/import", json={"sql": CUSTOMERS, "dialect": "postgres"})
    assert response.status_code == 200, response.text
    proposal = response.json()
    fields = {f["name"]: f for f in proposal["spec"]["fields"]}

    assert proposal["spec"]["table_name"] == "customers"
    assert list(fields) == ["id", "email", "balance", "tags", "joined"]
    assert (fields["id"]["type"], fields["id"]["primary_key"]) == ("big_integer", True)
    assert (fields["email"]["type"], fields["email"]["unique"], fields["email"]["max_length"]) == ("email", True, 254)
    assert (fields["balance"]["precision"], fields["balance"]["scale"]) == (12, 2)
    assert "tags: TEXT[] is not supported; imported as text (stored as text)" in proposal["warnings"]
    # Nothing was saved: the proposal is only a proposal until the user creates it.
    assert (await client.get("/api/v1/tables")).json()["total"] == 0

    created = await client.post("/api/v1/tables", json=proposal["spec"])
    assert created.status_code == 202, created.text
    table = await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert (table["status"], table["table_name"]) == ("created", "customers")


async def test_a_composite_unique_constraint_and_indexes_are_imported_and_enforced_by_the_created_table(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    sql = """CREATE TABLE bookings (
  id bigserial PRIMARY KEY,
  room int NOT NULL,
  night date NOT NULL,
  guest varchar(80),
  CONSTRAINT uq_room_night UNIQUE (room, night)
);
CREATE UNIQUE INDEX ux_guest_night ON bookings (guest, night) WHERE night > '2026-01-01';
CREATE INDEX ix_night ON bookings (night);"""
    response = await client.post("/api/v1/tables/import", json={"sql": sql, "dialect": "postgres"})
    assert response.status_code == 200, response.text
    proposal = response.json()

    assert proposal["spec"]["indexes"] == [
        {"name": "uq_room_night", "fields": ["room", "night"], "unique": True},
        {"name": "ix_night", "fields": ["night"], "unique": False},
    ]
    assert proposal["warnings"] == [
        "the unique index ux_guest_night on (guest, night) was not imported "
        "(it is unique only among the rows WHERE night > '2026-01-01')"
    ]

    created = await client.post("/api/v1/tables", json=proposal["spec"])
    assert created.status_code == 202, created.text
    table = await wait_for(client, f"/api/v1/tables/{created.json()['id']}", {"created", "rejected"})
    assert table["status"] == "created", table

    # The users' table really has the rule: a second booking of the same room on the same night is refused.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'datasets.db'}")
    insert = sa.text("INSERT INTO bookings (id, room, night, guest) VALUES (:id, :room, :night, 'x')")
    try:
        with engine.begin() as conn:
            assert {"uq_room_night", "ix_night"} <= {i["name"] for i in sa.inspect(conn).get_indexes("bookings")}
            conn.execute(insert, {"id": 1, "room": 7, "night": "2026-12-01"})
            conn.execute(insert, {"id": 2, "room": 7, "night": "2026-12-02"})
            conn.execute(insert, {"id": 3, "room": 8, "night": "2026-12-01"})
        refused = pytest.raises(
            sa.exc.IntegrityError, match=r"UNIQUE constraint failed: bookings\.room, bookings\.night"
        )
        with refused, engine.begin() as conn:
            conn.execute(insert, {"id": 4, "room": 7, "night": "2026-12-01"})
    finally:
        engine.dispose()


async def test_a_mysql_statement_is_read_in_its_dialect(client: httpx.AsyncClient) -> None:
    sql = "CREATE TABLE `items` (`id` int NOT NULL AUTO_INCREMENT, `kind` varchar(10) NOT NULL, PRIMARY KEY (`id`))"
    response = await client.post("/api/v1/tables/import", json={"sql": sql, "dialect": "mysql"})

    assert response.status_code == 200, response.text
    fields = response.json()["spec"]["fields"]
    assert [(f["name"], f["type"], f["primary_key"]) for f in fields] == [
        ("id", "integer", True),
        ("kind", "string", False),
    ]


async def test_sql_that_does_not_parse_is_refused_with_where_it_broke(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/import", json={"sql": "CREATE TABLE (", "dialect": "postgres"})

    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("the SQL could not be parsed as postgres:")
    assert "line 1" in body["message"]
    assert body["errors"][0]["location"] == "sql"


async def test_a_statement_that_is_not_create_table_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/import", json={"sql": "SELECT 1"})

    assert response.status_code == 422
    assert response.json()["message"] == "expected a CREATE TABLE statement, found SELECT"


async def test_names_that_break_the_rules_are_renamed_each_with_a_warning(client: httpx.AsyncClient) -> None:
    sql = "CREATE TABLE `Order` (`First Name` int, `select` int)"
    response = await client.post("/api/v1/tables/import", json={"sql": sql, "dialect": "mysql"})

    assert response.status_code == 200
    spec = response.json()["tables"][0]["spec"]
    assert spec["table_name"] == "order_value"
    assert [field["name"] for field in spec["fields"]] == ["first_name", "select_value"]
    warnings = response.json()["tables"][0]["warnings"]
    assert any(
        "the table name 'order' is" in warning and "imported as 'order_value'" in warning for warning in warnings
    )
    assert any(warning.startswith("select: ") and "is a reserved SQL word" in warning for warning in warnings)


async def test_an_unknown_dialect_is_refused_by_the_request_schema(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/import", json={"sql": CUSTOMERS, "dialect": "oracle"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "dialect"
