"""The gateway's operator endpoints: /readyz (database, broker, store), /metrics, and HTTP latency."""

from __future__ import annotations

import time

from dmb_common.readiness import broker_check, database_check, record_queue_depths, store_check
from dmb_observability.health import ReadinessCheck, readiness
from dmb_observability.metrics import HTTP_SECONDS, exposition
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dmb_gateway.api.deps import GatewayContext

router = APIRouter(include_in_schema=False)


def readiness_checks(context: GatewayContext) -> list[ReadinessCheck]:
    runtime = context.runtime
    return [database_check(runtime.engine), broker_check(runtime.bus), store_check(context.store)]


@router.get("/readyz")
async def ready(request: Request) -> JSONResponse:
    context = getattr(request.app.state, "context", None)
    if not isinstance(context, GatewayContext):
        return JSONResponse({"status": "starting", "checks": {}}, status_code=503)
    is_ready, checks = await readiness(readiness_checks(context))
    return JSONResponse({"status": "ready" if is_ready else "not ready", "checks": checks}, 200 if is_ready else 503)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    context = getattr(request.app.state, "context", None)
    if isinstance(context, GatewayContext):
        await record_queue_depths(context.runtime.bus)
    body, content_type = exposition()
    return Response(body, media_type=content_type)


class HttpMetrics:
    """Every request's latency by route template (never the raw path: ids would explode the label set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            HTTP_SECONDS.labels(scope["method"], _template(scope), str(status)).observe(time.perf_counter() - started)


def _template(scope: Scope) -> str:
    """/api/v1/jobs/{job_id} for /api/v1/jobs/5f0c...: the path with its parameters named again."""
    path = str(scope["path"])
    if path.startswith("/static/"):
        return "/static"
    if "route" not in scope:
        return "unmatched"  # a 404 on no route at all: any path a scanner tries must not become a label
    for name, value in (scope.get("path_params") or {}).items():
        path = path.replace(f"/{value}", f"/{{{name}}}")
    return path
