"""`dmb admin ...` against a live platform in token mode: an admin manages users and invitations and reads the
audit log; anyone else is refused with the API's 403."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from dmb_cli.main import app
from dmb_testing.accounts import PASSWORD
from dmb_testing.platform import live_embedded
from typer.testing import CliRunner


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DMB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DMB_CONFIG", str(tmp_path / "login.json"))
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
