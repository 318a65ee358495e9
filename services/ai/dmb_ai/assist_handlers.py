"""Use cases of the AI's help with definitions: a table design, a column vocabulary. Each answers its command
with a proposal, a failure with the reason, or (cancelled by the user) a cancellation; it never changes a table
(the user applies a proposal).

The model call runs before the unit of work opens, so no database transaction waits on a model for minutes;
the inbox mark and the answer commit together, so a redelivered command emits one answer.

Cancel: each request's work runs as a task registered under its design / vocabulary id, and CancelDesign /
CancelVocabulary (on the service's main queue, since both `ai.assist` slots may be busy with the very request to
cancel) cancels that task: the model's HTTP call is abandoned and the slot frees at once. A cancel that arrives
before its request is remembered (in this process, see `RecentCancels`) and the request is answered cancelled
without a model call. With several AI replicas the cancel may reach another replica than the one running the
request; that one then finishes its model calls, and the gateway (which marked the record cancelled) ignores
the late answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from dmb_common.crypto import SecretBox
from dmb_common.endpoints import EndpointGuard
from dmb_common.runtime import ServiceRuntime
from dmb_contracts.ai_assist import (
    CancelDesign,
    CancelVocabulary,
    DesignCancelled,
    DesignFailed,
    DesignProposed,
    RequestDesign,
    RequestVocabulary,
    VocabularyCancelled,
    VocabularyFailed,
    VocabularyProposed,
    vocabulary_problem,
)
from dmb_contracts.ai_assist import ModelEndpoint as RequestedEndpoint
from dmb_contracts.envelope import Message
from langchain_core.language_models import BaseChatModel

from dmb_ai.adapters.chat_model import ModelEndpoint, build_chat_model
from dmb_ai.assistant import AssistantFailed
from dmb_ai.designer import design_tables
from dmb_ai.settings import AISettings
from dmb_ai.vocabularies import suggest_vocabulary

log = logging.getLogger(__name__)

NO_MODEL = "no AI model is configured: set your own with `dmb ai settings` (or ask the operator for a default)"

UNEXPECTED = "something went wrong on our side; it has been logged. Please try again"

#: Some variety in designs and vocabularies; value pools have their own settings.
ASSIST_TEMPERATURE = 0.3

ChatModelFactory = Callable[[ModelEndpoint], BaseChatModel]

#: How many cancels of requests not (yet) seen a process remembers. A cancel whose request ran elsewhere or was
#: answered already is never claimed; the oldest are forgotten, so the memory stays bounded.
REMEMBERED_CANCELS = 1024


class RecentCancels:
    """Ids cancelled before their request started here, oldest forgotten first."""

    def __init__(self, limit: int = REMEMBERED_CANCELS) -> None:
        self._ids: OrderedDict[UUID, None] = OrderedDict()
        self._limit = limit

    def add(self, key: UUID) -> None:
        self._ids[key] = None
        self._ids.move_to_end(key)
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)

    def take(self, key: UUID) -> bool:
        """True (once) when `key` was cancelled."""
        if key not in self._ids:
            return False
        del self._ids[key]
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._ids


@dataclass
class AssistDeps:
    runtime: ServiceRuntime
    box: SecretBox
    chat_model: ChatModelFactory
    timeout_seconds: float
    #: Which user base URLs may be called (checked again at call time: DNS answers change).
    guard: EndpointGuard = field(default_factory=lambda: EndpointGuard(allow_private=False))
    #: The work of each design / vocabulary under way in this process, by its id (what a cancel stops).
    running: dict[UUID, asyncio.Task[Message]] = field(default_factory=dict)
    #: Ids whose running task was cancelled by the user (not by the service stopping).
    cancelled: set[UUID] = field(default_factory=set)
    #: Ids cancelled before their request arrived here.
    cancelled_early: RecentCancels = field(default_factory=RecentCancels)


async def _checked(endpoint: ModelEndpoint, deps: AssistDeps) -> ModelEndpoint:
    refused = await deps.guard.problem(endpoint.base_url)
    if refused is not None:
        raise AssistantFailed(refused)
    return endpoint


def open_endpoint(endpoint: RequestedEndpoint | None, box: SecretBox) -> ModelEndpoint:
    """The endpoint with its key opened, in memory only; AssistantFailed when there is none or the key is sealed
    with another platform key."""
    if endpoint is None:
        raise AssistantFailed(NO_MODEL)
    key = None
    if endpoint.api_key_encrypted is not None:
        try:
            key = box.open(endpoint.api_key_encrypted)
        except ValueError as error:
            raise AssistantFailed(
                "the stored API key cannot be read any more; set it again in your AI settings"
            ) from error
    return ModelEndpoint(base_url=endpoint.base_url, model=endpoint.model, api_key=key)


def assist_deps(
    settings: AISettings,
    runtime: ServiceRuntime,
    secrets: SecretBox,
    models: ChatModelFactory | None = None,
    guard: EndpointGuard | None = None,
) -> AssistDeps:
    """`models` is what tests inject; else ChatOpenAI with the service's limits and a cooler temperature."""

    def chat_model(endpoint: ModelEndpoint) -> BaseChatModel:
        return build_chat_model(
            endpoint,
            max_tokens=settings.max_tokens,
            temperature=ASSIST_TEMPERATURE,
            timeout_seconds=settings.call_timeout_seconds,
        )

    return AssistDeps(
        runtime,
        secrets,
        models or chat_model,
        settings.call_timeout_seconds,
        guard or EndpointGuard.of(False, settings.base_url),
    )


