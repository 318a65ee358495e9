"""The AI service as the generator sees it: an AIValuesRequested in, an AIValuesGenerated or AIValuesFailed
out (never an error), progress on the way, the cache, cancel, restart, and keys that never leak."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx  # the HTTP client openai is built on
import openai
import pytest
import sqlalchemy as sa
from dmb_ai.adapters.chat_model import ModelEndpoint
from dmb_ai.bootstrap import AIService, build
from dmb_ai.models import AIRequest
from dmb_ai.settings import AISettings
from dmb_bus.inprocess import InProcessBus
from dmb_common.crypto import SecretBox
from dmb_common.endpoints import EndpointGuard
from dmb_common.settings import BaseServiceSettings
from dmb_contracts.envelope import Message
from dmb_contracts.events import (
    AIValuesFailed,
    AIValuesGenerated,
    AIValuesProgressed,
    AIValuesRequested,
    JobCancelled,
)
from dmb_contracts.fields import FieldSpec, TableSpec
from dmb_testing.chat_models import ScriptedChatModel, Stall, values_reply
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr
from stdnum import isbn

KEY = "sk-test-DO-NOT-LEAK-0123456789"
TITLES = [
    "Der Schatten des Windes",
    "Die Vermessung der Welt",
    "Das Parfum des Gärtners",
    "Im Westen nichts Neues",
    "Die unendliche Geschichte",
    "Der Vorleser am Fluss",
    "Tschick und die Sommerferien",
    "Der Hals der Giraffe",
]
TABLE = TableSpec.model_validate(
    {
        "table_name": "books",
        "description": "Bücher einer Buchhandlung in Berlin",
        "fields": [
            {"name": "id", "type": "integer", "primary_key": True},
            {"name": "title", "type": "string", "max_length": 60, "generator": {"kind": "ai"}},
        ],
    }
)
SETTINGS = AISettings(_env_file=None, batch_size=4, max_retries=1, call_timeout_seconds=5)


@dataclass
class Rig:
    service: AIService
    bus: InProcessBus
    box: SecretBox
    models: list[ScriptedChatModel]
    endpoints: list[ModelEndpoint]
    seen: list[Message] = field(default_factory=list)

    def request(
        self, *, key: str | None = KEY, count: int = 8, context: str = "eine Buchhandlung in Berlin"
    ) -> AIValuesRequested:
        job_id = uuid.uuid4()
        return AIValuesRequested(
            request_id=job_id,
            job_id=job_id,
            table=TABLE,
            fields=[TABLE.field("title")],
            count=count,
            locale="de_DE",
            context=context,
            base_url="http://model.internal:8080/v1",
            model="small-model",
            api_key_encrypted=self.box.seal(key) if key else None,
        )

    async def answer(self, event: AIValuesRequested, within: float = 20) -> AIValuesGenerated | AIValuesFailed:
        await self.bus.publish(event)
        await until(lambda: self._answer_to(event) is not None, within)
        answer = self._answer_to(event)
        assert answer is not None
        return answer

    def _answer_to(self, event: AIValuesRequested) -> AIValuesGenerated | AIValuesFailed | None:
        for message in self.seen:
            if isinstance(message, AIValuesGenerated | AIValuesFailed) and message.job_id == event.job_id:
                return message
        return None


async def until(condition: Callable[[], bool], within: float = 20) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the state is the service's own; it offers no event to await
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, scripts: list[list[Any]], database_url: str | None = None, *, allow_private: bool = True
) -> AsyncIterator[Rig]:
    """The AI service on its own database (SQLite unless `database_url`) and an in-process bus; each model it
    builds plays the next script (the last one again when they run out)."""
    settings = BaseServiceSettings(
        _env_file=None,
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=SecretStr("a-test-platform-key"),
        ai_allow_private_endpoints=allow_private,
    )
    bus = InProcessBus()
    models: list[ScriptedChatModel] = []
    endpoints: list[ModelEndpoint] = []

    def factory(endpoint: ModelEndpoint) -> BaseChatModel:
        endpoints.append(endpoint)
        models.append(ScriptedChatModel(script=scripts[min(len(models), len(scripts) - 1)]))
        return models[-1]

    service = await build(settings, bus, ai_settings=SETTINGS, models=factory)
    rig = Rig(service, bus, SecretBox(settings.secret_key), models, endpoints)

    async def collect(message: Message) -> None:
        rig.seen.append(message)

    bus.subscribe("test-observer", ["ai.#", "generator.#"], collect)
    await bus.start()
    await service.start()
    try:
        yield rig
    finally:
        await service.stop()
        await bus.close()


async def test_a_request_is_answered_with_validated_values_and_progress(tmp_path: Path) -> None:
    async with running(
        tmp_path, [[values_reply("title", [*TITLES[:4], "Buch 1"]), values_reply("title", TITLES[4:])]]
    ) as rig:
        answer = await rig.answer(rig.request())

    assert isinstance(answer, AIValuesGenerated)
    assert answer.values == {"title": TITLES}
    progress = [(m.made, m.needed) for m in rig.seen if isinstance(m, AIValuesProgressed)]
    assert progress == [(0, 8), (4, 8), (8, 8)]
    assert rig.endpoints[0].model == "small-model"
    assert rig.endpoints[0].api_key is not None
    assert rig.endpoints[0].api_key.get_secret_value() == KEY


async def test_a_repeated_request_is_answered_from_the_cache_without_a_model_call(tmp_path: Path) -> None:
    async with running(tmp_path, [[values_reply("title", TITLES)]]) as rig:
        first = await rig.answer(rig.request())
        second = await rig.answer(rig.request())
        smaller = await rig.answer(rig.request(count=3))

    assert isinstance(second, AIValuesGenerated)
    assert isinstance(first, AIValuesGenerated)
    assert second.values == first.values
    assert isinstance(smaller, AIValuesGenerated)
    assert smaller.values == {"title": TITLES[:3]}
    assert sum(len(model.prompts) for model in rig.models) == 1  # the first request's one call


async def test_without_any_key_the_fields_fall_back_with_the_reason(tmp_path: Path) -> None:
    async with running(tmp_path, [[values_reply("title", TITLES)]]) as rig:
        event = rig.request(key=None).model_copy(update={"base_url": None})
        answer = await rig.answer(event)

    assert isinstance(answer, AIValuesFailed)
    assert answer.reason == "no API key: give one with the job, or set DMB_AI_API_KEY for the platform"
    assert rig.models == []


ISBN = {"name": "isbn", "type": "string", "max_length": 13, "unique": True, "generator": {"kind": "ai"}}


def with_isbn(event: AIValuesRequested, seed: int) -> AIValuesRequested:
    table = TABLE.model_copy(update={"fields": [*TABLE.fields, FieldSpec.model_validate(ISBN)]})
    return event.model_copy(update={"table": table, "fields": [*event.fields, table.field("isbn")], "seed": seed})


async def test_isbns_are_made_by_code_beside_the_models_titles_and_repeat_with_the_seed(tmp_path: Path) -> None:
    async with running(tmp_path, [[values_reply("title", TITLES)]]) as rig:
        first = await rig.answer(with_isbn(rig.request(), seed=11))
        again = await rig.answer(with_isbn(rig.request(), seed=11))
        other = await rig.answer(with_isbn(rig.request(), seed=12))

    assert isinstance(first, AIValuesGenerated)
    assert isinstance(again, AIValuesGenerated)
    assert isinstance(other, AIValuesGenerated)
    assert first.values["title"] == TITLES
    isbns = first.values["isbn"]
    assert len(set(isbns)) == len(isbns) == 8
    assert all(isinstance(value, str) and value.startswith("9783") and isbn.is_valid(value) for value in isbns)
    assert again.values["isbn"] == isbns
    assert other.values["isbn"] != isbns
    assert "field isbn: ISBN-13s made by code, not by the AI model" in first.notes[0]
    prompts = [str(message.content) for model in rig.models for prompt in model.prompts for message in prompt]
    assert not any("isbn" in prompt.lower() for prompt in prompts)  # never asked of the model


async def test_a_job_whose_only_ai_field_is_an_isbn_needs_no_model_nor_key(tmp_path: Path) -> None:
    async with running(tmp_path, [[values_reply("title", TITLES)]]) as rig:
        event = with_isbn(rig.request(key=None), seed=3)
        answer = await rig.answer(event.model_copy(update={"fields": [event.table.field("isbn")], "base_url": None}))

    assert isinstance(answer, AIValuesGenerated)
    assert len(answer.values["isbn"]) == 8
    assert rig.models == []


async def test_when_the_model_fails_the_isbns_still_come_from_code(tmp_path: Path) -> None:
    async with running(tmp_path, [[values_reply("title", TITLES)]]) as rig:
        answer = await rig.answer(with_isbn(rig.request(key=None), seed=3).model_copy(update={"base_url": None}))

    assert isinstance(answer, AIValuesGenerated)
    assert list(answer.values) == ["isbn"]
    assert answer.notes[-1] == (
        "AI values unavailable for title, Faker used instead: no API key: give one with the job, or set "
        "DMB_AI_API_KEY for the platform"
    )


async def test_a_private_base_url_is_refused_at_call_time_where_the_operator_did_not_allow_it(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, [[values_reply("title", TITLES)]], allow_private=False) as rig:
        answer = await rig.answer(rig.request().model_copy(update={"base_url": "http://127.0.0.1:9/v1"}))

    assert isinstance(answer, AIValuesFailed)
    assert "DMB_AI_ALLOW_PRIVATE_ENDPOINTS" in answer.reason
    assert rig.models == []  # no model was even built


async def test_a_name_that_now_resolves_to_a_private_address_is_refused_at_call_time(tmp_path: Path) -> None:
    async def rebound(host: str, port: int) -> list[str]:
        return ["10.0.0.5"]  # public when the URL was saved; private now (DNS rebinding)

    async with running(tmp_path, [[values_reply("title", TITLES)]], allow_private=False) as rig:
        rig.service.deps.guard = EndpointGuard(allow_private=False, resolve=rebound)
        answer = await rig.answer(rig.request().model_copy(update={"base_url": "https://models.example.com/v1"}))

    assert isinstance(answer, AIValuesFailed)
    assert "models.example.com" in answer.reason
    assert "10.0.0.5" not in answer.reason
    assert rig.models == []


async def test_a_key_is_never_logged_nor_put_in_events_or_reasons(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    response = httpx.Response(401, request=httpx.Request("POST", "http://model.internal:8080/v1/chat/completions"))
    refused = openai.AuthenticationError(f"Incorrect API key provided: {KEY}", response=response, body=None)
    caplog.set_level(logging.DEBUG)
    async with running(tmp_path, [[refused]]) as rig:
        answer = await rig.answer(rig.request())
        async with rig.service.deps.runtime.sessions() as session:
            stored = (await session.scalars(sa.select(AIRequest))).one()

    assert isinstance(answer, AIValuesFailed)
    assert answer.reason == "the model endpoint refused the API key"
    assert "model.internal" not in answer.reason
    assert caplog.records
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
    for message in rig.seen:
        assert KEY.encode() not in message.to_json()
    assert KEY not in str(stored.request)


async def test_a_cancelled_job_stops_its_model_calls(tmp_path: Path) -> None:
    async with running(tmp_path, [[Stall()]]) as rig:
        event = rig.request()
        await rig.bus.publish(event)
        await until(lambda: bool(rig.models and rig.models[0].prompts), 10)
        await rig.bus.publish(JobCancelled(job_id=event.job_id))
        await until(lambda: event.job_id not in rig.service.deps.running, 10)
        async with rig.service.deps.runtime.sessions() as session:
            stored = await session.get(AIRequest, event.request_id)

    assert stored is not None
    assert (stored.status, stored.reason) == ("cancelled", "the job was cancelled")
    assert not [m for m in rig.seen if isinstance(m, AIValuesGenerated | AIValuesFailed)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_restarted_service_resumes_an_unanswered_request_from_its_checkpoint(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    database_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    first_batch = values_reply("title", TITLES[:4])
    async with running(tmp_path, [[first_batch, Stall()]], database_url) as rig:
        event = rig.request()
        await rig.bus.publish(event)
        await until(lambda: any(isinstance(m, AIValuesProgressed) and m.made == 4 for m in rig.seen), 10)
    # Stopped with the second call under way: the request stays running, its first batch checkpointed.

    async with running(tmp_path, [[values_reply("title", TITLES[4:])]], database_url) as restarted:
        await until(lambda: any(isinstance(m, AIValuesGenerated) for m in restarted.seen), 20)

    answer = next(m for m in restarted.seen if isinstance(m, AIValuesGenerated))
    assert answer.job_id == event.job_id
    assert answer.values == {"title": TITLES}
    assert len(restarted.models[0].prompts) == 1
    assert "Already kept (4)" in str(restarted.models[0].prompts[0][-1].content)


class RefusingEndpoint:
    """A local OpenAI-compatible endpoint that refuses every key with a 401, quoting the key back as OpenAI does."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0"))
        await reader.readexactly(length)
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        self.authorizations.append(authorization)
        body = json.dumps(
            {"error": {"message": f"Incorrect API key provided: {authorization[7:]}", "code": "invalid_api_key"}}
        )
        writer.write(
            f"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n{body}".encode()
        )
        await writer.drain()
        writer.close()


