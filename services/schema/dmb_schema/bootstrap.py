"""Composition root of the schema service: settings → adapters → handlers on the bus."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_common.datasets import create_datasets_engine
from dmb_common.runtime import RunningService, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.commands import AlterTable, CreateTable, CreateTableSet, DropTable, RestoreTable

from dmb_schema import handlers, table_sets
from dmb_schema.adapters.datasets_ddl import DatasetsDDL
from dmb_schema.models import Base

NAME = "schema"
MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: BaseServiceSettings, bus: MessageBus) -> RunningService:
    runtime = await build_runtime(NAME, settings.service_database_url(NAME), Base.metadata, MIGRATIONS, bus)
    ddl = DatasetsDDL(create_datasets_engine(settings.resolved_datasets_url()), settings.datasets_schema)
    await asyncio.to_thread(ddl.ensure_schema)
    deps = handlers.SchemaDeps(runtime, ddl)
    subscribe_handlers(
        bus,
        NAME,
        {
            CreateTable: partial(handlers.create_table, deps=deps),
            CreateTableSet: partial(table_sets.create_table_set, deps=deps),
            AlterTable: partial(handlers.alter_table, deps=deps),
            RestoreTable: partial(handlers.restore_table, deps=deps),
            DropTable: partial(handlers.drop_table, deps=deps),
        },
        prefetch=4,
    )
    return RunningService(NAME, runtime, engines=[ddl.engine])
