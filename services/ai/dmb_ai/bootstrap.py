"""Composition root of the AI service."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_common.runtime import RunningService, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.events import AIValuesRequested

from dmb_ai import assist_handlers, handlers
from dmb_ai.models import Base

NAME = "ai"
ASSIST_QUEUE = "ai.assist"
MIGRATIONS = Path(__file__).parent / "migrations"


async def build(settings: BaseServiceSettings, bus: MessageBus) -> RunningService:
    runtime = await build_runtime(NAME, settings.service_database_url(NAME), Base.metadata, MIGRATIONS, bus)
    deps = handlers.AIDeps(runtime)
    subscribe_handlers(bus, NAME, {AIValuesRequested: partial(handlers.values_requested, deps=deps)})
    # Designs and vocabularies on a queue of their own: a minutes-long design must not hold up value pools.
    assist = assist_handlers.assist_deps(settings, runtime)
    subscribe_handlers(bus, ASSIST_QUEUE, assist_handlers.handlers(assist), prefetch=2)
    return RunningService(NAME, runtime)
