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

    @model_validator(mode="after")
    def _no_local_auth_in_production(self) -> Self:
        if self.environment is Environment.PRODUCTION and self.auth_mode is AuthMode.LOCAL:
            raise ValueError("DMB_AUTH_MODE=local is for development; use token in production")
        return self
