"""A small client for the REST API, shared by the CLI commands."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Collection
from typing import Any

import httpx

from dmb_cli import stored_login

DEFAULT_URL = "http://127.0.0.1:8000"


class ApiError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        #: The HTTP status of the refusal (None when the platform could not be reached).
        self.status = status


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text
    return str(body.get("message") or response.text) if isinstance(body, dict) else response.text


class Client:
    def __init__(self, base_url: str | None = None, token: str | None = None, *, anonymous: bool = False) -> None:
        stored = stored_login.load()
        base = (base_url or os.environ.get("DMB_URL") or (stored and stored.url) or DEFAULT_URL).rstrip("/")
        # The token `dmb login` stored serves only the platform it was issued by.
        token = token or os.environ.get("DMB_TOKEN") or (stored.token if stored and stored.url == base else None)
        headers = {"Authorization": f"Bearer {token}"} if token and not anonymous else {}
        self.http = httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=60)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach the platform at {self.http.base_url}: {exc}") from exc
        if response.is_error:
            raise ApiError(f"{response.status_code}: {_message(response)}", response.status_code)
        return response.json() if response.content else None

    def follow(self, path: str, done: Collection[str], deadline: float) -> Any:
        """The state of the job, export or table at `path` once its status is one of `done`, read from its
        server-sent events (`path/events`): the command learns it the moment the platform does, with one request
        instead of a poll every 0.3 s. None if the stream ended without it or `deadline` (time.monotonic())
        passed; ApiError if the stream cannot be had (the caller then polls, which reports why)."""
        try:
            with self.http.stream("GET", f"{path}/events") as response:
                if response.is_error:
                    response.read()
                    raise ApiError(f"{response.status_code}: {_message(response)}", response.status_code)
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        state = json.loads(line.removeprefix("data:").strip())
                        if isinstance(state, dict) and state.get("status") in done:
                            return state
                    if time.monotonic() > deadline:
                        return None
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot follow {path}: {exc}") from exc
        return None

    def download(self, path: str, target: str) -> int:
        size = 0
        with self.http.stream("GET", path) as response:
            if response.is_error:
                response.read()
                raise ApiError(f"{response.status_code}: {_message(response)}", response.status_code)
            with open(target, "wb") as handle:
                for block in response.iter_bytes():
                    handle.write(block)
                    size += len(block)
        return size
