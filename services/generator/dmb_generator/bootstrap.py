"""Composition root of the generator service."""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import PeriodicTask, RunningService, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.commands import CancelJob, GenerateChunk, GenerateRows, GenerateTables, PreviewRows
from dmb_contracts.events import (
    AIValuesFailed,
    AIValuesGenerated,
    AIValuesProgressed,
    JobCancelled,
    JobCompleted,
    JobFailed,
)

from dmb_generator import batch_handlers, handlers, preview
from dmb_generator.adapters.startup_lock import StartupLock
from dmb_generator.models import Base

NAME = "generator"
MIGRATIONS = Path(__file__).parent / "migrations"


class GeneratorService(RunningService):
    """The generator's handlers plus the sweep that starts, with Faker, the jobs whose AI values are overdue."""

    def __init__(self, deps: handlers.GeneratorDeps) -> None:
        # The clock is read at each run, so a test may replace deps.clock after build.
        sweep = PeriodicTask(
            "generator-ai-deadline-sweep",
            ai_sweep_seconds(deps.ai_wait),
            lambda: handlers.resume_overdue_ai_jobs(deps, deps.clock()),
        )
        super().__init__(NAME, deps.runtime, engines=[deps.datasets], periodic=[sweep])
        self.deps = deps


def ai_sweep_seconds(wait: dt.timedelta) -> float:
    """How often to look for overdue jobs: a quarter of the wait, so a job is late by at most that much more,
    but no more often than every second (it is a database query) nor less often than every 30 s."""
    return max(1.0, min(30.0, wait.total_seconds() / 4))


async def build(settings: BaseServiceSettings, bus: MessageBus, *, chunk_workers: int = 1) -> GeneratorService:
    database_url = settings.service_database_url(NAME)
    lock = await asyncio.to_thread(StartupLock.acquire, database_url)
    try:
        runtime = await build_runtime(NAME, database_url, Base.metadata, MIGRATIONS, bus)
    finally:
        await asyncio.to_thread(lock.release)
    deps = handlers.GeneratorDeps(
        runtime,
        create_datasets_engine(settings.resolved_datasets_url()),
        settings.datasets_schema,
        ai_wait=dt.timedelta(seconds=settings.ai_wait_seconds),
    )
    subscribe_handlers(
        bus,
        NAME,
        {
            GenerateRows: partial(handlers.generate_rows, deps=deps),
            CancelJob: partial(handlers.cancel_job, deps=deps),
            AIValuesGenerated: partial(handlers.ai_values_generated, deps=deps),
            AIValuesFailed: partial(handlers.ai_values_failed, deps=deps),
            AIValuesProgressed: partial(handlers.ai_values_progressed, deps=deps),
            GenerateTables: partial(batch_handlers.generate_tables, deps=deps),
            # A batch starts its next table's job when the previous one's has ended.
            JobCompleted: partial(batch_handlers.batch_job_finished, deps=deps),
            JobFailed: partial(batch_handlers.batch_job_finished, deps=deps),
            JobCancelled: partial(batch_handlers.batch_job_finished, deps=deps),
        },
    )
    # Chunks are long and CPU-bound: a small prefetch spreads them over every generator process.
    subscribe_handlers(
        bus, f"{NAME}.chunks", {GenerateChunk: partial(handlers.generate_one_chunk, deps=deps)}, prefetch=chunk_workers
    )
    # Previews are a few rows a person waits for: their own queue, so they never wait behind a job's start.
    subscribe_handlers(bus, f"{NAME}.previews", {PreviewRows: partial(preview.preview_rows, deps=deps)}, prefetch=4)
    return GeneratorService(deps)
