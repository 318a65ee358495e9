"""Calling the REST API from a command: a failure becomes a red message and exit code 1, never a traceback."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any, NoReturn

import typer

from dmb_cli.client import ApiError, Client


def fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def call(method: str, path: str, client: Client | None = None, **kwargs: Any) -> Any:
    try:
        return (client or Client()).request(method, path, **kwargs)
    except ApiError as exc:
        fail(str(exc))


def wait(path: str, done: Collection[str], timeout: float = 3600, every: float = 0.3) -> Any:
    """The state at `path` once its status is one of `done`, followed through its event stream; polled every
    `every` seconds if the stream broke off or is not served. A command gives up after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    client = Client()
    try:
        followed = client.follow(path, done, deadline)
    except ApiError:
        followed = None  # the poll below reports what is wrong, in the same words as any other call
    if followed is not None:
        return followed
    while True:
        state = call("GET", path, client)
        if state["status"] in done:
            return state
        if time.monotonic() > deadline:
            fail(f"still {state['status']} after {timeout:.0f} s")
        time.sleep(every)
