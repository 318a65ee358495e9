"""The chat model builder and the vocabulary assistant against the real local model (llama.cpp serving
Qwen2.5-Coder 0.5B, installed by `make llm`). Few and small on purpose: a CPU model makes tens of tokens a
second (tens of seconds per call when the machine is busy), so these run on one xdist worker and one server
for the session. The designer is asked for one small table here (a bounded answer); its quality on five prompts
and the vocabularies are for `make bench-ai`; jobs against the real model, in both modes, are in
tests/e2e/test_ai_real_model.py."""

from __future__ import annotations

import pytest
from dmb_ai.adapters.chat_model import ModelEndpoint, build_chat_model
from dmb_ai.assistant import DEFAULT_STRUCTURED_METHOD
from dmb_ai.designer import design_tables
from dmb_contracts.fields import TableSpec
from dmb_testing.llm_server import REAL_MODEL_GROUP, LocalLLM
from langchain_core.messages import AIMessage
from pydantic import BaseModel, SecretStr

# One event loop for the module: ChatOpenAI caches its HTTP client per endpoint and timeout, and a client made
# on one test's loop cannot be used on the next one's. Every test here uses the same 300 s timeout: the e2e
# tests (tests/e2e/test_ai_real_model.py, same session and server) use 600 s, so their cached client (on a
# closed loop) is never picked up here.
pytestmark = [
    pytest.mark.xdist_group(REAL_MODEL_GROUP),
    pytest.mark.timeout(900),
    pytest.mark.asyncio(loop_scope="module"),
]


def _endpoint(llm: LocalLLM) -> ModelEndpoint:
    return ModelEndpoint(base_url=llm.base_url, model=llm.model, api_key=SecretStr(llm.api_key))


async def test_max_tokens_is_honoured_by_the_llama_cpp_server(local_llm: LocalLLM) -> None:
    # ChatOpenAI's own max_tokens goes out as max_completion_tokens, which llama.cpp ignores (issue 16 saw a
    # 4,059-token answer); the builder sends it in the request body where the server reads it.
    model = build_chat_model(_endpoint(local_llm), max_tokens=12, temperature=0, timeout_seconds=300)

    answer = await model.ainvoke("Write a long story about a lighthouse keeper.")

    assert isinstance(answer, AIMessage)
    assert answer.usage_metadata is not None
    assert answer.usage_metadata["output_tokens"] <= 12


class Colours(BaseModel):
    """Colour names."""

    colours: list[str]


async def test_structured_output_through_the_builder_returns_parsed_items(local_llm: LocalLLM) -> None:
    model = build_chat_model(_endpoint(local_llm), max_tokens=96, temperature=0, timeout_seconds=300)
    structured = model.with_structured_output(Colours, method=DEFAULT_STRUCTURED_METHOD)

    answer = await structured.ainvoke("Call the tool with the names of 3 colours of the rainbow.")

    assert isinstance(answer, Colours)
    assert answer.colours
    assert all(isinstance(colour, str) and colour.strip() for colour in answer.colours)


async def test_the_designer_turns_a_short_sentence_into_tables_that_validate(local_llm: LocalLLM) -> None:
    # Bounded answer: one small table is about 300 tokens of JSON; the cap keeps the call to a minute or two.
    model = build_chat_model(_endpoint(local_llm), max_tokens=700, temperature=0, timeout_seconds=300)

    answer = await design_tables(
        model, "a table of books with a title and an author", "en_GB", timeout_seconds=300, attempts=2
    )

    tables = answer.result.tables
    assert tables
    for table in tables:
        assert TableSpec.model_validate(table.model_dump(mode="json")) == table
        assert any(field.primary_key for field in table.fields)
