"""Refusals sent by the ASGI middleware, before the app runs: the API's error shape, said in plain words."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from dmb_gateway.api.schemas import ErrorDetail, ErrorResponse


async def refuse(
    scope: Scope, receive: Receive, send: Send, status: int, message: str, location: str, **headers: str
) -> None:
    body = ErrorResponse(message=message, errors=[ErrorDetail(location=location, message=message)])
    response = JSONResponse(body.model_dump(), status_code=status, headers={"Connection": "close", **headers})
    await response(scope, receive, send)
