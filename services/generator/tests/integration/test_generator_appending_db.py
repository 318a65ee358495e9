"""Jobs on the real generator (its bootstrap and handlers, an in-process bus) writing into a datasets database of
each dialect (PostgreSQL, SQLite, MariaDB):

- appending to a junction table keeps its (playlist_id, track_id) pairs unique against the pairs already there,
  and a job asking for more pairs than are left is refused up front saying how many remain;
- a job on a child table alone computes again the aggregates its parent declares over it (GenerateRows
  .aggregate_parents), so an invoice's total follows its lines after every job on the lines.
"""

from __future__ import annotations

import asyncio
import decimal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_bus.base import MessageBus
from dmb_bus.factory import create_bus
from dmb_common.datasets import table_for
from dmb_common.db import new_metadata
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.commands import GenerateRows
from dmb_contracts.envelope import Message
from dmb_contracts.events import JobCancelled, JobCompleted, JobFailed
from dmb_contracts.fields import TableSpec
from dmb_generator.bootstrap import build


def spec(name: str, fields: list[dict[str, Any]], **more: Any) -> TableSpec:
    return TableSpec.model_validate({"table_name": name, "fields": fields, **more})


def key(name: str, table: str) -> dict[str, Any]:
    return {"name": name, "type": "foreign_key", "references": {"table": table, "field": "id", "key_type": "integer"}}


PLAYLIST = spec("playlist", [{"name": "id", "type": "integer", "primary_key": True}])
TRACK = spec("track", [{"name": "id", "type": "integer", "primary_key": True}])
PLAYLIST_TRACK = spec(
    "playlist_track",
    [key("playlist_id", "playlist") | {"primary_key": True}, key("track_id", "track") | {"primary_key": True}],
)
TAG = spec("tag", [{"name": "id", "type": "uuid", "primary_key": True}])
POST = spec("post", [{"name": "id", "type": "integer", "primary_key": True}])
POST_TAG = spec(
    "post_tag",
    [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        key("post_id", "post"),
        {
            "name": "tag_id",
            "type": "foreign_key",
            "references": {"table": "tag", "field": "id", "key_type": "uuid"},
        },
    ],
    indexes=[{"fields": ["post_id", "tag_id"], "unique": True}],
)
INVOICE = spec(
    "invoice",
    [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "total", "type": "decimal", "precision": 12, "scale": 2, "nullable": True},
        {"name": "line_count", "type": "integer", "nullable": True},
    ],
    rules=[
        {
            "kind": "aggregate",
            "field": "total",
            "function": "sum",
            "child_table": "invoice_line",
            "child_key": "invoice_id",
            "child_field": "unit_price",
            "times_field": "quantity",
        },
        {
            "kind": "aggregate",
            "field": "line_count",
            "function": "count",
            "child_table": "invoice_line",
            "child_key": "invoice_id",
        },
    ],
)
INVOICE_LINE = spec(
    "invoice_line",
    [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        key("invoice_id", "invoice"),
        {"name": "unit_price", "type": "decimal", "precision": 8, "scale": 2, "min": 1, "max": 50},
        {"name": "quantity", "type": "integer", "min": 1, "max": 5},
    ],
)
TABLES = (PLAYLIST, TRACK, PLAYLIST_TRACK, TAG, POST, POST_TAG, INVOICE, INVOICE_LINE)


@dataclass
class Generator:
    bus: MessageBus
    datasets: sa.Engine
    tables: dict[str, sa.Table]
    events: list[Message] = field(default_factory=list)

    async def run(self, table: TableSpec, rows: int, seed: int, **more: Any) -> Message:
        """Run one job to its end; its ending event."""
        job_id = uuid.uuid4()
        command = GenerateRows(
            job_id=job_id, table_id=uuid.uuid4(), table_version=1, spec=table, rows=rows, seed=seed, **more
        )
        await self.bus.publish(command)
        for _ in range(1200):
            for event in self.events:
                if isinstance(event, JobCompleted | JobFailed | JobCancelled) and event.job_id == job_id:
                    return event
            await asyncio.sleep(0.05)
        raise AssertionError(f"job still running: {self.events}")

    def rows(self, name: str) -> list[tuple[Any, ...]]:
        table = self.tables[name]
        with self.datasets.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))]

    def insert(self, name: str, rows: list[dict[str, Any]]) -> None:
        with self.datasets.begin() as conn:
            conn.execute(sa.insert(self.tables[name]), rows)


