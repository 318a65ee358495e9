"""Calling the REST API from a command: a failure becomes a red message and exit code 1, never a traceback."""

from __future__ import annotations

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
