"""The `dmb` command: run the platform, and drive it (tables, jobs, exports) from a terminal."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from dmb_common.settings import BaseServiceSettings
from pydantic import ValidationError

from dmb_cli.client import ApiError, Client

Settings = TypeVar("Settings", bound=BaseServiceSettings)

app = typer.Typer(
    help="Dynamic Model Builder: design tables, fill them with realistic data, export them.", no_args_is_help=True
)
tables_app = typer.Typer(help="Design, list and drop tables.", no_args_is_help=True)
jobs_app = typer.Typer(help="Follow and cancel generation jobs.", no_args_is_help=True)
exports_app = typer.Typer(help="List and download exports.", no_args_is_help=True)
users_app = typer.Typer(
    help="Manage users and their API tokens (run where the gateway's database is).", no_args_is_help=True
)
app.add_typer(tables_app, name="tables")
app.add_typer(jobs_app, name="jobs")
app.add_typer(exports_app, name="exports")
app.add_typer(users_app, name="users")

FINISHED = ("completed", "failed", "cancelled", "rejected", "created", "dropped")


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _call(method: str, path: str, **kwargs: Any) -> Any:
    try:
        return Client().request(method, path, **kwargs)
    except ApiError as exc:
        _fail(str(exc))


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _wait(path: str, done: tuple[str, ...], timeout: float = 3600) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        state = _call("GET", path)
        if state["status"] in done:
            return state
        if time.monotonic() > deadline:
            _fail(f"still {state['status']} after {timeout:.0f} s")
        time.sleep(0.3)


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

    from dmb_cli.launcher import run_embedded

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
    from dmb_cli.launcher import WORKER_SERVICES, serve_gateway, serve_worker

    if service == "gateway":
        from dmb_gateway.settings import GatewaySettings

        serve_gateway(_settings(GatewaySettings))
        return
    for name in WORKER_SERVICES:
        if service == name:
            serve_worker(name, _settings(BaseServiceSettings))
            return
    _fail(f"unknown service {service!r}; choose one of gateway, {', '.join(WORKER_SERVICES)}")


@tables_app.command("create")
def tables_create(
    spec_file: Annotated[Path, typer.Argument(help="A JSON table definition.", exists=True, dir_okay=False)],
    wait: bool = True,
) -> None:
    """Create a table from a JSON definition and wait until it exists."""
    try:
        spec = json.loads(spec_file.read_text())
    except json.JSONDecodeError as exc:
        _fail(f"{spec_file} is not valid JSON: {exc}")
    table = _call("POST", "/tables", json=spec)
    if wait:
        table = _wait(f"/tables/{table['id']}", ("created", "rejected"))
    if table["status"] == "rejected":
        _fail(f"table {table['table_name']} was rejected: {table['reason']}")
    typer.echo(f"{table['id']}  {table['table_name']}  {table['status']}")


@tables_app.command("list")
def tables_list() -> None:
    for table in _call("GET", "/tables", params={"limit": 500})["items"]:
        typer.echo(f"{table['id']}  {table['table_name']:<30} {table['status']:<10} v{table['version']}")


@tables_app.command("show")
def tables_show(table_id: str) -> None:
    _print(_call("GET", f"/tables/{table_id}"))


@tables_app.command("drop")
def tables_drop(table_id: str, yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    if not yes:
        typer.confirm("Drop the table and all its rows?", abort=True)
    _call("DELETE", f"/tables/{table_id}")
    typer.echo(f"{_wait(f'/tables/{table_id}', ('dropped', 'created'))['status']}")


@app.command()
def generate(
    table_id: str,
    rows: Annotated[int, typer.Option(min=1, help="How many rows to add.")] = 1000,
    seed: Annotated[int | None, typer.Option(help="Same seed, same rows.")] = None,
    locale: str = "en_US",
    wait: bool = True,
) -> None:
    """Fill a table with generated rows."""
    body: dict[str, Any] = {"rows": rows, "locale": locale}
    if seed is not None:
        body["seed"] = seed
    job = _call("POST", f"/tables/{table_id}/jobs", json=body)
    if wait:
        job = _wait(f"/jobs/{job['id']}", ("completed", "failed", "cancelled"))
    if job["status"] == "failed":
        _fail(f"job {job['id']} failed: {job['reason']}")
    typer.echo(f"{job['id']}  {job['status']}  {job['rows_done']}/{job['rows']} rows  seed {job['seed']}")


@jobs_app.command("show")
def jobs_show(job_id: str) -> None:
    _print(_call("GET", f"/jobs/{job_id}"))


@jobs_app.command("cancel")
def jobs_cancel(job_id: str) -> None:
    _call("POST", f"/jobs/{job_id}/cancel")
    typer.echo(_wait(f"/jobs/{job_id}", ("completed", "failed", "cancelled"))["status"])


@app.command()
def export(
    table_id: str,
    format: Annotated[str, typer.Option("--format", "-f", help="xlsx, csv or jsonl")] = "xlsx",
    job: Annotated[str | None, typer.Option(help="Record this job's seed and provenance.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Download the file here when ready.")] = None,
) -> None:
    """Export a table; with -o, wait and download the file."""
    body: dict[str, Any] = {"format": format}
    if job:
        body["job_id"] = job
    record = _call("POST", f"/tables/{table_id}/exports", json=body)
    record = _wait(f"/exports/{record['id']}", ("completed", "failed"))
    if record["status"] == "failed":
        _fail(f"export {record['id']} failed: {record['reason']}")
    if output is not None:
        exports_download(record["id"], output)
    else:
        typer.echo(f"{record['id']}  {record['status']}  {record['rows']} rows  {record['size_bytes']} bytes")


@exports_app.command("list")
def exports_list() -> None:
    for record in _call("GET", "/exports")["items"]:
        typer.echo(
            f"{record['id']}  {record['format']:<5} {record['status']:<10} {record['rows'] or '':>8}  {record['created_at']}"
        )


@exports_app.command("download")
def exports_download(export_id: str, output: Path) -> None:
    try:
        size = Client().download(f"/exports/{export_id}/download", str(output))
    except ApiError as exc:
        _fail(str(exc))
    typer.echo(f"saved {output} ({size:,} bytes)")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    admin: Annotated[bool, typer.Option("--admin", help="Let the user see and manage everything.")] = False,
) -> None:
    """Create a user (or reuse one) and print a new API token; only its hash is stored, so keep it."""
    import asyncio

    from dmb_gateway.auth import provision_user
    from dmb_gateway.settings import GatewaySettings

    if "@" not in email or len(email) > 254:
        _fail(f"{email!r} is not an e-mail address")
    settings = _settings(GatewaySettings)
    token = asyncio.run(provision_user(settings.service_database_url("gateway"), email, is_admin=admin))
    typer.echo(f"user {email}{' (admin)' if admin else ''}; API token (shown once): {token}")
