"""User-supplied model base URLs through the REST API in token mode: not http(s), credentials in the URL,
loopback, private or metadata addresses → a 422 that says what and where; nothing is saved or started."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing.flow import create_table
from dmb_testing.platform import embedded_client

SPEC = {
    "table_name": "notes",
    "fields": [{"name": "id", "type": "integer", "primary_key": True}, {"name": "text", "type": "string"}],
}


@pytest.fixture
async def token(tmp_path: Path) -> str:
    database = GatewaySettings(data_dir=tmp_path, _env_file=None).service_database_url("gateway")  # type: ignore[call-arg]
    return await provision_user(database, "ana@example.com")


@pytest.fixture
async def client(tmp_path: Path, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with embedded_client(tmp_path, auth_mode="token") as http:
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:8080/v1", "DMB_AI_ALLOW_PRIVATE_ENDPOINTS"),
        ("http://localhost:8080/v1", "DMB_AI_ALLOW_PRIVATE_ENDPOINTS"),
        ("http://10.0.0.8/v1", "private"),
        ("http://169.254.169.254/latest", "metadata"),
        ("https://sk:secret@api.example.com/v1", "user name or password"),
        ("gopher://api.example.com/v1", "http:// or https://"),
    ],
)
async def test_settings_with_an_unsafe_base_url_are_refused_with_where(
    client: httpx.AsyncClient, url: str, words: str
) -> None:
    response = await client.put("/api/v1/ai/settings", json={"base_url": url, "model": "m"})

    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["location"] == "base_url"
    assert words in error["message"]
    assert (await client.get("/api/v1/ai/settings")).json()["source"] == "none"  # nothing saved


async def test_a_job_or_batch_with_an_unsafe_base_url_is_refused_and_nothing_starts(client: httpx.AsyncClient) -> None:
    table = await create_table(client, SPEC)
    ai = {"base_url": "http://127.0.0.1:11434/v1", "model": "m"}

    single = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 5, "ai": ai})
    batch = await client.post("/api/v1/jobs", json={"tables": [{"table_id": table["id"], "rows": 5}], "ai": ai})
    with_password = await client.post(
        f"/api/v1/tables/{table['id']}/jobs", json={"rows": 5, "ai": {"base_url": "http://u:p@example.com/v1"}}
    )

    for response in (single, batch):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["location"] == "ai.base_url"
    assert with_password.status_code == 422
    assert "user name or password" in with_password.text
    assert (await client.get("/api/v1/jobs")).json()["items"] == []


async def test_the_operator_may_allow_private_endpoints(tmp_path: Path, token: str) -> None:
    async with embedded_client(tmp_path, auth_mode="token", ai_allow_private_endpoints=True) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        saved = await client.put("/api/v1/ai/settings", json={"base_url": "http://127.0.0.1:8080/v1", "model": "m"})
        metadata = await client.put("/api/v1/ai/settings", json={"base_url": "http://169.254.169.254/", "model": "m"})

    assert saved.status_code == 200, saved.text
    assert metadata.status_code == 422  # never, whatever the operator allows


async def test_local_mode_allows_a_model_on_this_machine_by_default(tmp_path: Path) -> None:
    async with embedded_client(tmp_path / "local") as client:
        saved = await client.put("/api/v1/ai/settings", json={"base_url": "http://127.0.0.1:8080/v1", "model": "m"})

    assert saved.status_code == 200, saved.text
