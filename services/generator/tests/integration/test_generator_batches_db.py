"""A multi-table job on the real generator (its bootstrap, PostgreSQL database and handlers, an in-process
bus): parents are filled first, a redelivered batch command or job event fills nothing twice, and a cancelled
job reports the rows it kept."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from dmb_bus.base import MessageBus
from dmb_bus.factory import create_bus
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.commands import BatchTable, CancelJob, GenerateChunk, GenerateTables
from dmb_contracts.envelope import Message
from dmb_contracts.events import JobCancelled, JobCompleted, JobFailed, JobStarted
from dmb_contracts.fields import TableSpec
from dmb_generator import handlers
from dmb_generator.bootstrap import build

SCHEMA = "datasets"
CUSTOMERS = TableSpec.model_validate(
    {"table_name": "customers", "fields": [{"name": "id", "type": "integer", "primary_key": True}]}
)
#: Waits for AI values no AI service answers in this rig: its job stays running until it is cancelled.
WAITING_CUSTOMERS = TableSpec.model_validate(
    {
        "table_name": "customers",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "bio", "type": "text", "nullable": True, "generator": {"kind": "ai"}},
        ],
    }
)
ORDERS = TableSpec.model_validate(
    {
        "table_name": "orders",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {
                "name": "customer_id",
                "type": "foreign_key",
                "references": {"table": "customers", "field": "id", "key_type": "integer"},
            },
        ],
    }
)


@dataclass
class Generator:
    bus: MessageBus
    datasets: sa.Engine
    events: list[Message] = field(default_factory=list)

    async def outcomes(self, job_ids: set[uuid.UUID]) -> dict[uuid.UUID, Message]:
        """Wait until every job has ended; the first ending event of each."""
        for _ in range(1200):
            ended = {
                e.job_id: e for e in reversed(self.events) if isinstance(e, JobCompleted | JobFailed | JobCancelled)
            }
            if job_ids <= set(ended):
                return {job_id: ended[job_id] for job_id in job_ids}
            await asyncio.sleep(0.05)
        raise AssertionError(f"jobs still running: {self.events}")

    def count(self, spec: TableSpec) -> int:
        with self.datasets.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table_for(spec, SCHEMA))).scalar_one()


@pytest.fixture
async def generator(postgres_url: str, tmp_path: Path) -> AsyncIterator[Generator]:
    datasets = create_datasets_engine(postgres_url)
    with datasets.begin() as conn:
        conn.execute(sa.schema.CreateSchema(SCHEMA))
    table_for(CUSTOMERS, SCHEMA).create(datasets)
    table_for(ORDERS, SCHEMA).create(datasets)
    settings = BaseServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=postgres_url,
        datasets_url=postgres_url,
        datasets_schema=SCHEMA,
    )
    bus = create_bus("memory://")
    rig = Generator(bus, datasets)

    async def observe(message: Message) -> None:
        rig.events.append(message)

    kinds = ["generator.job.started", "generator.job.completed", "generator.job.failed", "generator.job.cancelled"]
    bus.subscribe("observer", kinds, observe)
    service = await build(settings, bus)
    await bus.start()
    await service.start()
    try:
        yield rig
    finally:
        await bus.close()
        await service.stop()
        datasets.dispose()


async def test_a_redelivered_batch_and_job_events_fill_each_table_once(generator: Generator) -> None:
    orders, customers = uuid.uuid4(), uuid.uuid4()
    cmd = GenerateTables(
        batch_id=uuid.uuid4(),
        tables=[
            BatchTable(job_id=orders, table_id=uuid.uuid4(), table_version=1, spec=ORDERS, rows=40),
            BatchTable(job_id=customers, table_id=uuid.uuid4(), table_version=1, spec=CUSTOMERS, rows=10),
        ],
        seed=5,
    )
    await generator.bus.publish(cmd)
    await generator.bus.publish(cmd)  # a redelivery: the same message again

    ended = await generator.outcomes({orders, customers})
    assert all(isinstance(event, JobCompleted) for event in ended.values()), ended
    completed = next(e for e in generator.events if isinstance(e, JobCompleted) and e.job_id == customers)
    await generator.bus.publish(completed)  # the parent's completion redelivered: the child is not started again
    await asyncio.sleep(0.5)

    started = [e.job_id for e in generator.events if isinstance(e, JobStarted)]
    assert started == [customers, orders]  # the parent first, each once
    assert generator.count(CUSTOMERS) == 10
    assert generator.count(ORDERS) == 40


async def test_cancelling_a_waiting_table_cancels_the_rest_of_the_batch_and_the_running_job_finishes_alone(
    generator: Generator,
) -> None:
    customers, orders = uuid.uuid4(), uuid.uuid4()
    cmd = GenerateTables(
        batch_id=uuid.uuid4(),
        tables=[
            BatchTable(job_id=customers, table_id=uuid.uuid4(), table_version=1, spec=WAITING_CUSTOMERS, rows=5),
            BatchTable(job_id=orders, table_id=uuid.uuid4(), table_version=1, spec=ORDERS, rows=5),
        ],
    )
    await generator.bus.publish(cmd)
    for _ in range(200):
        if any(isinstance(e, JobStarted) and e.job_id == customers for e in generator.events):
            break
        await asyncio.sleep(0.05)

    await generator.bus.publish(CancelJob(job_id=orders))
    assert isinstance((await generator.outcomes({orders}))[orders], JobCancelled)
    await generator.bus.publish(CancelJob(job_id=customers))
    assert isinstance((await generator.outcomes({customers}))[customers], JobCancelled)
    await asyncio.sleep(0.3)

    assert [e.job_id for e in generator.events if isinstance(e, JobStarted)] == [customers]
    assert [e.job_id for e in generator.events if isinstance(e, JobCancelled)] == [orders, customers]
    assert generator.count(ORDERS) == 0


async def test_a_failed_parent_fails_the_tables_after_it_with_the_reason(generator: Generator) -> None:
    too_few = TableSpec.model_validate(
        {
            "table_name": "customers",
            "fields": [{"name": "id", "type": "integer", "primary_key": True, "min": 1, "max": 3}],
        }
    )
    customers, orders = uuid.uuid4(), uuid.uuid4()
    cmd = GenerateTables(
        batch_id=uuid.uuid4(),
        tables=[
            BatchTable(job_id=orders, table_id=uuid.uuid4(), table_version=1, spec=ORDERS, rows=5),
            BatchTable(job_id=customers, table_id=uuid.uuid4(), table_version=1, spec=too_few, rows=10),
        ],
    )
    await generator.bus.publish(cmd)

    ended = await generator.outcomes({customers, orders})
    parent, child = ended[customers], ended[orders]
    assert isinstance(parent, JobFailed), parent
    assert isinstance(child, JobFailed), child
    assert child.reason == f"an earlier table of the batch, 'customers', failed: {parent.reason}"
    assert not any(isinstance(e, JobStarted) and e.job_id == orders for e in generator.events)


async def test_a_cancel_between_writing_a_chunk_and_recording_it_counts_the_chunk(
    generator: Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cancel lands after a chunk's rows are committed and before its progress is recorded: the job's
    rows_done must still be the rows the table kept (it reported 45,000 beside 50,000 rows in the table)."""
    record = handlers._record_chunk

    async def cancel_first(cmd: GenerateChunk, deps: handlers.GeneratorDeps, spec: TableSpec) -> None:
        await handlers.cancel_job(CancelJob(job_id=cmd.job_id, owner_id=cmd.owner_id), deps)
        await record(cmd, deps, spec)

    monkeypatch.setattr(handlers, "_record_chunk", cancel_first)
    job = uuid.uuid4()
    table = BatchTable(job_id=job, table_id=uuid.uuid4(), table_version=1, spec=CUSTOMERS, rows=25)
    await generator.bus.publish(GenerateTables(batch_id=uuid.uuid4(), tables=[table], seed=3))

    ended = (await generator.outcomes({job}))[job]
    assert isinstance(ended, JobCancelled), ended
    assert generator.count(CUSTOMERS) == 25
    assert ended.rows_done == 25
