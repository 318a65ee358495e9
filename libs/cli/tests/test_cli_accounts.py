"""`dmb login`, `dmb tokens create|list|revoke`, `dmb account`, `dmb logout` and `dmb admin ...` against a live
platform in token mode: the stored token file is private, a token is shown once, a revoked token stops working,
and an admin manages users from the terminal while anyone else is refused with the API's 403."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from dmb_platform.main import app  # the whole `dmb`: `users create` runs where the gateway is
from dmb_testing.accounts import PASSWORD
from dmb_testing.platform import live_embedded
from typer.testing import CliRunner


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DMB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DMB_CONFIG", str(tmp_path / "home" / "dmb" / "login.json"))
    monkeypatch.delenv("DMB_TOKEN", raising=False)
    monkeypatch.delenv("DMB_URL", raising=False)
    with live_embedded(tmp_path / "data", auth_mode="token") as served:
        yield served


def dmb(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> str:
    result = dmb(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_login_stores_a_private_token_that_the_next_commands_use(url: str, tmp_path: Path) -> None:
    ok("users", "create", "ada@example.com", "--password", PASSWORD)

    wrong = dmb("login", "--url", url, "--email", "ada@example.com", "--password", "not it")
    assert wrong.exit_code == 1
    assert "401: Wrong e-mail address or password" in wrong.output
    out = ok("login", "--url", url, "--email", "ada@example.com", "--password", PASSWORD)

    stored = tmp_path / "home" / "dmb" / "login.json"
    assert f"signed in to {url} as ada@example.com" in out
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert PASSWORD not in stored.read_text()
    assert ok("account").startswith("ada@example.com")

    token = json.loads(stored.read_text())["token"]
    ok("logout")
    assert not stored.exists()
    assert httpx.get(f"{url}/api/v1/account", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_is_shown_once_listed_by_prefix_and_refused_once_revoked(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("users", "create", "ada@example.com", "--password", PASSWORD)
    ok("login", "--url", url, "--email", "ada@example.com", "--password", PASSWORD)

    created = ok("tokens", "create", "ci", "--expires-days", "30")
    match = re.search(r"^(\S+)  ci; token \(shown once\): (dmb_\S+)$", created.strip())
    assert match is not None, created
    token_id, token = match.groups()
    listing = ok("tokens", "list")
    assert token[:12] in listing
    assert token not in listing
    assert "expires 20" in listing
    assert httpx.get(f"{url}/api/v1/tables", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    assert "revoked" in ok("tokens", "revoke", token_id)
    refused = httpx.get(f"{url}/api/v1/tables", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert "revoked" in refused.json()["message"]
    unknown = dmb("tokens", "revoke", "00000000-0000-4000-8000-00000000abcd")
    assert unknown.exit_code == 1
    assert "No API token with id" in unknown.output


def test_an_admin_manages_users_from_the_terminal_and_others_are_refused(url: str) -> None:
    ok("users", "create", "root@example.com", "--admin", "--password", PASSWORD)
    ok("login", "--url", url, "--email", "root@example.com", "--password", PASSWORD)

    assert "bob@example.com  user  active" in ok("admin", "users", "create", "bob@example.com", "--password", PASSWORD)
    changed = ok("admin", "users", "update", "bob@example.com", "--quota", "tables=2", "--quota", "rows_per_job=50")
    assert changed.strip().endswith("rows_per_job=50, tables=2")
    bad = dmb("admin", "users", "update", "bob@example.com", "--quota", "tables=lots")
    assert bad.exit_code == 1
    assert "expected NAME=N or NAME=default" in bad.output
    assert "/signup?invite=" in ok("admin", "invite", "cy@example.com")
    made = ok("admin", "users", "password", "bob@example.com")
    assert made.startswith("new password (shown once): ")
    listing = ok("admin", "users", "list")
    assert "root@example.com  admin  active" in listing
    assert "bob@example.com  user  active" in listing
    audit = ok("admin", "audit")
    assert "user.password_reset  bob@example.com  generated=True" in audit
    assert "invite.create  cy@example.com" in audit

    ok("login", "--url", url, "--email", "bob@example.com", "--password", made.split(": ")[1].strip())
    refused = dmb("admin", "users", "list")
    assert refused.exit_code == 1
    assert "403: Only admins may do this" in refused.output
