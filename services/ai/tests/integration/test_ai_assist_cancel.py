"""Cancel of the AI's help with definitions: a cancelled design or vocabulary stops its model call (the slot of
`ai.assist` frees at once) and its request is answered once, cancelled, never with a proposal."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmb_ai.adapters.chat_model import ModelEndpoint
from dmb_ai.bootstrap import AIService, build
from dmb_ai.settings import AISettings
from dmb_bus.inprocess import InProcessBus
from dmb_common.settings import BaseServiceSettings
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
)
from dmb_contracts.ai_assist import (
    ModelEndpoint as RequestedEndpoint,
)
from dmb_contracts.envelope import Message
from dmb_contracts.fields import TableSpec
from dmb_testing.chat_models import ScriptedChatModel, tool_reply
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import PrivateAttr, SecretStr

DESIGN = tool_reply(
    "DesignDraft",
    {
        "tables": [
            {
                "table_name": "genres",
                "fields": [
                    {"name": "id", "type": "integer", "primary_key": True},
                    {"name": "name", "type": "string", "max_length": 40},
                ],
            }
        ]
    },
)
TABLE = TableSpec.model_validate(
    {
        "table_name": "films",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "genre", "type": "string", "max_length": 40},
        ],
    }
)
# Long enough that no call times out while a test holds it.
SETTINGS = AISettings(_env_file=None, call_timeout_seconds=60)
ENDPOINT = RequestedEndpoint(base_url="http://model.internal:8080/v1", model="small-model")


class BlockingChatModel(ScriptedChatModel):
    """Answers from its script only once `release` is set; says when a call started and when one completed."""

    _started: asyncio.Event = PrivateAttr(default_factory=asyncio.Event)
    _release: asyncio.Event = PrivateAttr(default_factory=asyncio.Event)
    _completed: int = PrivateAttr(default=0)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._started.set()
        await self._release.wait()
        result = await super()._agenerate(messages, stop, run_manager, **kwargs)
        self._completed += 1
        return result


@dataclass
class Rig:
    service: AIService
    bus: InProcessBus
    models: list[BlockingChatModel]
    seen: list[Message] = field(default_factory=list)

    def answers(self, kind: type[Message] | tuple[type[Message], ...]) -> list[Message]:
        return [message for message in self.seen if isinstance(message, kind)]


async def until(condition: Callable[[], bool], within: float = 10) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the state is the service's own; it offers no event to await
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(tmp_path: Path) -> AsyncIterator[Rig]:
    """The AI service on SQLite and an in-process bus; every model it builds blocks until released."""
    settings = BaseServiceSettings(
        _env_file=None, data_dir=tmp_path, secret_key=SecretStr("a-test-platform-key"), ai_allow_private_endpoints=True
    )
    bus = InProcessBus()
    models: list[BlockingChatModel] = []

    def factory(endpoint: ModelEndpoint) -> BaseChatModel:
        models.append(BlockingChatModel(script=[DESIGN]))
        return models[-1]

    service = await build(settings, bus, ai_settings=SETTINGS, models=factory)
    rig = Rig(service, bus, models)

    async def collect(message: Message) -> None:
        rig.seen.append(message)

    bus.subscribe("test-observer", ["ai.#"], collect)
    await bus.start()
    await service.start()
    try:
        yield rig
    finally:
        await service.stop()
        await bus.close()


def design_request() -> RequestDesign:
    return RequestDesign(design_id=uuid.uuid4(), sentence="films and their genres", endpoint=ENDPOINT)


async def test_a_cancelled_design_abandons_its_model_call_and_is_answered_cancelled(tmp_path: Path) -> None:
    async with running(tmp_path) as rig:
        request = design_request()
        await rig.bus.publish(request)
        await until(lambda: bool(rig.models) and rig.models[0]._started.is_set())
        task = rig.service.assist.running[request.design_id]

        await rig.bus.publish(CancelDesign(design_id=request.design_id))
        await until(lambda: bool(rig.answers(DesignCancelled)))

        assert task.cancelled()
        assert request.design_id not in rig.service.assist.running
        rig.models[0]._release.set()  # were the call still alive, it would now complete
        await asyncio.sleep(0.1)
        assert rig.models[0]._completed == 0
        answers = rig.answers((DesignCancelled, DesignProposed, DesignFailed))

    (answer,) = answers  # cancelled, once, and no proposal
    assert isinstance(answer, DesignCancelled)
    assert answer.design_id == request.design_id


async def test_the_cancel_does_not_wait_behind_the_busy_assist_slots(tmp_path: Path) -> None:
    """The cancels travel on the service's main queue: both slots of `ai.assist` may hold the very requests."""
    async with running(tmp_path) as rig:
        requests = [design_request() for _ in range(3)]  # two take both slots of ai.assist, one waits
        for request in requests:
            await rig.bus.publish(request)
        await until(lambda: len(rig.service.assist.running) == 2)
        busy = next(iter(rig.service.assist.running))

        await rig.bus.publish(CancelDesign(design_id=busy))
        await until(lambda: bool(rig.answers(DesignCancelled)))
        # The freed slot takes the waiting request.
        waiting = {request.design_id for request in requests} - {busy}
        await until(lambda: set(rig.service.assist.running) == waiting)

    assert [answer.design_id for answer in rig.answers(DesignCancelled) if isinstance(answer, DesignCancelled)] == [
        busy
    ]


async def test_a_cancel_before_the_request_answers_it_cancelled_without_a_model_call(tmp_path: Path) -> None:
    async with running(tmp_path) as rig:
        request = RequestVocabulary(vocabulary_id=uuid.uuid4(), table=TABLE, field="genre", endpoint=ENDPOINT)
        await rig.bus.publish(CancelVocabulary(vocabulary_id=request.vocabulary_id))
        await until(lambda: request.vocabulary_id in rig.service.assist.cancelled_early)

        await rig.bus.publish(request)
        await until(lambda: bool(rig.answers(VocabularyCancelled)))
        await rig.bus.publish(request)  # redelivered: the inbox has it answered already
        await asyncio.sleep(0.2)
        answers = rig.answers((VocabularyCancelled, VocabularyProposed, VocabularyFailed))

    assert [type(answer) for answer in answers] == [VocabularyCancelled]
    assert rig.models == []  # no model was even built