@pytest.fixture
async def generator(datasets_engine: sa.Engine, tmp_path: Path) -> AsyncIterator[Generator]:
    metadata = new_metadata()
    tables = {table.table_name: table_for(table, None, metadata) for table in TABLES}
    metadata.create_all(datasets_engine)
    settings = BaseServiceSettings(
        _env_file=None,
        data_dir=tmp_path,  # the generator's own database: an SQLite file there
        datasets_url=datasets_engine.url.render_as_string(hide_password=False),
    )
    bus = create_bus("memory://")
    rig = Generator(bus, datasets_engine, tables)

    async def observe(message: Message) -> None:
        rig.events.append(message)

    bus.subscribe("observer", ["generator.job.completed", "generator.job.failed", "generator.job.cancelled"], observe)
    service = await build(settings, bus)
    await bus.start()
    await service.start()
    try:
        yield rig
    finally:
        await bus.close()
        await service.stop()


async def test_appending_to_a_junction_table_keeps_its_pairs_unique_against_the_pairs_already_there(
    generator: Generator,
) -> None:
    generator.insert("playlist", [{"id": n} for n in range(1, 21)])
    generator.insert("track", [{"id": n} for n in range(101, 151)])

    first = await generator.run(PLAYLIST_TRACK, 600, seed=5)
    same_seed = await generator.run(PLAYLIST_TRACK, 300, seed=5)  # every pair of the first job would repeat
    too_many = await generator.run(PLAYLIST_TRACK, 101, seed=6)
    rest = await generator.run(PLAYLIST_TRACK, 100, seed=6)

    assert [type(event) for event in (first, same_seed, rest)] == [JobCompleted] * 3, generator.events
    assert isinstance(too_many, JobFailed)
    assert too_many.reason == (
        "the primary key of playlist_track: only 100 combinations of (playlist_id, track_id) are left: "
        "20 x 50 parent keys make 1000, and the table already holds 900; 101 rows asked"
    )
    pairs = generator.rows("playlist_track")
    assert len(pairs) == 1000  # the refused job wrote nothing; the last one took exactly the pairs left
    assert set(pairs) == {(p, t) for p in range(1, 21) for t in range(101, 151)}


async def test_a_unique_index_of_an_integer_and_a_uuid_key_is_kept_unique_when_appending(generator: Generator) -> None:
    tags = [uuid.uuid4() for _ in range(5)]
    generator.insert("tag", [{"id": tag} for tag in tags])
    generator.insert("post", [{"id": n} for n in range(1, 11)])

    ended = [await generator.run(POST_TAG, rows, seed=3) for rows in (30, 20, 1)]

    assert [type(event) for event in ended] == [JobCompleted, JobCompleted, JobFailed], ended
    assert isinstance(ended[2], JobFailed)
    assert "only 0 combinations of (post_id, tag_id) are left" in ended[2].reason
    rows = generator.rows("post_tag")
    assert [row[0] for row in rows] == list(range(1, 51))  # the sequence continued after the first job
    assert {(post, tag) for _, post, tag in rows} == {(post, tag) for post in range(1, 11) for tag in tags}


async def test_a_job_on_the_lines_alone_brings_the_invoices_totals_and_counts_up_to_date(
    generator: Generator,
) -> None:
    assert isinstance(await generator.run(INVOICE, 10, seed=1), JobCompleted)

    for seed in (2, 3):  # the second job appends lines: the totals follow again
        lines = await generator.run(INVOICE_LINE, 40, seed=seed, aggregate_parents=[INVOICE])
        assert isinstance(lines, JobCompleted), lines

        expected: dict[int, tuple[decimal.Decimal, int]] = {n: (decimal.Decimal(0), 0) for n in range(1, 11)}
        for _, invoice, price, quantity in generator.rows("invoice_line"):
            total, count = expected[invoice]
            expected[invoice] = (total + decimal.Decimal(price) * quantity, count + 1)
        computed = {n: (decimal.Decimal(total), count) for n, total, count in generator.rows("invoice")}
        assert computed == expected
    assert sum(count for _, _, count in generator.rows("invoice")) == 80


async def test_without_the_parents_definition_a_job_on_the_lines_leaves_the_totals_alone(
    generator: Generator,
) -> None:
    assert isinstance(await generator.run(INVOICE, 3, seed=1), JobCompleted)
    before = generator.rows("invoice")

    assert isinstance(await generator.run(INVOICE_LINE, 9, seed=2), JobCompleted)

    assert generator.rows("invoice") == before
