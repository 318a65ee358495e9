"""Composition root of the AI service."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from pathlib import Path

from dmb_bus.base import MessageBus
from dmb_common.crypto import SecretBox
from dmb_common.endpoints import EndpointGuard
from dmb_common.runtime import RunningService, build_runtime, subscribe_handlers
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.events import AIValuesRequested, JobCancelled

from dmb_ai import assist_handlers, handlers
from dmb_ai.adapters.checkpoints import open_checkpointer
from dmb_ai.adapters.pool_cache import PoolCache
from dmb_ai.models import Base
from dmb_ai.pool_service import AIDeps, ModelFactory, openai_models
from dmb_ai.settings import AISettings

NAME = "ai"
ASSIST_QUEUE = "ai.assist"
MIGRATIONS = Path(__file__).parent / "migrations"


class AIService(RunningService):
    """The AI handlers, the checkpointer they resume from, and the requests a previous run left unanswered
    (resumed at start)."""

    def __init__(self, deps: AIDeps, assist: assist_handlers.AssistDeps, resources: contextlib.AsyncExitStack) -> None:
        super().__init__(NAME, deps.runtime)
        self.deps = deps
        self.assist = assist
        self._resources = resources
        self._resumed: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await super().start()
        for event in await handlers.unanswered(self.deps):
            task = asyncio.create_task(handlers.resume(event, self.deps), name=f"ai-resume:{event.request_id}")
            self._resumed.add(task)
            task.add_done_callback(self._resumed.discard)

    async def stop(self) -> None:
        for task in list(self._resumed):
            task.cancel()
        await asyncio.gather(*self._resumed, return_exceptions=True)
        for running in list(self.deps.running.values()):
            running.cancel()
        await asyncio.gather(*self.deps.running.values(), return_exceptions=True)
        # Designs and vocabularies under way are not answered: their commands come again at the next start.
        for work in list(self.assist.running.values()):
            work.cancel()
        await asyncio.gather(*self.assist.running.values(), return_exceptions=True)
        await super().stop()
        await self._resources.aclose()


async def build(
    settings: BaseServiceSettings,
    bus: MessageBus,
    *,
    ai_settings: AISettings | None = None,
    models: ModelFactory | None = None,
) -> AIService:
    ai = ai_settings or AISettings()
    database_url = settings.service_database_url(NAME)
    runtime = await build_runtime(NAME, database_url, Base.metadata, MIGRATIONS, bus)
    resources = contextlib.AsyncExitStack()
    checkpointer = await resources.enter_async_context(open_checkpointer(database_url))
    deps = AIDeps(
        runtime,
        ai,
        SecretBox(settings.secret_key),
        PoolCache(runtime.sessions),
        models or openai_models(ai),
        checkpointer=checkpointer,
        call_limit=asyncio.Semaphore(ai.max_concurrent_calls),
        guard=EndpointGuard.of(settings.ai_private_endpoints_allowed(), ai.base_url, settings.ai_base_url),
    )
    assist = assist_handlers.assist_deps(ai, runtime, deps.secrets, models, deps.guard)
    subscribe_handlers(
        bus,
        NAME,
        {
            AIValuesRequested: partial(handlers.values_requested, deps=deps),
            JobCancelled: partial(handlers.job_cancelled, deps=deps),
            # The cancels of designs and vocabularies come here, not on `ai.assist`: both of its slots may be
            # busy with the very requests to cancel.
            **assist_handlers.cancel_handlers(assist),
        },
    )
    # Designs and vocabularies on a queue of their own: a minutes-long design must not hold up value pools.
    subscribe_handlers(bus, ASSIST_QUEUE, assist_handlers.handlers(assist), prefetch=2)
    return AIService(deps, assist, resources)
