"""The gateway's settings (it also carries the embedded services' settings in embedded mode)."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from dmb_common.settings import BaseServiceSettings, Environment
from pydantic import Field, model_validator


class AuthMode(StrEnum):
    LOCAL = "local"  # one local user, no sign-in: the embedded, single-user mode
    TOKEN = "token"  # noqa: S105 - every request carries an API token


class GatewaySettings(BaseServiceSettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    auth_mode: AuthMode = AuthMode.LOCAL
    download_url_seconds: int = Field(default=300, gt=0, le=7 * 24 * 3600)
    max_concurrent_requests: int = Field(
        default=32,
        ge=1,
        le=10_000,
        description="API requests the gateway serves at once; more wait in a queue (its database pool holds 15).",
    )
    request_queue_seconds: float = Field(
        default=10, ge=0, le=300, description="How long a request waits for a slot before it gets 503 + Retry-After."
    )
    busy_retry_after_seconds: float = Field(
        default=2, ge=1, le=600, description="The Retry-After a busy gateway answers with."
    )

    @model_validator(mode="after")
    def _no_local_auth_in_production(self) -> Self:
        if self.environment is Environment.PRODUCTION and self.auth_mode is AuthMode.LOCAL:
            raise ValueError("DMB_AUTH_MODE=local is for development; use token in production")
        return self
