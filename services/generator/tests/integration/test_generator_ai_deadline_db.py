"""The AI deadline on the real generator (its bootstrap, handlers and own database, PostgreSQL then SQLite): a
job whose AI values never arrive is started with Faker once `ai_wait_seconds` have passed, and exactly once,
however its AI answer and the sweeps of several processes race.

The handler-level tests build the service without starting it, so nothing leaves the outbox: the GenerateChunk
rows there are exactly what each call emitted, and the sweep is run with a moved clock instead of waited for."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dmb_bus.base import MessageBus
from dmb_bus.factory import create_bus
from dmb_bus.tables import messaging_tables
from dmb_common.datasets import create_datasets_engine, table_for
from dmb_common.db import as_utc
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.commands import CancelJob, GenerateRows
from dmb_contracts.envelope import Message
from dmb_contracts.events import AIValuesFailed, AIValuesGenerated, AIValuesProgressed, JobCompleted
from dmb_contracts.fields import TableSpec
from dmb_contracts.statuses import JobStatus
from dmb_generator import handlers
from dmb_generator.bootstrap import GeneratorService, ai_sweep_seconds, build
from dmb_generator.handlers import CHUNK_SIZE, ai_deadline_note, resume_overdue_ai_jobs
from dmb_generator.models import Base, Job

WAIT = dt.timedelta(seconds=120)
NOTE = "AI values did not arrive within 120 s; Faker used instead"
SPEC = TableSpec.model_validate(
    {
        "table_name": "people",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "bio", "type": "text", "nullable": True, "generator": {"kind": "ai"}},
        ],
    }
)
ROWS = 2 * CHUNK_SIZE + 1  # three chunks
OUTBOX, _ = messaging_tables(Base.metadata)


@dataclass
class Rig:
    service: GeneratorService
    datasets_schema: str | None

    @property
    def deps(self) -> handlers.GeneratorDeps:
        return self.service.deps

    async def start_job(self) -> Job:
        """A job with an AI field, left waiting for its AI values (no AI service answers here)."""
        job_id = uuid.uuid4()
        cmd = GenerateRows(
            job_id=job_id, table_id=uuid.uuid4(), table_version=1, spec=SPEC, rows=ROWS, correlation_id=job_id
        )
        await handlers.generate_rows(cmd, self.deps)
        job = await self.job(job_id)
        assert job.status == JobStatus.WAITING_AI
        return job

    async def job(self, job_id: uuid.UUID) -> Job:
        async with self.deps.runtime.sessions() as session:
            job = await session.get(Job, job_id)
        assert job is not None
        return job

    async def chunk_commands(self, job_id: uuid.UUID) -> list[dict[str, Any]]:
        """The GenerateChunk commands emitted for the job (all still in the outbox: no relay runs)."""
        async with self.deps.runtime.sessions() as session:
            bodies = await session.scalars(sa.select(OUTBOX.c.body).where(OUTBOX.c.type == "generator.chunk.generate"))
            commands = [json.loads(body) for body in bodies]
        return [command for command in commands if command["job_id"] == str(job_id)]


def settings_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path, **extra: Any) -> BaseServiceSettings:
    """The generator's own database and the datasets: both in a fresh PostgreSQL database, or SQLite files.
    Every chunk of a job leaves at once (a window wider than a job), so the outbox shows them all."""
    extra = {"generator_chunks_per_owner": 1000} | extra
    if backend == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        datasets = create_datasets_engine(url)
        with datasets.begin() as conn:
            conn.execute(sa.schema.CreateSchema("datasets"))
        datasets.dispose()
        return BaseServiceSettings(
            _env_file=None,
            data_dir=tmp_path,
            database_url=url,
            datasets_url=url,
            datasets_schema="datasets",
            **extra,
        )
    return BaseServiceSettings(_env_file=None, data_dir=tmp_path, **extra)


@pytest.fixture(params=["postgresql", "sqlite"])
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    settings = settings_for(request.param, request, tmp_path)
    service = await build(settings, create_bus("memory://"))
    try:
        yield Rig(service, settings.datasets_schema)
    finally:
        await service.stop()


def after_the_wait(job: Job) -> dt.datetime:
    return as_utc(job.created_at) + WAIT + dt.timedelta(seconds=1)


async def test_a_job_is_resumed_with_faker_and_a_note_only_once_its_wait_is_over(rig: Rig) -> None:
    job = await rig.start_job()
    started = as_utc(job.created_at)

    assert await resume_overdue_ai_jobs(rig.deps, started + WAIT - dt.timedelta(seconds=1)) == 0
    assert (await rig.job(job.job_id)).status == JobStatus.WAITING_AI
    assert await rig.chunk_commands(job.job_id) == []

    assert await resume_overdue_ai_jobs(rig.deps, started + WAIT + dt.timedelta(seconds=1)) == 1

    resumed = await rig.job(job.job_id)
    assert resumed.status == JobStatus.RUNNING
    assert resumed.fallbacks == [NOTE]
    assert resumed.ai_pools == {}
    chunks = await rig.chunk_commands(job.job_id)
    assert sorted((c["chunk_index"], c["first_row"], c["rows"]) for c in chunks) == [
        (0, 0, CHUNK_SIZE),
        (1, CHUNK_SIZE, CHUNK_SIZE),
        (2, 2 * CHUNK_SIZE, 1),
    ]
    assert {c["correlation_id"] for c in chunks} == {str(job.job_id)}


async def test_the_sweep_leaves_fresh_and_cancelled_jobs_alone_and_resumes_each_overdue_job_once(rig: Rig) -> None:
    overdue, cancelled = await rig.start_job(), await rig.start_job()
    await handlers.cancel_job(CancelJob(job_id=cancelled.job_id), rig.deps)
    fresh = await rig.start_job()
    now = after_the_wait(overdue)
    async with rig.deps.runtime.sessions() as session, session.begin():
        # The fresh job started just before `now`: it has waited a moment, not two minutes.
        await session.execute(sa.update(Job).where(Job.job_id == fresh.job_id).values(created_at=now))

    assert await resume_overdue_ai_jobs(rig.deps, now) == 1
    assert await resume_overdue_ai_jobs(rig.deps, now + dt.timedelta(seconds=60)) == 0  # nothing twice

    assert len(await rig.chunk_commands(overdue.job_id)) == 3
    assert (await rig.job(fresh.job_id)).status == JobStatus.WAITING_AI
    assert await rig.chunk_commands(fresh.job_id) == []
    assert (await rig.job(cancelled.job_id)).status == JobStatus.CANCELLED
    assert await rig.chunk_commands(cancelled.job_id) == []

    assert await resume_overdue_ai_jobs(rig.deps, now + WAIT + dt.timedelta(seconds=1)) == 1  # its turn comes
    assert (await rig.job(fresh.job_id)).fallbacks == [NOTE]
    assert len(await rig.chunk_commands(overdue.job_id)) == 3


async def test_the_wait_counts_from_the_last_ai_progress_not_from_the_jobs_start(rig: Rig) -> None:
    job = await rig.start_job()
    progressed_at = as_utc(job.created_at) + WAIT - dt.timedelta(seconds=5)
    rig.deps.clock = lambda: progressed_at
    progress = AIValuesProgressed(request_id=job.job_id, job_id=job.job_id, made=25, needed=200)
    await handlers.ai_values_progressed(progress, rig.deps)

    assert await resume_overdue_ai_jobs(rig.deps, after_the_wait(job)) == 0
    assert (await rig.job(job.job_id)).status == JobStatus.WAITING_AI

    assert await resume_overdue_ai_jobs(rig.deps, progressed_at + WAIT + dt.timedelta(seconds=1)) == 1
    assert (await rig.job(job.job_id)).fallbacks == [NOTE]


async def test_the_ai_services_notes_join_the_jobs_notes(rig: Rig) -> None:
    job = await rig.start_job()
    answer = AIValuesGenerated(
        request_id=job.job_id,
        job_id=job.job_id,
        values={"bio": ["Retired teacher who paints"]},
        notes=["AI made 1 of 200 values (the token budget was spent); they repeat"],
    )
    await handlers.ai_values_generated(answer, rig.deps)

    resumed = await rig.job(job.job_id)
    assert resumed.fallbacks == ["AI made 1 of 200 values (the token budget was spent); they repeat"]


async def test_the_ai_request_carries_the_jobs_seed_for_the_values_code_makes_there(rig: Rig) -> None:
    job = await rig.start_job()
    async with rig.deps.runtime.sessions() as session:
        bodies = await session.scalars(sa.select(OUTBOX.c.body).where(OUTBOX.c.type == "ai.values.requested"))
        requests = [json.loads(body) for body in bodies]

    (request,) = [request for request in requests if request["job_id"] == str(job.job_id)]
    assert request["seed"] == job.seed


async def test_an_ai_answer_after_the_deadline_is_ignored(rig: Rig) -> None:
    job = await rig.start_job()
    assert await resume_overdue_ai_jobs(rig.deps, after_the_wait(job)) == 1

    late = AIValuesGenerated(request_id=job.job_id, job_id=job.job_id, values={"bio": ["too late"]})
    await handlers.ai_values_generated(late, rig.deps)
    failed = AIValuesFailed(request_id=job.job_id, job_id=job.job_id, reason="timeout")
    await handlers.ai_values_failed(failed, rig.deps)

    resumed = await rig.job(job.job_id)
    assert resumed.ai_pools == {}
    assert resumed.fallbacks == [NOTE]
    assert len(await rig.chunk_commands(job.job_id)) == 3


async def test_an_ai_answer_before_the_deadline_wins_over_a_later_sweep(rig: Rig) -> None:
    job = await rig.start_job()
    answer = AIValuesGenerated(request_id=job.job_id, job_id=job.job_id, values={"bio": ["from the AI"]})
    await handlers.ai_values_generated(answer, rig.deps)
    await handlers.ai_values_generated(answer, rig.deps)  # a redelivery

    assert await resume_overdue_ai_jobs(rig.deps, after_the_wait(job)) == 0
    resumed = await rig.job(job.job_id)
    assert resumed.ai_pools == {"bio": ["from the AI"]}
    assert resumed.fallbacks == []
    assert len(await rig.chunk_commands(job.job_id)) == 3


async def test_racing_ai_answers_and_sweeps_resume_each_job_exactly_once(rig: Rig) -> None:
    jobs = [await rig.start_job() for _ in range(6)]
    now = max(after_the_wait(job) for job in jobs)
    answers = [
        handlers.ai_values_generated(
            AIValuesGenerated(request_id=job.job_id, job_id=job.job_id, values={"bio": ["from the AI"]}), rig.deps
        )
        for job in jobs
    ]
    sweeps = [resume_overdue_ai_jobs(rig.deps, now) for _ in range(3)]  # as if three generator processes

    # Sweeps first: their query for overdue jobs is in flight while the answers read the same jobs, so the
    # reads of both sides overlap (a check-then-set resume emits twice here on both databases).
    outcomes = await asyncio.gather(*sweeps, *answers)

    swept = sum(count for count in outcomes if isinstance(count, int))
    by_ai = 0
    for job in jobs:
        resumed = await rig.job(job.job_id)
        assert resumed.status == JobStatus.RUNNING
        chunks = await rig.chunk_commands(job.job_id)
        assert sorted(c["chunk_index"] for c in chunks) == [0, 1, 2], f"job {job.job_id}: {chunks}"
        if resumed.fallbacks == [NOTE]:
            assert resumed.ai_pools == {}
        else:
            assert (resumed.fallbacks, resumed.ai_pools) == ([], {"bio": ["from the AI"]})
            by_ai += 1
    assert swept + by_ai == len(jobs)


def test_the_note_names_the_wait_and_the_sweep_runs_a_few_times_per_wait() -> None:
    assert ai_deadline_note(WAIT) == NOTE
    assert ai_deadline_note(dt.timedelta(seconds=2.5)) == "AI values did not arrive within 2.5 s; Faker used instead"
    assert ai_sweep_seconds(dt.timedelta(seconds=120)) == 30
    assert ai_sweep_seconds(dt.timedelta(seconds=40)) == 10
    assert ai_sweep_seconds(dt.timedelta(seconds=0.5)) == 1


@dataclass
class Observer:
    events: list[Message] = field(default_factory=list)

    async def completed(self, job_id: uuid.UUID) -> JobCompleted:
        for _ in range(400):
            done = [e for e in self.events if isinstance(e, JobCompleted) and e.job_id == job_id]
            if done:
                return done[0]
            await asyncio.sleep(0.05)
        raise AssertionError(f"job {job_id} did not complete: {self.events}")


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_a_running_generator_completes_a_job_whose_ai_service_never_answers(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """No AI service on the bus at all: after DMB_AI_WAIT_SECONDS the job runs with Faker and completes."""
    settings = settings_for(backend, request, tmp_path, ai_wait_seconds=0.5)
    datasets = create_datasets_engine(settings.resolved_datasets_url())
    table_for(SPEC, settings.datasets_schema).create(datasets)
    bus: MessageBus = create_bus("memory://")
    observer = Observer()

    async def observe(message: Message) -> None:
        observer.events.append(message)

    bus.subscribe("observer", ["generator.job.completed", "generator.job.failed"], observe)
    service = await build(settings, bus)
    await bus.start()
    await service.start()
    try:
        job_id = uuid.uuid4()
        await bus.publish(
            GenerateRows(job_id=job_id, table_id=uuid.uuid4(), table_version=1, spec=SPEC, rows=20, seed=3)
        )
        completed = await observer.completed(job_id)
    finally:
        await bus.close()
        await service.stop()

    assert completed.fallbacks == ["AI values did not arrive within 0.5 s; Faker used instead"]
    assert completed.rows == 20
    with datasets.connect() as conn:
        bios = conn.execute(sa.select(table_for(SPEC, settings.datasets_schema).c.bio)).scalars().all()
    datasets.dispose()
    assert len(bios) == 20
    assert any(bio for bio in bios)  # Faker's text, not empty
