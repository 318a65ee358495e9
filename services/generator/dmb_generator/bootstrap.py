"""Composition root of the generator service."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import RunningService, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.commands import CancelJob, GenerateChunk, GenerateRows, GenerateTables
from dmb_contracts.events import AIValuesFailed, AIValuesGenerated, JobCancelled, JobCompleted, JobFailed

from dmb_generator import batch_handlers, handlers
from dmb_generator.adapters.startup_lock import StartupLock
from dmb_generator.models import Base

NAME = "generator"
MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: BaseServiceSettings, bus: MessageBus, *, chunk_workers: int = 1) -> RunningService:
    database_url = settings.service_database_url(NAME)
    lock = await asyncio.to_thread(StartupLock.acquire, database_url)
    try:
        runtime = await build_runtime(NAME, database_url, Base.metadata, MIGRATIONS, bus)
    finally:
        await asyncio.to_thread(lock.release)
    deps = handlers.GeneratorDeps(
        runtime, create_datasets_engine(settings.resolved_datasets_url()), settings.datasets_schema
    )
    subscribe_handlers(
        bus,
        NAME,
        {
            GenerateRows: partial(handlers.generate_rows, deps=deps),
            CancelJob: partial(handlers.cancel_job, deps=deps),
            AIValuesGenerated: partial(handlers.ai_values_generated, deps=deps),
            AIValuesFailed: partial(handlers.ai_values_failed, deps=deps),
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
    return RunningService(NAME, runtime, engines=[deps.datasets])
