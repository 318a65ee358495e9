"""The AI service's own settings (DMB_AI_*): the operator's default endpoint and the limits of a request."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from dmb_ai.domain.pools import PoolLimits, StructuredOutputMethod


class AISettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DMB_AI_", env_file=".env", extra="ignore")

    base_url: str | None = Field(
        default=None, description="The operator's default OpenAI-compatible endpoint (unset: OpenAI's)."
    )
    model: str = Field(default="gpt-4o-mini", description="The operator's default model.")
    api_key: SecretStr | None = Field(default=None, description="The operator's default key; never logged.")
    request_timeout_seconds: Annotated[float, Field(gt=0)] = Field(
        # Under RabbitMQ's default consumer timeout (30 min), which closes a channel holding a message longer.
        default=1500,
        description="The longest one AI request may run before its fields fall back to Faker.",
    )
    call_timeout_seconds: Annotated[float, Field(gt=0)] = Field(
        default=300, description="The longest one model call may take (a CPU model needs minutes for a batch)."
    )
    max_concurrent_calls: Annotated[int, Field(gt=0, le=64)] = Field(
        default=2, description="Model calls this process makes at once, over all requests."
    )
    token_budget: Annotated[int, Field(gt=0)] = Field(default=200_000, description="Tokens one job may spend.")
    batch_size: Annotated[int, Field(gt=0, le=200)] = Field(default=25, description="Rows asked for per call.")
    max_retries: Annotated[int, Field(ge=0, le=20)] = Field(
        default=4, description="Calls beyond those the count needs, and the most fruitless calls in a row."
    )
    structured_output: StructuredOutputMethod = Field(
        default="function_calling",
        description="How the answer's JSON is asked for: function_calling works on OpenAI and llama.cpp servers.",
    )
    max_tokens: Annotated[int, Field(gt=0)] = Field(default=2048, description="Tokens one answer may have.")
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.8
    min_pool: Annotated[int, Field(gt=0)] = Field(
        default=10, description="Fewer valid values than this (or than the job needs) is no pool: Faker instead."
    )

    def limits(self) -> PoolLimits:
        return PoolLimits(
            batch_size=self.batch_size,
            max_retries=self.max_retries,
            call_timeout_seconds=self.call_timeout_seconds,
            token_budget=self.token_budget,
            method=self.structured_output,
            min_pool=self.min_pool,
        )
