"""The gateway's outer wall, as pure ASGI middleware: it runs before routing, body parsing and
authentication, so hostile traffic costs little and never reaches the API's code."""

from __future__ import annotations

from fastapi import FastAPI

from dmb_gateway.security.body_limit import BodyLimitMiddleware
from dmb_gateway.security.headers import SecurityHeadersMiddleware
from dmb_gateway.security.hosts import HostAndOriginMiddleware
from dmb_gateway.settings import GatewaySettings

IMPORT_PREFIX = "/api/v1/tables/import"


def install(app: FastAPI, settings: GatewaySettings) -> None:
    # The last one added runs first: headers go on every answer, including the other two's refusals.
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        limits_by_prefix={IMPORT_PREFIX: settings.max_import_body_bytes},
        read_seconds=settings.body_read_seconds,
    )
    app.add_middleware(
        HostAndOriginMiddleware, allowed_hosts=settings.allowed_hosts, allowed_origins=settings.allowed_origins
    )
    app.add_middleware(SecurityHeadersMiddleware)
