"""A scripted chat model for the AI workflow's tests: answers with the tool calls (structured output) a real
OpenAI-compatible model would send, raises, or stalls, in the order given; records what it was asked."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

_ids = itertools.count()


def tool_reply(name: str, args: dict[str, Any], *, tokens: int = 100) -> AIMessage:
    """A model answer calling the structured-output tool `name` (the schema's class name) with `args`."""
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}],
        usage_metadata={"input_tokens": tokens // 2, "output_tokens": tokens - tokens // 2, "total_tokens": tokens},
    )


def rows_reply(rows: Sequence[dict[str, Any]], *, tokens: int = 100) -> AIMessage:
    """A model answer carrying `rows` through the structured-output tool call (function calling)."""
    return tool_reply("Rows", {"rows": list(rows)}, tokens=tokens)


def values_reply(field: str, values: Sequence[Any], *, tokens: int = 100) -> AIMessage:
    """A one-field answer: the flat list of values the workflow asks for when a request has one field
    (`field` names it for the reader; the answer itself carries only the values)."""
    return tool_reply("Values", {"values": list(values)}, tokens=tokens)


def garbage_reply(text: str = "Sure! Here are some values: foo, bar", *, tokens: int = 50) -> AIMessage:
    """An answer that ignores the schema (plain text, no tool call)."""
    return AIMessage(
        content=text,
        usage_metadata={"input_tokens": tokens // 2, "output_tokens": tokens - tokens // 2, "total_tokens": tokens},
    )


class Stall:
    """A reply that never comes within any sensible timeout."""

    def __init__(self, seconds: float = 3600) -> None:
        self.seconds = seconds


Reply = AIMessage | Exception | Stall


class ScriptedChatModel(BaseChatModel):
    """Replies from `script` in order; the last one repeats when the script runs out."""

    script: list[Any]
    prompts: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any
    ) -> Runnable[Any, AIMessage]:
        return self

    def _next(self, messages: list[BaseMessage]) -> Reply:
        self.prompts.append(messages)
        index = min(len(self.prompts) - 1, len(self.script) - 1)
        reply: Reply = self.script[index]
        return reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._next(messages)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, Stall):
            raise TimeoutError("stalled")
        return ChatResult(generations=[ChatGeneration(message=reply)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._next(messages)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, Stall):
            await asyncio.sleep(reply.seconds)
        assert isinstance(reply, AIMessage)
        return ChatResult(generations=[ChatGeneration(message=reply)])
