"""The gateway's settings (it also carries the embedded services' settings in embedded mode)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from dmb_common.settings import BaseServiceSettings, Environment
from dmb_contracts.commands import MAX_ROWS_PER_JOB
from pydantic import Field, field_validator, model_validator


class AuthMode(StrEnum):
    LOCAL = "local"  # one local user, no sign-in: the embedded, single-user mode
    TOKEN = "token"  # noqa: S105 - the multi-user platform: accounts, browser sessions, API tokens


class SignupMode(StrEnum):
    OPEN = "open"  # anyone who reaches the sign-up page gets an account
    INVITE = "invite"  # only with an invitation an admin created
    OFF = "off"  # accounts are made by admins only


class GatewaySettings(BaseServiceSettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    auth_mode: AuthMode = Field(
        default=AuthMode.LOCAL, description="local (one user, no sign-in) or token (alias accounts): multi-user."
    )
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

    signup: SignupMode = Field(default=SignupMode.INVITE, description="Who may create an account (token mode).")
    invite_days: float = Field(default=7, gt=0, le=365, description="How long an invitation link is valid.")
    session_idle_minutes: float = Field(
        default=120, gt=0, le=7 * 24 * 60, description="A browser session unused this long is signed out."
    )
    session_absolute_hours: float = Field(
        default=24, gt=0, le=90 * 24, description="A browser session ends this long after sign-in, used or not."
    )
    session_cookie_secure: bool | None = Field(
        default=None,
        description="Mark the session cookie Secure; unset: when the request came over https (or in production).",
    )
    login_limit_per_account: str = Field(
        default="5/minute;20/hour", description="Sign-in attempts per e-mail address (limits' notation)."
    )
    login_limit_per_address: str = Field(
        default="30/minute;200/hour", description="Sign-in attempts per client IP address (limits' notation)."
    )
    signup_limit_per_address: str = Field(
        default="10/hour;50/day", description="Sign-up attempts per client IP address (limits' notation)."
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where the sign-in counters live: memory:// (one gateway process) or redis://host:6379 (shared).",
    )
    quota_rows_per_job: int = Field(default=MAX_ROWS_PER_JOB, ge=1, description="Default rows a user's job may ask.")
    quota_concurrent_jobs: int = Field(default=4, ge=1, description="Default jobs a user may have running at once.")
    quota_tables: int = Field(default=200, ge=1, description="Default tables a user may have (dropped ones excluded).")
    quota_export_bytes: int = Field(
        default=5 * 1024**3, ge=1, description="Default bytes of export files a user may keep stored."
    )

    @field_validator("auth_mode", mode="before")
    @classmethod
    def _accounts_is_token(cls, value: Any) -> Any:
        return AuthMode.TOKEN if isinstance(value, str) and value.lower() == "accounts" else value

    @model_validator(mode="after")
    def _no_local_auth_in_production(self) -> Self:
        if self.environment is Environment.PRODUCTION and self.auth_mode is AuthMode.LOCAL:
            raise ValueError("DMB_AUTH_MODE=local is for development; use token in production")
        return self
