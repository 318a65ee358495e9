"""Composition root of the exporter service."""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import PeriodicTask, RunningService, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings, build_object_store
from dmb_common.storage import ObjectStore
from dmb_contracts.commands import RequestExport

from dmb_exporter import handlers
from dmb_exporter.adapters.temp_files import ExportTempFiles
from dmb_exporter.models import Base

NAME = "exporter"
MIGRATIONS = Path(__file__).parent / "migrations"


class ExporterService(RunningService):
    """The exporter's handlers plus, when a retention period is set, the sweep that expires old exports."""

    def __init__(self, deps: handlers.ExporterDeps, sweep_seconds: float, temp_sweep_seconds: float = 600) -> None:
        # The clock is read at each run, so a test may replace deps.clock after build.
        sweep = PeriodicTask(
            "exporter-retention-sweep", sweep_seconds, lambda: handlers.expire_exports(deps, deps.clock())
        )
        # Runs at start-up first: what a crashed exporter left in the temp folder goes before any new export.
        temp_sweep = PeriodicTask(
            "exporter-temp-files-sweep", temp_sweep_seconds, lambda: asyncio.to_thread(deps.temp_files.sweep)
        )
        periodic = [temp_sweep, sweep] if deps.retention is not None else [temp_sweep]
        super().__init__(NAME, deps.runtime, engines=[deps.datasets], periodic=periodic)
        self.deps = deps


async def build(settings: BaseServiceSettings, bus: MessageBus, *, store: ObjectStore | None = None) -> ExporterService:
    """The exporter, subscribed to its commands; `store` replaces the object store the settings describe."""
    runtime = await build_runtime(NAME, settings.service_database_url(NAME), Base.metadata, MIGRATIONS, bus)
    deps = handlers.ExporterDeps(
        runtime,
        create_datasets_engine(settings.resolved_datasets_url()),
        settings.datasets_schema,
        store or build_object_store(settings),
        upload_attempts=settings.export_upload_attempts,
        upload_first_delay=settings.export_upload_first_delay,
        retention=dt.timedelta(days=settings.export_retention_days) if settings.export_retention_days > 0 else None,
        temp_files=ExportTempFiles(settings.export_temp_dir),
    )
    subscribe_handlers(bus, NAME, {RequestExport: partial(handlers.request_export, deps=deps)}, prefetch=2)
    return ExporterService(deps, settings.export_retention_sweep_seconds, settings.export_temp_sweep_seconds)
