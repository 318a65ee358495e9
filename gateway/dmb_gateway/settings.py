"""The gateway's settings (it also carries the embedded services' settings in embedded mode)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Annotated, Any, Self

from dmb_common.settings import BaseServiceSettings, Environment
from dmb_contracts.commands import MAX_ROWS_PER_JOB
from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

MIB = 1024 * 1024
#: The names a browser on this machine uses for it; `*.localhost` names resolve to loopback too (RFC 6761).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class AuthMode(StrEnum):
    LOCAL = "local"  # one local user, no sign-in: the embedded, single-user mode
    TOKEN = "token"  # noqa: S105 - the multi-user platform: accounts, browser sessions, API tokens


class SignupMode(StrEnum):
    OPEN = "open"  # anyone who reaches the sign-up page gets an account
    INVITE = "invite"  # only with an invitation an admin created
    OFF = "off"  # accounts are made by admins only


def is_loopback(host: str) -> bool:
    """Whether a host name (no port) can only mean this machine."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _comma_separated(value: object) -> object:
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


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
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default=list(LOOPBACK_HOSTS),
        description="Host names the gateway answers to (comma-separated; `*.example.com` for subdomains); any "
        "other Host header gets a 400. Local mode accepts loopback names only.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins besides the gateway's own (e.g. https://tools.example.com) whose pages may send "
        "state-changing requests; comma-separated.",
    )
    max_body_bytes: int = Field(
        default=MIB, ge=1024, le=1024 * MIB, description="Largest request body, checked while it is read (413)."
    )
    max_import_body_bytes: int = Field(
        default=2 * MIB,
        ge=1024,
        le=1024 * MIB,
        description="Largest body of the /api/v1/tables/import endpoints (a pasted CREATE TABLE statement).",
    )
    body_read_seconds: float = Field(
        default=30, gt=0, le=3600, description="Time allowed to receive a whole request body (408 after)."
    )

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("allowed_hosts", "allowed_origins"):
                if key in data:
                    data[key] = _comma_separated(data[key])
        return data

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
    token_limit_per_address: str = Field(
        default="30/minute;300/hour",
        description="Failed API tokens (bearer) per client IP address before its requests are refused (429).",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where the sign-in and token counters live: memory:// (one gateway process) or redis://host:6379 (shared).",
    )
    quota_rows_per_job: int = Field(default=MAX_ROWS_PER_JOB, ge=1, description="Default rows a user's job may ask.")
    quota_concurrent_jobs: int = Field(default=4, ge=1, description="Default jobs a user may have running at once.")
    quota_tables: int = Field(default=200, ge=1, description="Default tables a user may have (dropped ones excluded).")
    quota_export_bytes: int = Field(
        default=5 * 1024**3, ge=1, description="Default bytes of export files a user may keep stored."
    )

    def single_user_local_mode(self) -> bool:
        return self.auth_mode is AuthMode.LOCAL

    @field_validator("auth_mode", mode="before")
    @classmethod
    def _accounts_is_token(cls, value: Any) -> Any:
        return AuthMode.TOKEN if isinstance(value, str) and value.lower() == "accounts" else value

    @model_validator(mode="after")
    def _no_local_auth_in_production(self) -> Self:
        if self.environment is Environment.PRODUCTION and self.auth_mode is AuthMode.LOCAL:
            raise ValueError("DMB_AUTH_MODE=local is for development; use token in production")
        return self

    @model_validator(mode="after")
    def _local_mode_answers_loopback_only(self) -> Self:
        # Local mode has no sign-in: a name that reaches this machine from elsewhere (or a DNS-rebound one)
        # would hand the local user's tables to any web page.
        foreign = [h for h in self.allowed_hosts if not is_loopback(h.removeprefix("*."))]
        if self.auth_mode is AuthMode.LOCAL and foreign:
            raise ValueError(
                f"DMB_ALLOWED_HOSTS: local mode answers loopback names only (not {', '.join(foreign)}); "
                "use DMB_AUTH_MODE=token to serve other hosts"
            )
        return self
