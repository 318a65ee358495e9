"""A request the account rules refuse: the HTTP status, a sentence for the user, and where the problem is."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class Refused(Exception):
    def __init__(
        self, status: int, message: str, *, location: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.location = location
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        errors = [{"location": self.location, "message": self.message}] if self.location else []
        return {"message": self.message, "errors": errors}


async def refused_response(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    return JSONResponse(status_code=exc.status, content=exc.body(), headers=exc.headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Refused, refused_response)
