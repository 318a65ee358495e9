"""Each sample schema goes from its dump file to a filled set of tables in one flow over the REST API: imported
whole, created in one action, filled in one multi-table job, then checked in the real database: no orphan
foreign key, no repeated key."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dmb_common.namespaces import physical_name
from dmb_contracts.fields import StorageType, TableSpec
from dmb_contracts.rules import AggregateRule, DateOrderRule, Rule
from dmb_gateway.auth import LOCAL_USER_ID
from dmb_testing import platform
from dmb_testing.flow import wait_for
from dmb_testing.sample_schemas import SAMPLE_SCHEMAS, sample_sql
from dmb_testing.servers import postgres_database

ROWS = 40
#: A junction table (a key made of foreign keys only) gets more rows than any of its parents has: pairs are
#: unique, the foreign keys one by one are not.
JUNCTION_ROWS = 3 * ROWS


def rows_for(spec: dict[str, Any]) -> int:
    keys = [field for field in spec["fields"] if field["primary_key"]]
    return JUNCTION_ROWS if len(keys) > 1 and all(field["references"] for field in keys) else ROWS


@pytest.fixture
async def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str, str | None]]:
    if request.param == "postgresql":
        with postgres_database("dmbtest_samples") as url:
            async with platform.embedded_client(tmp_path, datasets_url=url, datasets_schema="datasets") as client:
                yield client, url, "datasets"
    else:
        async with platform.embedded_client(tmp_path) as client:
            yield client, f"sqlite:///{tmp_path / 'datasets.db'}", None


async def import_create_fill(client: httpx.AsyncClient, name: str) -> list[TableSpec]:
    proposal = await client.post(
        "/api/v1/tables/import", json={"sql": sample_sql(name), "dialect": SAMPLE_SCHEMAS[name]}
    )
    assert proposal.status_code == 200, proposal.text
    created = await client.post("/api/v1/tables/sets", json={"tables": [t["spec"] for t in proposal.json()["tables"]]})
    assert created.status_code == 202, created.text
    tables = [
        await wait_for(client, f"/api/v1/tables/{t['id']}", {"created", "rejected"}) for t in created.json()["tables"]
    ]
    assert [(t["table_name"], t["status"]) for t in tables] == [(t["table_name"], "created") for t in tables]
    batch = await client.post(
        "/api/v1/jobs", json={"tables": [{"table_id": t["id"], "rows": rows_for(t["spec"])} for t in tables], "seed": 7}
    )
    assert batch.status_code == 202, batch.text
    asked = {t["id"]: rows_for(t["spec"]) for t in tables}
    for job in batch.json()["jobs"]:
        done = await wait_for(client, f"/api/v1/jobs/{job['job_id']}", {"completed", "failed", "cancelled"})
        assert (done["status"], done["rows_done"]) == ("completed", asked[job["table_id"]]), done
    return [TableSpec.model_validate(t["spec"]) for t in tables]


def problems(url: str, schema: str | None, specs: list[TableSpec]) -> dict[str, int]:
    """Orphan references and repeated keys, counted by the database itself."""
    found: dict[str, int] = {}
    engine = sa.create_engine(url)
    metadata = sa.MetaData(schema=schema)
    try:
        with engine.connect() as conn:
            tables = {
                spec.table_name: sa.Table(physical_name(LOCAL_USER_ID, spec.table_name), metadata, autoload_with=conn)
                for spec in specs
            }
            for spec in specs:
                table = tables[spec.table_name]
                for field in spec.fields:
                    if field.references is None:
                        continue
                    parent = tables[field.references.table].alias("parent")
                    orphans = (
                        sa.select(sa.func.count())
                        .select_from(table.outerjoin(parent, table.c[field.name] == parent.c[field.references.field]))
                        .where(table.c[field.name].is_not(None), parent.c[field.references.field].is_(None))
                    )
                    found[f"{spec.table_name}.{field.name} orphans"] = conn.scalar(orphans) or 0
                for key in spec.unique_sets + [index.fields for index in spec.indexes if index.unique]:
                    columns = [table.c[name] for name in key]
                    groups = sa.select(*columns).where(*(c.is_not(None) for c in columns)).group_by(*columns)
                    repeated = sa.select(sa.func.count()).select_from(groups.having(sa.func.count() > 1).subquery())
                    found[f"{spec.table_name}({', '.join(key)}) repeats"] = conn.scalar(repeated) or 0
                for rule in spec.rules:
                    found[f"{spec.table_name}: {rule.describe()} broken"] = rule_breaks(conn, tables, spec, rule)
                asked = rows_for(spec.model_dump())
                found[f"{spec.table_name} missing rows"] = asked - (
                    conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                )
    finally:
        engine.dispose()
    return found


def _day(value: Any, dates: bool) -> Any:
    if dates:
        return value.date() if isinstance(value, dt.datetime) else value
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def rule_breaks(conn: sa.Connection, tables: dict[str, sa.Table], spec: TableSpec, rule: Rule) -> int:
    """Rows that break a consistency rule, checked here from the rows the database holds."""
    table = tables[spec.table_name]
    if isinstance(rule, DateOrderRule):
        dates = spec.field(rule.later).type is StorageType.DATE
        broken = 0
        for earlier, later in conn.execute(sa.select(table.c[rule.earlier], table.c[rule.later])):
            if earlier is None or later is None:
                continue
            gap = later - _day(earlier, dates)
            days = gap.days if dates else gap.total_seconds() / 86_400
            low_ok = days > 0 if rule.strict and rule.min_days == 0 else days >= rule.min_days
            broken += not (low_ok and (rule.max_days is None or days <= rule.max_days))
        return broken
    child = tables[rule.child_table]
    key = next(f for f in spec.fields if f.primary_key).name
    expected: dict[Any, Decimal] = {}
    operands = [name for name in (rule.child_field, rule.times_field) if name is not None]
    for row in conn.execute(sa.select(child.c[rule.child_key], *(child.c[name] for name in operands))):
        term = Decimal(1)
        for value in row[1:]:
            term *= Decimal(str(value)) if value is not None else Decimal(0)
        expected[row[0]] = expected.get(row[0], Decimal(0)) + term
    broken = 0
    for parent_key, value in conn.execute(sa.select(table.c[key], table.c[rule.field])):
        want = expected.get(parent_key, Decimal(0))
        broken += value is None or abs(Decimal(str(value)) - want) > Decimal("0.01")
    return broken


#: Every schema on PostgreSQL; on SQLite (the embedded default) two, to keep the suite fast.
CASES = [("postgresql", name) for name in SAMPLE_SCHEMAS] + [("sqlite", "chinook"), ("sqlite", "school_timetable")]


@pytest.mark.parametrize(("served", "name"), CASES, indirect=["served"])
async def test_a_sample_schema_is_imported_created_and_filled_with_every_foreign_key_kept(
    served: tuple[httpx.AsyncClient, str, str | None], name: str
) -> None:
    client, url, schema = served

    specs = await import_create_fill(client, name)

    counts = problems(url, schema, specs)
    assert {check: count for check, count in counts.items() if count} == {}
    assert sum(1 for check in counts if check.endswith("broken")) == sum(len(spec.rules) for spec in specs)
    if name in ("chinook", "ecommerce"):  # a date order and an invoice's / order's total over its lines
        assert {type(rule) for spec in specs for rule in spec.rules} == {DateOrderRule, AggregateRule}
    assert sum(1 for check in counts if "orphans" in check) == sum(
        1 for spec in specs for field in spec.fields if field.references
    )


async def append_rows(client: httpx.AsyncClient, table_id: str, rows: int) -> dict[str, Any]:
    started = await client.post(f"/api/v1/tables/{table_id}/jobs", json={"rows": rows, "seed": 7})
    assert started.status_code == 202, started.text
    return await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed", "cancelled"})


@pytest.mark.parametrize("served", ["postgresql", "sqlite"], indirect=True)
async def test_appending_to_a_filled_sample_keeps_its_pairs_unique_totals_current_and_dates_in_range(
    served: tuple[httpx.AsyncClient, str, str | None],
) -> None:
    """After the multi-table job: the junction table takes a second job with the same seed (every pair of the
    first would repeat), the invoices' lines a job of their own and a multi-table job without the invoices; then
    nothing is repeated, every total and count follows its lines, and no date a rule moved lies past the day it
    was generated."""
    client, url, schema = served
    specs = await import_create_fill(client, "chinook")
    ids = {t["table_name"]: t["id"] for t in (await client.get("/api/v1/tables?limit=100")).json()["items"]}
    junction = next(s for s in specs if rows_for(s.model_dump()) == JUNCTION_ROWS)
    lines = next(rule.child_table for s in specs for rule in s.rules if isinstance(rule, AggregateRule))

    pairs_job = await append_rows(client, ids[junction.table_name], JUNCTION_ROWS)
    lines_job = await append_rows(client, ids[lines], ROWS)
    # A multi-table job with the lines and without their invoices: the invoices' totals follow all the same.
    batch = await client.post("/api/v1/jobs", json={"tables": [{"table_id": ids[lines], "rows": ROWS}], "seed": 8})
    assert batch.status_code == 202, batch.text
    (batch_job,) = batch.json()["jobs"]
    batch_lines = await wait_for(client, f"/api/v1/jobs/{batch_job['job_id']}", {"completed", "failed", "cancelled"})

    assert [job["status"] for job in (pairs_job, lines_job, batch_lines)] == ["completed"] * 3
    counts = problems(url, schema, specs)
    added = {f"{junction.table_name} missing rows": -JUNCTION_ROWS, f"{lines} missing rows": -2 * ROWS}
    assert {check: count for check, count in counts.items() if count} == added
    assert sum(1 for check in counts if check.endswith("broken")) == sum(len(spec.rules) for spec in specs)
    assert dates_past(url, schema, specs, dt.date.today() + dt.timedelta(days=1)) == 0


def dates_past(url: str, schema: str | None, specs: list[TableSpec], day: dt.date) -> int:
    """Values of the later fields of date-order rules on or after `day` (their generators end today)."""
    engine = sa.create_engine(url)
    found = 0
    try:
        with engine.connect() as conn:
            for spec in specs:
                table = sa.Table(
                    physical_name(LOCAL_USER_ID, spec.table_name), sa.MetaData(schema=schema), autoload_with=conn
                )
                for rule in spec.rules:
                    if isinstance(rule, DateOrderRule):
                        values = conn.scalars(sa.select(table.c[rule.later]).where(table.c[rule.later].is_not(None)))
                        found += sum(1 for value in values if _day(value, True) >= day)
    finally:
        engine.dispose()
    return found