def handlers(deps: AssistDeps) -> dict[type[Message], Callable[[Any], Awaitable[None]]]:
    """The requests (queue `ai.assist`)."""
    return {
        RequestDesign: partial(design_requested, deps=deps),
        RequestVocabulary: partial(vocabulary_requested, deps=deps),
    }


def cancel_handlers(deps: AssistDeps) -> dict[type[Message], Callable[[Any], Awaitable[None]]]:
    """The cancels (the service's main queue: never behind the requests they stop)."""
    return {
        CancelDesign: partial(design_cancelled, deps=deps),
        CancelVocabulary: partial(vocabulary_cancelled, deps=deps),
    }


async def design_requested(command: RequestDesign, deps: AssistDeps) -> None:
    await _run(
        command,
        command.design_id,
        partial(_design, command, deps),
        DesignCancelled(design_id=command.design_id),
        deps,
    )


async def vocabulary_requested(command: RequestVocabulary, deps: AssistDeps) -> None:
    await _run(
        command,
        command.vocabulary_id,
        partial(_vocabulary, command, deps),
        VocabularyCancelled(vocabulary_id=command.vocabulary_id),
        deps,
    )


async def design_cancelled(command: CancelDesign, deps: AssistDeps) -> None:
    _cancel(command.design_id, "design", deps)


async def vocabulary_cancelled(command: CancelVocabulary, deps: AssistDeps) -> None:
    _cancel(command.vocabulary_id, "vocabulary", deps)


def _cancel(key: UUID, what: str, deps: AssistDeps) -> None:
    task = deps.running.get(key)
    if task is None:
        # Not started here (yet): its request, should it come, is answered cancelled without a model call. (Or
        # answered already, or running on another replica: then nothing is left to stop here.)
        deps.cancelled_early.add(key)
        log.info("%s %s cancelled before it started here", what, key)
        return
    deps.cancelled.add(key)
    log.info("%s %s cancelled: stopping its model calls", what, key)
    task.cancel()


async def _run(
    command: RequestDesign | RequestVocabulary,
    key: UUID,
    work: Callable[[], Coroutine[Any, Any, Message]],
    cancelled: Message,
    deps: AssistDeps,
) -> None:
    """Run `work` as the task a cancel of `key` stops, and answer with its outcome (or `cancelled`)."""
    async with deps.runtime.uow() as uow:
        if await uow.processed(command):
            return  # a redelivery of an answered request: no model call for an answer nobody takes
    # No await from here until the task is registered, so two deliveries of one request cannot both start it.
    if key in deps.running:
        return  # a redelivery while the first delivery still runs here: that one answers
    if deps.cancelled_early.take(key):
        await _answer(deps, command, cancelled)
        return
    task: asyncio.Task[Message] = asyncio.create_task(work(), name=f"ai-assist:{key}")
    deps.running[key] = task
    try:
        answer = await task
    except asyncio.CancelledError:
        if key not in deps.cancelled:
            raise  # the service is stopping: the command is not acknowledged and comes again
        answer = cancelled
    finally:
        deps.running.pop(key, None)
        deps.cancelled.discard(key)
    await _answer(deps, command, answer)


async def _design(command: RequestDesign, deps: AssistDeps) -> DesignProposed | DesignFailed:
    try:
        model = deps.chat_model(await _checked(open_endpoint(command.endpoint, deps.box), deps))
        design = await design_tables(model, command.sentence, command.locale, timeout_seconds=deps.timeout_seconds)
        return DesignProposed(
            design_id=command.design_id,
            tables=design.result.tables,
            notes=design.result.notes,
            attempts=design.attempts,
            seconds=round(design.seconds, 3),
        )
    except AssistantFailed as failure:
        return DesignFailed(design_id=command.design_id, reason=str(failure))
    except Exception:  # a bug of ours must not leave the design pending for ever
        log.exception("table design %s failed unexpectedly", command.design_id)
        return DesignFailed(design_id=command.design_id, reason=UNEXPECTED)


async def _vocabulary(command: RequestVocabulary, deps: AssistDeps) -> VocabularyProposed | VocabularyFailed:
    field = command.table.field(command.field)
    try:
        problem = vocabulary_problem(field)
        if problem is not None:
            raise AssistantFailed(problem)
        model = deps.chat_model(await _checked(open_endpoint(command.endpoint, deps.box), deps))
        vocabulary = await suggest_vocabulary(
            model, command.table, field, command.locale, command.context, timeout_seconds=deps.timeout_seconds
        )
        return VocabularyProposed(
            vocabulary_id=command.vocabulary_id,
            field=field.name,
            values=list(vocabulary.result.values),
            weights=vocabulary.result.weights,
            notes=vocabulary.result.notes,
            attempts=vocabulary.attempts,
            seconds=round(vocabulary.seconds, 3),
        )
    except AssistantFailed as failure:
        return VocabularyFailed(vocabulary_id=command.vocabulary_id, reason=str(failure))
    except Exception:  # a bug of ours must not leave the vocabulary pending for ever
        log.exception("vocabulary %s failed unexpectedly", command.vocabulary_id)
        return VocabularyFailed(vocabulary_id=command.vocabulary_id, reason=UNEXPECTED)


async def _answer(deps: AssistDeps, command: Message, answer: Message) -> None:
    async with deps.runtime.uow() as uow:
        if not await uow.claim(command):
            return
        uow.emit(answer, command)
        await uow.commit()
    log.info("%s answered with %s", command.type, answer.type)
