"""Use cases of the AI's help with definitions: a table design, a column vocabulary. Each answers its command
with a proposal or a failure with the reason; it never changes a table (the user applies a proposal).

The model call runs before the unit of work opens, so no database transaction waits on a model for minutes;
the inbox mark and the answer commit together, so a redelivered command emits one answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from dmb_common.crypto import SecretBox
from dmb_common.endpoints import EndpointGuard
from dmb_common.runtime import ServiceRuntime
from dmb_contracts.ai_assist import (
    DesignFailed,
    DesignProposed,
    RequestDesign,
    RequestVocabulary,
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


@dataclass
class AssistDeps:
    runtime: ServiceRuntime
    box: SecretBox
    chat_model: ChatModelFactory
    timeout_seconds: float
    #: Which user base URLs may be called (checked again at call time: DNS answers change).
    guard: EndpointGuard = field(default_factory=lambda: EndpointGuard(allow_private=False))


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
    return {
        RequestDesign: partial(design_requested, deps=deps),
        RequestVocabulary: partial(vocabulary_requested, deps=deps),
    }


async def design_requested(command: RequestDesign, deps: AssistDeps) -> None:
    answer: DesignProposed | DesignFailed
    try:
        model = deps.chat_model(await _checked(open_endpoint(command.endpoint, deps.box), deps))
        design = await design_tables(model, command.sentence, command.locale, timeout_seconds=deps.timeout_seconds)
        answer = DesignProposed(
            design_id=command.design_id,
            tables=design.result.tables,
            notes=design.result.notes,
            attempts=design.attempts,
            seconds=round(design.seconds, 3),
        )
    except AssistantFailed as failure:
        answer = DesignFailed(design_id=command.design_id, reason=str(failure))
    except Exception:  # a bug of ours must not leave the design pending for ever
        log.exception("table design %s failed unexpectedly", command.design_id)
        answer = DesignFailed(design_id=command.design_id, reason=UNEXPECTED)
    await _answer(deps, command, answer)


async def vocabulary_requested(command: RequestVocabulary, deps: AssistDeps) -> None:
    answer: VocabularyProposed | VocabularyFailed
    field = command.table.field(command.field)
    try:
        problem = vocabulary_problem(field)
        if problem is not None:
            raise AssistantFailed(problem)
        model = deps.chat_model(await _checked(open_endpoint(command.endpoint, deps.box), deps))
        vocabulary = await suggest_vocabulary(
            model, command.table, field, command.locale, command.context, timeout_seconds=deps.timeout_seconds
        )
        answer = VocabularyProposed(
            vocabulary_id=command.vocabulary_id,
            field=field.name,
            values=list(vocabulary.result.values),
            weights=vocabulary.result.weights,
            notes=vocabulary.result.notes,
            attempts=vocabulary.attempts,
            seconds=round(vocabulary.seconds, 3),
        )
    except AssistantFailed as failure:
        answer = VocabularyFailed(vocabulary_id=command.vocabulary_id, reason=str(failure))
    except Exception:  # a bug of ours must not leave the vocabulary pending for ever
        log.exception("vocabulary %s failed unexpectedly", command.vocabulary_id)
        answer = VocabularyFailed(vocabulary_id=command.vocabulary_id, reason=UNEXPECTED)
    await _answer(deps, command, answer)


async def _answer(deps: AssistDeps, command: Message, answer: Message) -> None:
    async with deps.runtime.uow() as uow:
        if not await uow.claim(command):
            return
        uow.emit(answer, command)
        await uow.commit()
    log.info("%s answered with %s", command.type, answer.type)
