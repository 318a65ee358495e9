"""POST /api/v1/tables/import/database: an admin points the server at an existing table of a real
PostgreSQL, MariaDB or (in the data folder) SQLite database and gets its definition for review. The server
connects to a user-given URL, so the request is guarded: admins only, database schemes only, no SQLite file
outside the data folder, time-outs, and the URL's password never comes back in an answer."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing import platform
from dmb_testing.seaweed import free_ports
from dmb_testing.servers import execute

ENDPOINT = "/api/v1/tables/import/database"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The embedded platform in local mode, whose single user is an admin."""
    async with platform.embedded_client(tmp_path) as http:
        yield http


async def test_an_existing_postgres_table_is_proposed_for_review(client: httpx.AsyncClient, postgres_url: str) -> None:
    execute(
        postgres_url,
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.orders (id bigserial PRIMARY KEY, code varchar(20) NOT NULL UNIQUE, paid boolean)",
        "CREATE UNIQUE INDEX ux_paid_code ON shop.orders (paid, code)",
        "COMMENT ON TABLE shop.orders IS 'All orders'",
    )
    # A plain postgresql:// URL, as a user would paste it: the server picks its own driver.
    plain = sa.make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)

    response = await client.post(ENDPOINT, json={"url": plain, "table": "orders", "schema": "shop"})

    assert response.status_code == 200, response.text
    spec = response.json()["spec"]
    assert (spec["table_name"], spec["description"]) == ("orders", "All orders")
    assert [(f["name"], f["type"]) for f in spec["fields"]] == [
        ("id", "big_integer"),
        ("code", "string"),
        ("paid", "boolean"),
    ]
    assert spec["indexes"] == [{"name": "ux_paid_code", "fields": ["paid", "code"], "unique": True}]
    assert (await client.get("/api/v1/tables")).json()["total"] == 0  # nothing saved


async def test_an_existing_mariadb_table_is_proposed_and_a_missing_one_is_named(
    client: httpx.AsyncClient, mariadb_url: str
) -> None:
    execute(mariadb_url, "CREATE TABLE items (id int PRIMARY KEY AUTO_INCREMENT, kind enum('a', 'b') NOT NULL)")

    found = await client.post(ENDPOINT, json={"url": mariadb_url, "table": "items"})
    missing = await client.post(ENDPOINT, json={"url": mariadb_url, "table": "nothing_here"})

    assert found.status_code == 200, found.text
    kind = found.json()["spec"]["fields"][1]
    assert (kind["name"], kind["nullable"]) == ("kind", False)
    assert missing.status_code == 422
    assert missing.json()["message"] == "there is no table 'nothing_here' in that database"
    assert missing.json()["errors"] == [{"location": "table", "message": missing.json()["message"]}]


async def test_a_wrong_password_is_a_502_that_does_not_repeat_it(client: httpx.AsyncClient, mariadb_url: str) -> None:
    with_password = sa.make_url(mariadb_url).set(password="hunter2-secret").render_as_string(hide_password=False)

    response = await client.post(ENDPOINT, json={"url": with_password, "table": "items"})

    assert response.status_code == 502
    assert "Access denied" in response.json()["message"]
    assert "could not read from mysql+pymysql://root:***@127.0.0.1" in response.json()["message"]
    assert "hunter2" not in response.text


async def test_a_server_that_never_answers_times_out_in_seconds(client: httpx.AsyncClient) -> None:
    (port,) = free_ports(1)
    with socket.create_server(("127.0.0.1", port)) as silent:  # accepts connections, never says a word
        silent.listen()
        started = time.monotonic()
        url = f"postgresql://reader:s3cret-pw@127.0.0.1:{port}/shop"
        response = await client.post(ENDPOINT, json={"url": url, "table": "orders"})
        elapsed = time.monotonic() - started

    assert response.status_code == 502
    message = response.json()["message"]
    assert message.startswith(f"could not read from postgresql+psycopg://reader:***@127.0.0.1:{port}/shop: ")
    assert "timeout" in message
    assert "s3cret-pw" not in response.text
    assert elapsed < 15


async def test_a_closed_port_is_a_502_naming_the_refusal(client: httpx.AsyncClient) -> None:
    (port,) = free_ports(1)
    response = await client.post(ENDPOINT, json={"url": f"mysql://root@127.0.0.1:{port}/shop", "table": "orders"})

    assert response.status_code == 502
    assert "Can't connect" in response.json()["message"]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.com/shop", "https:// is not a database we import from"),
        ("not a url at all", "not a database URL"),
        ("postgresql://me@/shop", "the URL names no host"),
        ("postgresql://me@db.example.com/shop?host=/var/run/postgresql", "host are not allowed"),
        ("sqlite:////etc/passwd", "SQLite files can be read only from the platform's data folder"),
        ("sqlite://", "must name a database file"),
    ],
)
async def test_urls_the_server_must_not_open_are_refused(client: httpx.AsyncClient, url: str, problem: str) -> None:
    response = await client.post(ENDPOINT, json={"url": url, "table": "orders"})

    assert response.status_code == 422
    assert problem in response.json()["message"]


async def test_a_sqlite_file_in_the_data_folder_is_read_without_being_changed(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    database = tmp_path / "imports" / "legacy.db"
    database.parent.mkdir()
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, full_name VARCHAR(80) NOT NULL)")
    before = database.read_bytes()

    found = await client.post(ENDPOINT, json={"url": f"sqlite:///{database}", "table": "people"})
    absent = await client.post(ENDPOINT, json={"url": f"sqlite:///{tmp_path / 'absent.db'}", "table": "people"})

    assert found.status_code == 200, found.text
    assert [f["name"] for f in found.json()["spec"]["fields"]] == ["id", "full_name"]
    assert database.read_bytes() == before
    assert absent.status_code == 422
    assert "there is no SQLite file absent.db in the data folder" in absent.json()["message"]
    assert not (tmp_path / "absent.db").exists()


async def test_only_an_admin_may_make_the_server_connect(tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path, _env_file=None)
    database = settings.service_database_url("gateway")
    user_token = await provision_user(database, "user@example.com")
    admin_token = await provision_user(database, "admin@example.com", is_admin=True)
    url = f"sqlite:///{tmp_path / 'absent.db'}"

    async with platform.embedded_client(tmp_path, auth_mode="token") as client:
        as_user = await client.post(
            ENDPOINT, json={"url": url, "table": "t"}, headers={"Authorization": f"Bearer {user_token}"}
        )
        as_admin = await client.post(
            ENDPOINT, json={"url": url, "table": "t"}, headers={"Authorization": f"Bearer {admin_token}"}
        )

    assert as_user.status_code == 403
    assert as_user.json()["message"] == "Only an admin can import from a database URL"
    assert as_admin.status_code == 422  # past the guard: the file does not exist
