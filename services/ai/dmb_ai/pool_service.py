"""The use case behind an AI request: which endpoint, the cache, the workflow under its limits, the answer.

Every failure becomes a reason in plain words (no key, a refused key, the network, a timeout, the rate
limit, the budget, invalid output after the retries): the generator then fills the fields with Faker and
shows the reason on the job. Nothing here raises for a model's sake.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from dmb_common.crypto import SecretBox
from dmb_common.endpoints import EndpointGuard
from dmb_common.runtime import ServiceRuntime
from dmb_contracts.events import AIValuesRequested
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver

from dmb_ai.adapters.chat_model import ModelEndpoint, build_chat_model
from dmb_ai.adapters.pool_cache import PoolCache, cache_key
from dmb_ai.domain.briefs import RequestBrief, analyze, code_notes
from dmb_ai.domain.code_pools import with_identifier_pools
from dmb_ai.domain.composing import composable
from dmb_ai.domain.pools import PoolRequest, PoolResult
from dmb_ai.settings import AISettings
from dmb_ai.workflow import Progress, make_pools

log = logging.getLogger(__name__)

ModelFactory = Callable[[ModelEndpoint], BaseChatModel]


class NoEndpoint(Exception):
    """The request cannot reach any model (no key anywhere, or a key this platform cannot decrypt)."""


@dataclass
class AIDeps:
    runtime: ServiceRuntime
    settings: AISettings
    secrets: SecretBox
    cache: PoolCache
    #: Builds the chat model for an endpoint (tests inject scripted models here).
    models: ModelFactory
    checkpointer: BaseCheckpointSaver[Any] | None = None
    #: Model calls of this process at once, over every request.
    call_limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    #: The request under way for each job, so a cancel of the job stops its model calls.
    running: dict[UUID, asyncio.Task[PoolResult]] = field(default_factory=dict)
    #: Jobs whose cancel stopped their request (told apart from the service stopping).
    cancelled: set[UUID] = field(default_factory=set)
    #: Which user base URLs may be called (checked again at call time: DNS answers change).
    guard: EndpointGuard = field(default_factory=lambda: EndpointGuard(allow_private=False))


def openai_models(settings: AISettings) -> ModelFactory:
    def build(endpoint: ModelEndpoint) -> BaseChatModel:
        return build_chat_model(
            endpoint,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            timeout_seconds=settings.call_timeout_seconds,
        )

    return build


def resolve_endpoint(event: AIValuesRequested, settings: AISettings, secrets: SecretBox) -> ModelEndpoint:
    """The job's own endpoint when it names one (a key or a base URL), else the operator's default."""
    if event.api_key_encrypted or event.base_url:
        try:
            key = secrets.open(event.api_key_encrypted) if event.api_key_encrypted else None
        except ValueError as exc:
            raise NoEndpoint("the job's API key cannot be decrypted with this platform's key") from exc
        return ModelEndpoint(base_url=event.base_url, model=event.model, api_key=key)
    if settings.api_key is None and settings.base_url is None:
        raise NoEndpoint("no API key: give one with the job, or set DMB_AI_API_KEY for the platform")
    return ModelEndpoint(base_url=settings.base_url, model=settings.model, api_key=settings.api_key)


def pool_request(event: AIValuesRequested) -> PoolRequest:
    rows = event.rows if event.rows is not None and event.rows > event.count else None
    return PoolRequest(
        table=event.table,
        fields=event.fields,
        count=event.count,
        context=event.context,
        locale=event.locale,
        rows=rows,
        seed=event.seed,
    )


async def produce_pools(event: AIValuesRequested, deps: AIDeps, on_progress: Progress | None = None) -> PoolResult:
    """The pools for `event`: from code alone, from the cache, or from the workflow, with the identifiers code
    makes (ISBNs, IBANs, …) added to any of them; never raises for AI."""
    request = pool_request(event)
    brief = analyze(request.table, request.fields, request.context, request.locale)
    result = await _model_pools(event, request, brief, deps, on_progress)
    # Drawing a few thousand identifiers takes a moment: off the event loop, which serves other jobs meanwhile.
    return await asyncio.to_thread(with_identifier_pools, result, brief, request)


async def _model_pools(
    event: AIValuesRequested,
    request: PoolRequest,
    brief: RequestBrief,
    deps: AIDeps,
    on_progress: Progress | None,
) -> PoolResult:
    """The pools of the fields the model writes: from the cache or the workflow (none: only code's notes)."""
    if not brief.fields:
        return PoolResult(notes=code_notes(brief))
    try:
        endpoint = resolve_endpoint(event, deps.settings, deps.secrets)
    except NoEndpoint as exc:
        return PoolResult(notes=code_notes(brief), failure=str(exc))
    refused = await deps.guard.problem(endpoint.base_url)
    if refused is not None:
        return PoolResult(notes=code_notes(brief), failure=refused)
    key = cache_key(brief, endpoint)
    cached = await _cached(deps.cache, key, request, brief)
    if cached is not None:
        return cached
    timeout = deps.settings.request_timeout_seconds
    try:
        async with asyncio.timeout(timeout):
            result = await make_pools(
                request,
                deps.models(endpoint),
                deps.settings.limits(),
                checkpointer=deps.checkpointer,
                thread_id=str(event.request_id) if deps.checkpointer is not None else None,
                call_limit=deps.call_limit,
                on_progress=on_progress,
            )
    except TimeoutError:
        return PoolResult(notes=code_notes(brief), failure=f"the AI request took longer than {timeout:g} s")
    if result.failure is None and result.pools:
        names = list(result.pools)
        rows = [dict(zip(names, values, strict=True)) for values in zip(*result.pools.values(), strict=True)]
        await deps.cache.store(key, endpoint.model, rows, result.compositions)
    return result


async def _cached(cache: PoolCache, key: str, request: PoolRequest, brief: RequestBrief) -> PoolResult | None:
    """The result from the cache when it holds enough rows (and the compositions the job's rows need)."""
    rows_needed = request.rows
    composed = {b.field.name: rows_needed for b in brief.fields if rows_needed and composable(b.field)}
    cached = await cache.pools(key, request.count, composed)
    if cached is None:
        return None
    rows = cached.rows[: request.count]
    pools = {b.field.name: [row.get(b.field.name) for row in rows] for b in brief.fields}
    compositions = {name: cached.compositions[name] for name in composed}
    return PoolResult(pools=pools, compositions=compositions, notes=code_notes(brief))
