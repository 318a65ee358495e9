"""Every error leaves as JSON that says what is wrong and where, never as a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from dmb_gateway.api.schemas import ErrorDetail, ErrorResponse

log = logging.getLogger(__name__)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _location(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body",)]
    return ".".join(parts) or "body"


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [ErrorDetail(location=_location(tuple(e["loc"])), message=_clean(str(e["msg"]))) for e in exc.errors()]
    summary = "; ".join(f"{d.location}: {d.message}" for d in details[:5])
    body = ErrorResponse(message=f"Invalid request: {summary}", errors=details)
    return JSONResponse(status_code=422, content=body.model_dump())


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        return method_not_allowed(request)
    body = ErrorResponse(message=str(exc.detail))
    return JSONResponse(status_code=exc.status_code, content=body.model_dump(), headers=exc.headers)


def method_not_allowed(request: Request) -> JSONResponse:
    """405 with every method the path answers to: Starlette's own Allow names only the first route that
    matched the path, though several routes (GET, PUT, DELETE of /tables/{id}) share it."""
    allowed = [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.router.routes
        )
    ]
    methods = ", ".join(allowed)
    body = ErrorResponse(message=f"{request.method} is not allowed on {request.url.path}; use {methods}")
    return JSONResponse(status_code=405, content=body.model_dump(), headers={"Allow": methods})


async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    body = ErrorResponse(message="Something went wrong on our side; it has been logged. Please try again.")
    return JSONResponse(status_code=500, content=body.model_dump())


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
