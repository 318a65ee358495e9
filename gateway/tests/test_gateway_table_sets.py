"""POST /api/v1/tables/sets: several tables in one action, all or none, refused up front where it can be."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing import platform
from dmb_testing.flow import create_table, wait_for

KEY = {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}}
GENRE = {"table_name": "genre", "fields": [KEY, {"name": "name", "type": "string"}]}


def track(parent: str = "genre") -> dict[str, Any]:
    reference = {"name": "genre_id", "type": "foreign_key", "references": {"table": parent, "field": "id"}}
    return {"table_name": "track", "fields": [KEY, reference]}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.embedded_client(tmp_path) as http:
        yield http


async def test_a_set_is_listed_parents_first_and_created_whole(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/sets", json={"tables": [track(), GENRE]})

    assert response.status_code == 202, response.text
    tables = response.json()["tables"]
    assert [table["table_name"] for table in tables] == ["genre", "track"]
    done = [await wait_for(client, f"/api/v1/tables/{t['id']}", {"created", "rejected"}) for t in tables]
    assert [table["status"] for table in done] == ["created", "created"]


async def test_a_set_naming_a_table_twice_is_refused_with_the_name(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/sets", json={"tables": [GENRE, GENRE]})

    assert response.status_code == 422
    assert "the set names 'genre' more than once" in response.json()["message"]


async def test_a_set_with_a_name_already_taken_is_refused_before_anything_is_sent(client: httpx.AsyncClient) -> None:
    await create_table(client, GENRE)

    response = await client.post("/api/v1/tables/sets", json={"tables": [GENRE, track()]})

    assert response.status_code == 409
    assert response.json()["message"] == "You already have tables named 'genre'"


async def test_a_set_the_schema_service_refuses_leaves_every_table_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/tables/sets", json={"tables": [GENRE, track("album")]})

    assert response.status_code == 202
    done = [
        await wait_for(client, f"/api/v1/tables/{t['id']}", {"created", "rejected"}) for t in response.json()["tables"]
    ]
    assert [table["status"] for table in done] == ["rejected", "rejected"]
    assert all("there is no table 'album' to reference" in table["reason"] for table in done)
    listed = await client.get("/api/v1/tables")
    assert {t["table_name"]: t["status"] for t in listed.json()["items"]} == {"genre": "rejected", "track": "rejected"}
