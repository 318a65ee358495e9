"""Overload without 500s: the API admits a bounded number of requests at once and queues the rest briefly;
past that wait, and whenever the gateway's own database cannot be had in time, the caller gets 503 with
Retry-After and a plain message, so a burst degrades into "try again in a second" instead of errors.

Why a bound at all: every API request needs one connection of the gateway's pool (5 + 10 by default) and
on SQLite one writer at a time. Letting 200 requests in at once only makes all of them wait on the pool
and the write lock until some time out; admitting a few dozen and queueing the others keeps each admitted
request fast and turns the excess into a short queue, then an honest "busy".
"""

from __future__ import annotations

import asyncio
import logging
import math

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.types import ASGIApp, Receive, Scope, Send

from dmb_gateway.api.errors import unexpected_error
from dmb_gateway.api.schemas import ErrorResponse

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
#: Long-lived streams hold no database connection between their polls; they must not take a slot for hours.
STREAM_SUFFIX = "/events"


def busy_response(message: str, retry_after: float) -> JSONResponse:
    seconds = max(1, math.ceil(retry_after))
    body = ErrorResponse(message=f"{message} Please retry in {seconds} s.")
    return JSONResponse(status_code=503, content=body.model_dump(), headers={"Retry-After": str(seconds)})


class AdmissionLimit:
    """Pure ASGI middleware: at most `limit` API requests run at once; others wait up to `queue_seconds`
    for a slot, then get 503 + Retry-After. (Pure ASGI, not BaseHTTPMiddleware, so streamed responses and
    cancellation pass through untouched.)"""

    def __init__(self, app: ASGIApp, *, limit: int, queue_seconds: float, retry_after: float) -> None:
        self.app = app
        self.limit = limit
        self.queue_seconds = queue_seconds
        self.retry_after = retry_after
        self._slots = asyncio.Semaphore(limit)
        self.waiting = 0

    def _limited(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        return scope["type"] == "http" and path.startswith(API_PREFIX) and not path.endswith(STREAM_SUFFIX)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._limited(scope):
            await self.app(scope, receive, send)
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self.queue_seconds):
                await self._slots.acquire()
        except TimeoutError:
            log.warning(
                "admission: %s %s refused after %.1fs in the queue (%d requests running, %d waiting)",
                scope.get("method"),
                scope.get("path"),
                self.queue_seconds,
                self.limit,
                self.waiting,
            )
            response = busy_response("The platform is busy with other requests.", self.retry_after)
            await response(scope, receive, send)
            return
        finally:
            self.waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


async def database_busy(request: Request, exc: Exception) -> JSONResponse:
    """The gateway's database pool stayed empty, or SQLite's write lock stayed taken, past its timeout."""
    if isinstance(exc, OperationalError) and not _is_lock_or_connection_error(exc):
        return await unexpected_error(request, exc)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return busy_response("The platform's database is busy.", 2)


def _is_lock_or_connection_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else ""
    if "database is locked" in text or "database table is locked" in text:
        return True
    # A dropped or refused connection (PostgreSQL restarting, connections terminated) is transient too.
    return exc.connection_invalidated or any(
        words in text for words in ("connection", "terminating", "server closed", "could not connect")
    )


def install(app: FastAPI, *, limit: int, queue_seconds: float, retry_after: float) -> None:
    app.add_middleware(AdmissionLimit, limit=limit, queue_seconds=queue_seconds, retry_after=retry_after)
    app.add_exception_handler(PoolTimeoutError, database_busy)
    app.add_exception_handler(OperationalError, database_busy)