async def test_a_key_sent_to_a_real_client_is_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = BaseServiceSettings(
        _env_file=None, data_dir=tmp_path, secret_key=SecretStr("a-test-platform-key"), ai_allow_private_endpoints=True
    )
    bus = InProcessBus()
    endpoint = RefusingEndpoint()
    async with endpoint as base_url:
        service = await build(settings, bus, ai_settings=SETTINGS)  # the real ChatOpenAI client
        seen: list[Message] = []

        async def collect(message: Message) -> None:
            seen.append(message)

        bus.subscribe("test-observer", ["ai.#"], collect)
        await bus.start()
        await service.start()
        try:
            box = SecretBox(settings.secret_key)
            event = Rig(service, bus, box, [], []).request().model_copy(update={"base_url": base_url})
            await bus.publish(event)
            await until(lambda: any(isinstance(m, AIValuesFailed) for m in seen), 30)
        finally:
            await service.stop()
            await bus.close()

    failed = next(m for m in seen if isinstance(m, AIValuesFailed))
    assert failed.reason == "the model endpoint refused the API key"
    assert endpoint.authorizations == [f"Bearer {KEY}"]  # the key did reach the endpoint
    assert any(record.name.startswith(("openai", "httpx", "httpcore")) for record in caplog.records)
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
