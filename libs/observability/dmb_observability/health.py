"""Liveness and readiness: the checks, and the small HTTP listener a worker service answers them on.

/healthz says the process is alive (its event loop answers). /readyz runs every readiness check (database,
broker, store) with a time limit; the answer names which failed, never why (that goes to the log: it may hold
a host or a bucket). /metrics is the Prometheus text format.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from dmb_observability.metrics import exposition

log = logging.getLogger(__name__)

CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class ReadinessCheck:
    """A named dependency probe: returns when the dependency answers, raises when it does not."""

    name: str
    probe: Callable[[], Awaitable[object]]


async def readiness(checks: Sequence[ReadinessCheck]) -> tuple[bool, dict[str, str]]:
    """Run every check at once (each bounded by CHECK_SECONDS); (all ready, name → "ok" / "unavailable")."""

    async def run(check: ReadinessCheck) -> str:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await check.probe()
        except Exception as exc:
            log.warning("readiness check %s failed: %s", check.name, exc)
            return "unavailable"
        return "ok"

    results = await asyncio.gather(*(run(check) for check in checks))
    answers = {check.name: result for check, result in zip(checks, results, strict=True)}
    return all(result == "ok" for result in results), answers


class HealthServer:
    """GET /healthz, /readyz and /metrics over plain HTTP/1.1 on asyncio streams: a worker needs no web
    framework (and no second signal handler) for three read-only answers."""

    def __init__(
        self,
        checks: Sequence[ReadinessCheck],
        *,
        before_metrics: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._checks = checks
        self._before_metrics = before_metrics
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (useful when `port` is 0)."""
        self._server = await asyncio.start_server(self._answer, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(CHECK_SECONDS * 3):
                request = await reader.readline()
                while (await reader.readline()).strip():
                    pass  # headers: nothing here depends on them
                method, _, rest = request.decode("latin-1").partition(" ")
                path = rest.split(" ")[0].split("?")[0]
                status, body, content_type = await self._route(method, path)
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                    "Connection: close\r\n\r\n".encode("latin-1")
                    + body
                )
                await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _route(self, method: str, path: str) -> tuple[str, bytes, str]:
        if method != "GET":
            return "405 Method Not Allowed", _json({"message": "only GET is answered here"}), "application/json"
        if path == "/healthz":
            return "200 OK", _json({"status": "ok"}), "application/json"
        if path == "/readyz":
            ready, checks = await readiness(self._checks)
            status = "200 OK" if ready else "503 Service Unavailable"
            return status, _json({"status": "ready" if ready else "not ready", "checks": checks}), "application/json"
        if path == "/metrics":
            if self._before_metrics is not None:
                with contextlib.suppress(Exception):
                    await self._before_metrics()
            body, content_type = exposition()
            return "200 OK", body, content_type
        return (
            "404 Not Found",
            _json({"message": f"no {path} here: try /healthz, /readyz or /metrics"}),
            "application/json",
        )


def _json(data: object) -> bytes:
    return json.dumps(data).encode()
