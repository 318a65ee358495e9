"""Appending keeps unique values unique against the rows already in the table, for unique fields that are not
sequences (a code in a range, a username, an e-mail, a UUID, a unique choice): generate 1,000, append 1,000 —
with the same seed, which repeats every value, and with another one — and every value stays unique, no job
fails. PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dmb_common.namespaces import physical_name
from dmb_gateway.auth import LOCAL_USER_ID
from dmb_testing import platform
from dmb_testing.flow import create_table, wait_for
from dmb_testing.servers import postgres_database

MEMBERS: dict[str, Any] = {
    "table_name": "members",
    "fields": [
        {"name": "member_id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "code", "type": "integer", "unique": True, "generator": {"kind": "range", "min": 1, "max": 5000}},
        {"name": "username", "type": "string", "max_length": 40, "unique": True},
        {"name": "email", "type": "email", "unique": True},
        {"name": "token", "type": "uuid", "unique": True},
    ],
}
KEPT_APART = ("code", "username", "email", "token")


@pytest.fixture(params=["postgresql", "sqlite"])
async def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str, sa.Table]]:
    table = sa.Table(
        physical_name(LOCAL_USER_ID, "members"),
        sa.MetaData(),
        *(sa.Column(name) for name in ("member_id", *KEPT_APART)),
        schema="datasets" if request.param == "postgresql" else None,
    )
    if request.param == "postgresql":
        with postgres_database("dmbtest_import_data_unique") as url:
            async with platform.embedded_client(tmp_path, datasets_url=url, datasets_schema="datasets") as client:
                yield client, url, table
    else:
        async with platform.embedded_client(tmp_path) as client:
            yield client, f"sqlite:///{tmp_path / 'datasets.db'}", table


async def fill(client: httpx.AsyncClient, table_id: str, rows: int, seed: int) -> dict[str, Any]:
    started = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": rows, "seed": seed})
    assert started.status_code == 202, started.text
    return await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})


def columns(url: str, table: sa.Table) -> dict[str, list[Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table)).all()
    finally:
        engine.dispose()
    return {name: [row._mapping[name] for row in rows] for name in (column.name for column in table.columns)}


async def test_appending_keeps_unique_values_unique_against_the_rows_already_there(
    served: tuple[httpx.AsyncClient, str, sa.Table],
) -> None:
    client, url, table = served
    created = await create_table(client, MEMBERS)

    jobs = [
        await fill(client, created["id"], 1000, seed=11),
        await fill(client, created["id"], 1000, seed=11),  # the same seed: every unique value would repeat
        await fill(client, created["id"], 1000, seed=12),
    ]

    assert [job["status"] for job in jobs] == ["completed"] * 3, [job.get("reason") for job in jobs]
    values = columns(url, table)
    assert len(values["member_id"]) == 3000
    for name in ("member_id", *KEPT_APART):
        assert len(set(values[name])) == 3000, name
    assert all(1 <= code <= 5000 for code in values["code"])


async def test_appending_past_the_unique_values_left_fails_plainly(
    served: tuple[httpx.AsyncClient, str, sa.Table],
) -> None:
    client, _, _ = served
    spec = {
        "table_name": "members",
        "fields": [
            {"name": "member_id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
            {"name": "code", "type": "integer", "unique": True, "generator": {"kind": "range", "min": 1, "max": 1500}},
        ],
    }
    created = await create_table(client, spec)
    assert (await fill(client, created["id"], 1000, seed=1))["status"] == "completed"

    second = await fill(client, created["id"], 1000, seed=2)

    assert second["status"] == "failed"
    assert "field 'code'" in second["reason"]
    assert "unique values" in second["reason"]
