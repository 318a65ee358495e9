"""A request body is read here, in full and within limits, before routing, parsing or authentication.

The cap is checked on the declared Content-Length and again on every chunk received, so a body that lies
about its size or has none declared is cut off at the limit: memory per request stays at most the limit,
whoever sends it. A body that trickles in (a slow-loris upload) has a deadline for the whole of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dmb_gateway.security.responses import refuse


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, limits_by_prefix: Mapping[str, int], read_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.limits_by_prefix = limits_by_prefix
        self.read_seconds = read_seconds

    def limit_for(self, path: str) -> int:
        return next((n for prefix, n in self.limits_by_prefix.items() if path.startswith(prefix)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send, limit)
            return
        try:
            async with asyncio.timeout(self.read_seconds):
                body = await _read_body(receive, limit)
        except BodyTooLarge:
            await _too_large(scope, receive, send, limit)
            return
        except TimeoutError:
            message = f"The request body did not arrive within {self.read_seconds:g} s"
            await refuse(scope, receive, send, 408, message, "body")
            return
        if body is None:  # the client went away while sending
            return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The app gets the whole body as one message; later calls (waiting for a disconnect) go to the server."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    message = f"The request body is larger than the limit of {limit:,} bytes"
    await refuse(scope, receive, send, 413, message, "body")
