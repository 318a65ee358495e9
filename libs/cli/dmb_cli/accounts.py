"""`dmb login`, `dmb logout`, `dmb account` and `dmb tokens ...`: sign in from a terminal and manage API tokens."""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated, Any

import typer

from dmb_cli import stored_login
from dmb_cli.calls import call, fail
from dmb_cli.client import DEFAULT_URL, Client

tokens_app = typer.Typer(help="Create, list and revoke your API tokens.", no_args_is_help=True)
ExpiresDays = Annotated[
    int | None, typer.Option("--expires-days", min=1, max=3650, help="Days until the token stops working.")
]


def _expiry(days: int | None) -> str | None:
    return None if days is None else (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def login(
    email: Annotated[str, typer.Option(prompt=True, help="Your account's e-mail address.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, envvar="DMB_PASSWORD", help="Prompted when not given.")
    ],
    url: Annotated[str | None, typer.Option(help="The platform's address (DMB_URL).")] = None,
    name: Annotated[str, typer.Option(help="The name the new token is listed under.")] = "dmb cli",
    expires_days: ExpiresDays = 90,
) -> None:
    """Sign in with e-mail and password; a new API token is stored for the next commands (file mode 0600)."""
    base = (url or os.environ.get("DMB_URL") or DEFAULT_URL).rstrip("/")
    body = {"email": email, "password": password, "name": name, "expires_at": _expiry(expires_days)}
    created = call("POST", "/auth/token", Client(base_url=base, anonymous=True), json=body)
    path = stored_login.save(
        stored_login.StoredLogin(url=base, email=email, token=created["token"], token_id=created["id"])
    )
    typer.echo(f"signed in to {base} as {email}; token {created['prefix']}… stored in {path}")


def logout() -> None:
    """Revoke the token `dmb login` stored, and forget it."""
    stored = stored_login.load()
    if stored is None:
        fail(f"not signed in (no {stored_login.config_path()})")
    call("DELETE", f"/tokens/{stored.token_id}", Client(base_url=stored.url, token=stored.token))
    stored_login.forget()
    typer.echo(f"signed out of {stored.url}; token revoked")


def account() -> None:
    """Who you are, your quotas and how much of them you use."""
    me = call("GET", "/account")
    typer.echo(f"{me['email']}{' (admin)' if me['is_admin'] else ''}")
    quotas, usage = me["quotas"], me["usage"]
    typer.echo(f"  jobs at once      {usage['active_jobs']} of {quotas['concurrent_jobs']}")
    typer.echo(f"  tables            {usage['tables']} of {quotas['tables']}")
    typer.echo(f"  stored exports    {usage['export_bytes']:,} of {quotas['export_bytes']:,} bytes")
    typer.echo(f"  rows per job      up to {quotas['rows_per_job']:,}")


def _token_line(token: dict[str, Any]) -> str:
    state = "revoked" if token["revoked_at"] else f"expires {token['expires_at'] or 'never'}"
    return f"{token['id']}  {token['prefix']}…  {token['name']}  {state}  last used {token['last_used_at'] or '-'}"


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'ci'.")], expires_days: ExpiresDays = None
) -> None:
    """Create an API token and print it: it is shown this once."""
    created = call("POST", "/tokens", json={"name": name, "expires_at": _expiry(expires_days)})
    typer.echo(f"{created['id']}  {created['name']}; token (shown once): {created['token']}")


@tokens_app.command("list")
def tokens_list() -> None:
    """Your tokens, newest first (their prefix only)."""
    items = call("GET", "/tokens")["items"]
    for token in items:
        typer.echo(_token_line(token))
    if not items:
        typer.echo("no tokens")


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="The token's id, from `dmb tokens list`.")]) -> None:
    """Revoke a token: from now on it is refused."""
    typer.echo(_token_line(call("DELETE", f"/tokens/{token_id}")))


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("account")(account)
    app.add_typer(tokens_app, name="tokens")
