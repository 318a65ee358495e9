"""The chat model behind the AI features: any OpenAI-compatible endpoint through langchain-openai."""

from __future__ import annotations

import openai
from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ConfigDict, Field, SecretStr

#: The key sent to an endpoint that needs none (a local llama.cpp server); the client refuses an empty one.
NO_KEY = "not-needed"


class ModelEndpoint(BaseModel):
    """Where a model answers: base URL (None: OpenAI's), model name, and the key (never logged or echoed)."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None = None
    model: str = Field(min_length=1)
    api_key: SecretStr | None = None

    def describe(self) -> str:
        """What a user may read about the endpoint: the model, never the key or the host."""
        return f"model {self.model}"


def build_chat_model(
    endpoint: ModelEndpoint, *, max_tokens: int, temperature: float, timeout_seconds: float
) -> BaseChatModel:
    """A chat model for `endpoint`. `max_tokens` also goes in the request body as `max_tokens`: ChatOpenAI
    sends `max_completion_tokens`, which llama.cpp's server ignores (one call ran 4,059 tokens). Retries are
    left to the workflow, which feeds the errors back, so the client makes one attempt per call."""
    return ChatOpenAI(
        model=endpoint.model,
        base_url=endpoint.base_url,
        api_key=endpoint.api_key or SecretStr(NO_KEY),
        max_completion_tokens=max_tokens,
        temperature=temperature,
        timeout=timeout_seconds,
        max_retries=0,
        extra_body={"max_tokens": max_tokens},
    )


class ModelCallFailed(Exception):
    """A model call that failed, with the reason in words a user reads on the job (no host, no key).

    `fatal`: asking again cannot help (a refused key, an unknown model), so the workflow stops at once."""

    def __init__(self, reason: str, *, fatal: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fatal = fatal


def call_failure(exc: Exception, timeout_seconds: float) -> ModelCallFailed:
    """The plain-words failure of one model call (the client's own messages may name the host)."""
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ModelCallFailed("the model endpoint refused the API key", fatal=True)
    if isinstance(exc, openai.NotFoundError):
        return ModelCallFailed("the model endpoint does not know this model", fatal=True)
    if isinstance(exc, openai.RateLimitError):
        return ModelCallFailed("the model endpoint's rate limit or quota was reached", fatal=False)
    if isinstance(exc, TimeoutError | openai.APITimeoutError):
        return ModelCallFailed(f"the model did not answer within {timeout_seconds:g} s", fatal=False)
    if isinstance(exc, openai.APIConnectionError):
        return ModelCallFailed("the model endpoint could not be reached", fatal=False)
    if isinstance(exc, openai.APIStatusError):
        return ModelCallFailed(f"the model endpoint answered with HTTP {exc.status_code}", fatal=False)
    return ModelCallFailed(f"the model call failed ({type(exc).__name__})", fatal=False)
