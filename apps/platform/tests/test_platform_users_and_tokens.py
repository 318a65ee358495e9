"""`dmb users create` makes a token that the gateway accepts in token mode; nothing works without one."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from dmb_gateway.app import create_app
from dmb_gateway.settings import AuthMode, GatewaySettings
from dmb_platform.launcher import embedded_builders
from dmb_platform.main import app
from typer.testing import CliRunner


async def test_a_created_token_is_accepted_and_requests_without_one_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DMB_DATA_DIR", str(tmp_path))
    # The command runs its own event loop, as it does from a shell; keep it off this test's loop.
    result = await asyncio.to_thread(CliRunner().invoke, app, ["users", "create", "ada@example.com"])
    assert result.exit_code == 0, result.output
    match = re.search(r"token \(shown once\): (dmb_\S+)", result.output)
    assert match is not None
    token = match.group(1)

    settings = GatewaySettings(data_dir=tmp_path, auth_mode=AuthMode.TOKEN, _env_file=None)
    application = create_app(settings, embedded_builders())
    async with LifespanManager(application, startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dmb.test") as client:
            anonymous = await client.get("/api/v1/tables")
            assert anonymous.status_code == 401
            assert "API token is required" in anonymous.json()["message"]
            forged = await client.get("/api/v1/tables", headers={"Authorization": "Bearer dmb_not-a-token"})
            assert forged.status_code == 401
            allowed = await client.get("/api/v1/tables", headers={"Authorization": f"Bearer {token}"})
            assert allowed.status_code == 200
            assert allowed.json()["total"] == 0


def test_a_bad_email_is_refused_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMB_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["users", "create", "not-an-address"])
    assert result.exit_code == 1
    assert "is not an e-mail address" in result.output


def test_an_unknown_service_is_refused() -> None:
    result = CliRunner().invoke(app, ["serve", "billing"])
    assert result.exit_code == 1
    assert "unknown service 'billing'" in result.output
