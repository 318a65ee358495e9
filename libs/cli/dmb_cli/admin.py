"""`dmb admin ...`: the admin area from a terminal (users, invitations, every owner's work, the audit log)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dmb_cli.calls import call, fail

admin_app = typer.Typer(
    help="Admins only: users, invitations, every owner's work, the audit log.", no_args_is_help=True
)
users_app = typer.Typer(help="List, create and change users.", no_args_is_help=True)
admin_app.add_typer(users_app, name="users")
QUOTAS = {
    "rows_per_job": "quota_rows_per_job",
    "concurrent_jobs": "quota_concurrent_jobs",
    "tables": "quota_tables",
    "export_bytes": "quota_export_bytes",
}


def _user_line(user: dict[str, Any]) -> str:
    state = "disabled" if user["disabled_at"] else "active"
    quotas = ", ".join(f"{name}={user[field]}" for name, field in QUOTAS.items() if user[field] is not None)
    return f"{user['id']}  {user['email']}  {'admin' if user['is_admin'] else 'user'}  {state}  {quotas}".rstrip()


def _user_id(who: str) -> str:
    """A user's id from their id or e-mail address."""
    if "@" not in who:
        return who
    for user in call("GET", "/admin/users", params={"limit": 500})["items"]:
        if user["email"].lower() == who.lower():
            return str(user["id"])
    fail(f"no user {who}")


@users_app.command("list")
def users_list() -> None:
    """Every user, with role, state and own quotas."""
    for user in call("GET", "/admin/users", params={"limit": 500})["items"]:
        typer.echo(_user_line(user))


@users_app.command("create")
def users_create(
    email: str,
    password: Annotated[str | None, typer.Option(envvar="DMB_USER_PASSWORD", help="None: API tokens only.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin.")] = False,
) -> None:
    """Create a user."""
    typer.echo(_user_line(call("POST", "/admin/users", json={"email": email, "password": password, "is_admin": admin})))


@users_app.command("update")
def users_update(
    who: Annotated[str, typer.Argument(help="The user's id or e-mail address.")],
    admin: Annotated[bool | None, typer.Option("--admin/--no-admin", help="Give or take the admin role.")] = None,
    disabled: Annotated[bool | None, typer.Option("--disable/--enable", help="Refuse or allow the user.")] = None,
    quota: Annotated[
        list[str] | None,
        typer.Option(help="NAME=N (rows_per_job, concurrent_jobs, tables, export_bytes); NAME=default resets."),
    ] = None,
) -> None:
    """Change a user's role, state or quotas."""
    body: dict[str, Any] = {}
    if admin is not None:
        body["is_admin"] = admin
    if disabled is not None:
        body["disabled"] = disabled
    for entry in quota or []:
        name, _, value = entry.partition("=")
        if name not in QUOTAS or not (value == "default" or value.isdigit()):
            fail(f"--quota {entry!r}: expected NAME=N or NAME=default, NAME one of {', '.join(QUOTAS)}")
        body[QUOTAS[name]] = None if value == "default" else int(value)
    typer.echo(_user_line(call("PATCH", f"/admin/users/{_user_id(who)}", json=body)))


@users_app.command("password")
def users_password(
    who: Annotated[str, typer.Argument(help="The user's id or e-mail address.")],
    password: Annotated[str | None, typer.Option(envvar="DMB_USER_PASSWORD", help="None: one is made.")] = None,
) -> None:
    """Reset a user's password (signs them out of the web UI)."""
    made = call("POST", f"/admin/users/{_user_id(who)}/password", json={"password": password})["password"]
    typer.echo(f"new password (shown once): {made}" if made else "password set")


@admin_app.command("invite")
def invite(email: str, admin: Annotated[bool, typer.Option("--admin", help="Invite as an admin.")] = False) -> None:
    """Invite someone to sign up; prints the sign-up path to send them (on the platform's address)."""
    made = call("POST", "/admin/invites", json={"email": email, "is_admin": admin})
    typer.echo(f"invitation for {made['email']} until {made['expires_at']}: {made['signup_path']}")


def _work(kind: str, owner: str | None) -> None:
    params: dict[str, Any] = {"limit": 500} | ({"owner": _user_id(owner)} if owner else {})
    for item in call("GET", f"/admin/{kind}", params=params)["items"]:
        typer.echo(f"{item['id']}  {item['owner_email']}  {item['name']}  {item['status']}  {item['detail']}")


Owner = Annotated[str | None, typer.Option(help="Only this user's (id or e-mail address).")]


@admin_app.command("tables")
def tables(owner: Owner = None) -> None:
    """Every owner's tables (drop one with `dmb tables drop ID`)."""
    _work("tables", owner)


@admin_app.command("jobs")
def jobs(owner: Owner = None) -> None:
    """Every owner's jobs (cancel one with `dmb jobs cancel ID`)."""
    _work("jobs", owner)


@admin_app.command("exports")
def exports(owner: Owner = None) -> None:
    """Every owner's exports (download or retry one with `dmb exports ...`)."""
    _work("exports", owner)


@admin_app.command("audit")
def audit() -> None:
    """What admins did, newest first."""
    for entry in call("GET", "/admin/audit", params={"limit": 500})["items"]:
        detail = ", ".join(f"{key}={value}" for key, value in entry["detail"].items())
        typer.echo(f"{entry['at']}  {entry['actor_email']}  {entry['action']}  {entry['target']}  {detail}".rstrip())
