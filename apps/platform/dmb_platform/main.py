"""The `dmb` command of an installed platform: the API client commands (dmb_cli) plus what needs the platform's
own code: `run` (embedded), `serve <service>` (one process per service) and `users create`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from dmb_cli.main import app
from dmb_common.settings import BaseServiceSettings
from pydantic import ValidationError

from dmb_platform.launcher import run_embedded, serve_gateway, serve_worker, worker_services

# The gateway (FastAPI and all) is imported only by the commands that run it: a worker process starts faster.

Settings = TypeVar("Settings", bound=BaseServiceSettings)

users_app = typer.Typer(
    help="Manage users and their API tokens (run where the gateway's database is).", no_args_is_help=True
)
app.add_typer(users_app, name="users")

__all__ = ["app"]


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _settings(kind: type[Settings]) -> Settings:
    try:
        return kind()
    except ValidationError as exc:
        _fail(f"invalid configuration: {exc}")


@app.command()
def run(
    port: Annotated[int | None, typer.Option(help="Port of the web UI and API (DMB_PORT).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where data is kept (DMB_DATA_DIR).")] = None,
) -> None:
    """Start the whole platform in this process (SQLite, in-process bus, local object folder)."""
    from dmb_gateway.settings import GatewaySettings

    settings = _settings(GatewaySettings)
    updates: dict[str, Any] = {}
    if port is not None:
        updates["port"] = port
    if data_dir is not None:
        updates["data_dir"] = data_dir
    run_embedded(settings.model_copy(update=updates))


@app.command("serve")
def serve_command(service: Annotated[str, typer.Argument(help="gateway, schema, generator, ai or exporter")]) -> None:
    """Start one service as its own process (distributed mode: RabbitMQ, PostgreSQL, S3 from DMB_* settings)."""
    if service == "gateway":
        from dmb_gateway.settings import GatewaySettings

        serve_gateway(_settings(GatewaySettings))
        return
    workers = worker_services()
    if service not in workers:
        _fail(f"unknown service {service!r}; choose one of gateway, {', '.join(workers)}")
    serve_worker(service, _settings(BaseServiceSettings))


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    admin: Annotated[bool, typer.Option("--admin", help="Let the user see and manage everything.")] = False,
    password: Annotated[
        str | None,
        typer.Option(envvar="DMB_USER_PASSWORD", help="Also set a password, to sign in to the web UI."),
    ] = None,
) -> None:
    """Create a user (or reuse one) and print a new API token; only its hash is stored, so keep it."""
    if "@" not in email or len(email) > 254:
        _fail(f"{email!r} is not an e-mail address")
    from dmb_gateway.accounts.refusal import Refused
    from dmb_gateway.settings import GatewaySettings

    from dmb_platform.users import provision

    settings = _settings(GatewaySettings)
    try:
        token = asyncio.run(
            provision(settings.service_database_url("gateway"), email, is_admin=admin, password=password)
        )
    except Refused as refusal:
        _fail(refusal.message)
    typer.echo(f"user {email}{' (admin)' if admin else ''}; API token (shown once): {token}")
