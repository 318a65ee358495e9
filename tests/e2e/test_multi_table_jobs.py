"""End to end, embedded mode: one request fills several tables, parents before the tables that reference them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_testing.flow import create_table, exported_rows, wait_for
from dmb_testing.platform import embedded_client

FINISHED = {"completed", "failed", "cancelled"}


def customers(name: str) -> dict[str, Any]:
    return {
        "table_name": name,
        "fields": [
            {"name": "id", "type": "uuid", "primary_key": True},
            {"name": "opens_at", "type": "time", "min": "08:00", "max": "10:30"},
        ],
    }


def orders(name: str, parent: str) -> dict[str, Any]:
    return {
        "table_name": name,
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "customer", "type": "foreign_key", "references": {"table": parent, "field": "id"}},
            {"name": "placed_at", "type": "time"},
        ],
    }


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path) as http:
        yield http


async def _batch(client: httpx.AsyncClient, tables: list[tuple[str, int]], seed: int) -> list[dict[str, Any]]:
    """Start a batch and wait for every job; the jobs come back in the request's order."""
    body = {"tables": [{"table_id": table_id, "rows": rows} for table_id, rows in tables], "seed": seed}
    started = await client.post("/api/v1/jobs", json=body)
    assert started.status_code == 202, started.text
    batch = started.json()
    assert [job["table_id"] for job in batch["jobs"]] == [table_id for table_id, _ in tables]
    return [await wait_for(client, f"/api/v1/jobs/{job['job_id']}", FINISHED) for job in batch["jobs"]]


async def test_a_batch_fills_parents_first_and_every_child_points_at_a_real_parent(
    client: httpx.AsyncClient,
) -> None:
    parent = await create_table(client, customers("customers"))
    child = await create_table(client, orders("orders", "customers"))

    # Listed child first: a lone job into the empty parent's child would be refused, the batch reorders.
    child_job, parent_job = await _batch(client, [(child["id"], 120), (parent["id"], 30)], seed=11)
    assert parent_job["status"] == "completed", parent_job
    assert child_job["status"] == "completed", child_job
    # A child's job reads its parent's keys when it starts and is refused when there are none: the child
    # completing is the parent having been filled first.
    assert parent_job["finished_at"] <= child_job["finished_at"]

    customer_ids = {row["id"] for row in await exported_rows(client, parent["id"])}
    order_rows = await exported_rows(client, child["id"])
    assert len(customer_ids) == 30
    assert len(order_rows) == 120
    assert {row["customer"] for row in order_rows} <= customer_ids


async def test_the_same_batch_and_seed_give_the_same_rows(client: httpx.AsyncClient) -> None:
    first = [await create_table(client, customers("shops_a")), await create_table(client, orders("sales_a", "shops_a"))]
    second = [
        await create_table(client, customers("shops_b")),
        await create_table(client, orders("sales_b", "shops_b")),
    ]

    for parent, child in (first, second):
        jobs = await _batch(client, [(child["id"], 50), (parent["id"], 10)], seed=2024)
        assert [job["status"] for job in jobs] == ["completed", "completed"], jobs

    for a, b in zip(first, second, strict=True):
        assert await exported_rows(client, a["id"]) == await exported_rows(client, b["id"])


async def test_a_batch_whose_tables_reference_each_other_in_a_cycle_fills_them_leaving_the_nullable_edge_empty(
    client: httpx.AsyncClient,
) -> None:
    authors = await create_table(
        client, {"table_name": "authors", "fields": [{"name": "id", "type": "integer", "primary_key": True}]}
    )
    books = await create_table(client, orders("books", "authors"))
    # The schema service allows a cycle when one of its foreign keys is nullable; the batch orders the tables by
    # the required one (books after authors, whatever the caller's order) and leaves the nullable one empty.
    favourite = {
        "name": "favourite_book",
        "type": "foreign_key",
        "nullable": True,
        "references": {"table": "books", "field": "id"},
    }
    changed = await client.put(
        f"/api/v1/tables/{authors['id']}",
        json={"expected_version": 1, "spec": {**authors["spec"], "fields": [*authors["spec"]["fields"], favourite]}},
    )
    assert changed.status_code == 202, changed.text
    altered = await wait_for(client, f"/api/v1/tables/{authors['id']}", {"created", "rejected"})
    assert altered["version"] == 2, (altered["reason"], altered["problems"])

    jobs = await _batch(client, [(books["id"], 10), (authors["id"], 10)], seed=1)
    assert [job["status"] for job in jobs] == ["completed", "completed"], jobs
    author_rows = await exported_rows(client, authors["id"])
    assert [row["favourite_book"] for row in author_rows] == [None] * 10
    book_rows = await exported_rows(client, books["id"])
    assert {row["customer"] for row in book_rows} <= {row["id"] for row in author_rows}
    notes = [note for job in jobs for note in job["fallbacks"]]
    assert "field 'favourite_book': 'books' had no rows when the job started; left empty" in notes


async def test_a_batch_names_only_the_callers_created_tables_each_once(client: httpx.AsyncClient) -> None:
    parent = await create_table(client, customers("clients"))
    unknown = str(uuid.uuid4())

    missing = await client.post(
        "/api/v1/jobs", json={"tables": [{"table_id": parent["id"], "rows": 5}, {"table_id": unknown, "rows": 5}]}
    )
    assert missing.status_code == 404, missing.text
    assert unknown in missing.text
    twice = await client.post("/api/v1/jobs", json={"tables": [{"table_id": parent["id"], "rows": 5}] * 2})
    assert twice.status_code == 422
    assert "a table appears twice in the batch" in twice.text
    empty = await client.post("/api/v1/jobs", json={"tables": []})
    assert empty.status_code == 422
    # Nothing was started by the refused requests.
    assert (await client.get("/api/v1/jobs")).json()["items"] == []
