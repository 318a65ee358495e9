"""`dmb dead-letters list|show|replay|discard`: the messages a queue gave up on (admins)."""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn
from urllib.parse import quote

import typer

from dmb_cli.client import ApiError, Client

app = typer.Typer(
    help="List, read, replay or discard the messages a queue gave up on (admins only).", no_args_is_help=True
)


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _call(method: str, path: str) -> Any:
    try:
        return Client().request(method, f"/dead-letters{path}")
    except ApiError as exc:
        _fail(str(exc))


def _path(queue: str, letter_id: str | None = None) -> str:
    return f"/{quote(queue, safe='')}" + (f"/{quote(letter_id, safe='')}" if letter_id else "")


def _one_or_all(letter_id: str | None, every: bool, verb: str) -> None:
    if (letter_id is not None) != every:  # exactly one of the two
        return
    _fail(f"name the letter to {verb} (its id from `dmb dead-letters list QUEUE`) or pass --all, not both")


@app.command("list")
def list_letters(
    queue: Annotated[str | None, typer.Argument(help="A queue (e.g. exporter); without it: counts per queue.")] = None,
) -> None:
    """Dead letters per queue, or one queue's letters (id, type, attempts, reason)."""
    if queue is None:
        for row in _call("GET", "")["queues"]:
            typer.echo(f"{row['queue']:<20} {row['count']}")
        return
    items = _call("GET", _path(queue))["items"]
    if not items:
        typer.echo(f"no dead letters in {queue}")
    for letter in items:
        typer.echo(
            f"{letter['id']}  {letter['type'] or '(untyped)'}  attempts={letter['attempts']}  {letter['reason']}"
        )


@app.command()
def show(queue: str, letter_id: str) -> None:
    """One letter: its reason, headers and body (JSON)."""
    typer.echo(json.dumps(_call("GET", _path(queue, letter_id)), indent=2, default=str))


@app.command()
def replay(
    queue: str,
    letter_id: Annotated[str | None, typer.Argument(help="The letter's id; or --all.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Replay every dead letter of the queue.")] = False,
) -> None:
    """Put a letter (or all) back on its queue with a fresh set of retries; fix the cause first."""
    _one_or_all(letter_id, every, "replay")
    outcome = _call("POST", f"{_path(queue, letter_id)}/replay")
    typer.echo(f"replayed {outcome['replayed']} to {queue}")


@app.command()
def discard(
    queue: str,
    letter_id: Annotated[str | None, typer.Argument(help="The letter's id; or --all.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Discard every dead letter of the queue.")] = False,
) -> None:
    """Delete a letter (or all) for good."""
    _one_or_all(letter_id, every, "discard")
    outcome = _call("DELETE", _path(queue, letter_id))
    typer.echo(f"discarded {outcome['discarded']} from {queue}")
