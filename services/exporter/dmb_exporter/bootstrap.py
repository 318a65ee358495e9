"""Composition root of the exporter service."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import RunningService, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings, build_object_store
from dmb_common.storage import ObjectStore
from dmb_contracts.commands import RequestExport

from dmb_exporter import handlers
from dmb_exporter.models import Base

NAME = "exporter"
MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: BaseServiceSettings, bus: MessageBus, *, store: ObjectStore | None = None) -> RunningService:
    """The exporter, subscribed to its commands; `store` replaces the object store the settings describe."""
    runtime = await build_runtime(NAME, settings.service_database_url(NAME), Base.metadata, MIGRATIONS, bus)
    deps = handlers.ExporterDeps(
        runtime,
        create_datasets_engine(settings.resolved_datasets_url()),
        settings.datasets_schema,
        store or build_object_store(settings),
        upload_attempts=settings.export_upload_attempts,
        upload_first_delay=settings.export_upload_first_delay,
    )
    subscribe_handlers(bus, NAME, {RequestExport: partial(handlers.request_export, deps=deps)}, prefetch=2)
    return RunningService(NAME, runtime, engines=[deps.datasets])
