"""A scripted chat model: langchain-core's fake chat model that also answers through tool calls, as the real
endpoints do when asked for structured output."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage


class ToolCallingFakeChatModel(GenericFakeChatModel):
    """Replies in order; a dict reply is a call of the (only) bound tool with those arguments. Records what it
    was sent, so a test can read the feedback a retry carried."""

    tool_name: str = ""
    sent: list[list[BaseMessage]] = []

    def bind_tools(self, tools: Sequence[Any], **_: Any) -> ToolCallingFakeChatModel:
        (tool,) = tools
        self.tool_name = tool.__name__
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.sent.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def _message(reply: dict[str, Any] | str | Exception, tool: Callable[[], str]) -> AIMessage:
    if isinstance(reply, dict):
        return AIMessage(content="", tool_calls=[{"name": tool(), "args": reply, "id": "call-1"}])
    assert isinstance(reply, str)
    return AIMessage(content=reply)


@pytest.fixture
def scripted_model() -> Callable[..., ToolCallingFakeChatModel]:
    def build(*replies: dict[str, Any] | str) -> ToolCallingFakeChatModel:
        model = ToolCallingFakeChatModel(messages=iter([]), sent=[])

        def messages() -> Iterator[AIMessage]:
            for reply in replies:
                yield _message(reply, lambda: model.tool_name)

        model.messages = messages()
        return model

    return build
