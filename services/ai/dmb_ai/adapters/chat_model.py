"""The chat model every AI feature talks to: ChatOpenAI on any OpenAI-compatible endpoint.

Measured against llama.cpp's server (issue 16): ChatOpenAI sends `max_completion_tokens`, which that server
ignores (one call ran 4,059 tokens), so the limit goes in `extra_body` as `max_tokens`, which OpenAI and
llama.cpp both honour. Structured output uses tool calling by default: `json_schema` answers HTTP 500 on
llama.cpp and `json_mode` got the item counts wrong on the small models; tool calling works on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

StructuredOutputMethod = Literal["function_calling", "json_mode", "json_schema"]
DEFAULT_STRUCTURED_METHOD: StructuredOutputMethod = "function_calling"
#: OpenAI clients refuse to start without a key; a local server checks none, so this stands in for it.
NO_KEY = SecretStr("no-key")


@dataclass(frozen=True)
class ChatEndpoint:
    """Where a model answers: a base URL (None: OpenAI's own), a model name and the key in clear, in memory
    only (it arrives sealed by the secret box and is opened just before the call)."""

    base_url: str | None
    model: str
    api_key: SecretStr | None = None

    def __repr__(self) -> str:  # the key never reaches a log line through a repr
        return (
            f"ChatEndpoint(base_url={self.base_url!r}, model={self.model!r}, key={'set' if self.api_key else 'none'})"
        )


def build_chat_model(
    endpoint: ChatEndpoint, *, max_tokens: int, temperature: float, timeout_seconds: float
) -> BaseChatModel:
    return ChatOpenAI(
        model=endpoint.model,
        base_url=endpoint.base_url,
        api_key=endpoint.api_key or NO_KEY,
        temperature=temperature,
        timeout=timeout_seconds,
        max_retries=1,
        extra_body={"max_tokens": max_tokens},
    )
