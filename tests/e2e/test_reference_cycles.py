"""Tables that reference each other in a circle (departments ↔ employees) and a self-reference (an employee's
manager), created as one set and filled in one multi-table job, on PostgreSQL and SQLite: every foreign key is
in the database, the circle's nullable edge is added once both tables exist and left empty (with a note) by the
job, the required edge and the self-reference point at real rows."""

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
from dmb_testing.flow import wait_for
from dmb_testing.servers import postgres_database

EMPLOYEES: dict[str, Any] = {
    "table_name": "employees",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "department_id", "type": "foreign_key", "references": {"table": "departments", "field": "id"}},
        {"name": "manager_id", "type": "foreign_key", "nullable": True, "references": {"table": "employees", "field": "id"}},
    ],
}  # fmt: skip
DEPARTMENTS: dict[str, Any] = {
    "table_name": "departments",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "head_id", "type": "foreign_key", "nullable": True, "references": {"table": "employees", "field": "id"}},
    ],
}  # fmt: skip
FINISHED = {"completed", "failed", "cancelled"}


@pytest.fixture(params=["postgresql", "sqlite"])
async def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str, str | None]]:
    if request.param == "postgresql":
        with postgres_database("dmbtest_import_data_cycles") as url:
            async with platform.embedded_client(tmp_path, datasets_url=url, datasets_schema="datasets") as client:
                yield client, url, "datasets"
    else:
        async with platform.embedded_client(tmp_path) as client:
            yield client, f"sqlite:///{tmp_path / 'datasets.db'}", None


def read(url: str, schema: str | None) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[Any]]]:
    """Each table's foreign keys (column, referred table) as the database has them, and its rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            keys, rows = {}, {}
            for name in ("employees", "departments"):
                physical = physical_name(LOCAL_USER_ID, name)
                keys[name] = sorted(
                    (key["constrained_columns"][0], key["referred_table"])
                    for key in inspector.get_foreign_keys(physical, schema=schema)
                )
                table = sa.Table(physical, sa.MetaData(schema=schema), autoload_with=conn)
                rows[name] = [tuple(row) for row in conn.execute(sa.select(table))]
    finally:
        engine.dispose()
    return keys, rows


async def test_a_circle_and_a_self_reference_are_created_and_filled(
    served: tuple[httpx.AsyncClient, str, str | None],
) -> None:
    client, url, schema = served
    created = await client.post("/api/v1/tables/sets", json={"tables": [EMPLOYEES, DEPARTMENTS]})
    assert created.status_code == 202, created.text
    tables = [
        await wait_for(client, f"/api/v1/tables/{t['id']}", {"created", "rejected"}) for t in created.json()["tables"]
    ]
    assert [(t["table_name"], t["status"]) for t in tables] == [("employees", "created"), ("departments", "created")], [
        t.get("reason") for t in tables
    ]

    batch = await client.post(
        "/api/v1/jobs", json={"tables": [{"table_id": t["id"], "rows": 30} for t in tables], "seed": 4}
    )
    assert batch.status_code == 202, batch.text
    jobs = [await wait_for(client, f"/api/v1/jobs/{job['job_id']}", FINISHED) for job in batch.json()["jobs"]]
    assert [job["status"] for job in jobs] == ["completed", "completed"], [job.get("reason") for job in jobs]

    keys, rows = read(url, schema)
    employees, departments = physical_name(LOCAL_USER_ID, "employees"), physical_name(LOCAL_USER_ID, "departments")
    assert keys == {
        "employees": sorted([("department_id", departments), ("manager_id", employees)]),
        "departments": [("head_id", employees)],
    }
    department_ids = {row[0] for row in rows["departments"]}
    employee_ids = {row[0] for row in rows["employees"]}
    assert len(employee_ids) == len(department_ids) == 30
    assert {row[1] for row in rows["employees"]} <= department_ids
    managers = [row[2] for row in rows["employees"] if row[2] is not None]
    assert managers
    assert set(managers) <= employee_ids
    assert [row[1] for row in rows["departments"]] == [None] * 30
    notes = [note for job in jobs for note in job["fallbacks"]]
    assert "field 'head_id': 'employees' had no rows when the job started; left empty" in notes
