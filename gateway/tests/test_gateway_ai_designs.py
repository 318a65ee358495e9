"""Designs, vocabularies and model settings through the REST API on the embedded platform, with the AI service
talking real HTTP to a scripted OpenAI-compatible endpoint: proposals that create real tables, each user's
records and key kept to themselves, and the key never in a response, a log line or a message in clear."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing.fake_openai import FakeOpenAI, fake_openai
from dmb_testing.flow import create_table, wait_for
from dmb_testing.platform import embedded_client

KEY = "sk-test-0123456789-secret-ABCD"
DESIGN: dict[str, Any] = {
    "tables": [
        {
            "table_name": "admissions",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "patient_id", "type": "foreign_key", "references": "patients.id"},
                {"name": "ward", "type": "string", "choices": ["Urgencias", "Pediatría"]},
            ],
        },
        {
            "table_name": "patients",
            "fields": [
                {"name": "id", "type": "integer", "primary_key": True},
                {"name": "first_name", "type": "string", "faker": "first_name"},
                {"name": "photo", "type": "blob"},
            ],
        },
    ]
}
GENRES: dict[str, Any] = {
    "table_name": "genres",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "name", "type": "string", "max_length": 40},
    ],
}


@pytest.fixture
async def tokens(tmp_path: Path) -> dict[str, str]:
    database = GatewaySettings(data_dir=tmp_path, _env_file=None).service_database_url("gateway")  # type: ignore[call-arg]
    return {
        "ana": await provision_user(database, "ana@example.com"),
        "ben": await provision_user(database, "ben@example.com"),
    }


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The scripted model listens on loopback, which token mode refuses unless the operator allows it.
    async with embedded_client(tmp_path, auth_mode="token", ai_allow_private_endpoints=True) as http:
        yield http


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _use_fake(client: httpx.AsyncClient, token: str, fake: FakeOpenAI) -> dict[str, Any]:
    saved = await client.put(
        "/api/v1/ai/settings",
        json={"base_url": fake.base_url, "model": "fake-model", "api_key": KEY},
        headers=_as(token),
    )
    assert saved.status_code == 200, saved.text
    return dict(saved.json())


async def test_a_design_is_proposed_then_its_tables_create_in_the_order_given(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    client.headers.update(_as(tokens["ana"]))
    with fake_openai(DESIGN) as fake:
        await _use_fake(client, tokens["ana"], fake)
        started = await client.post(
            "/api/v1/ai/designs", json={"sentence": "patients and admissions", "locale": "es_ES"}
        )
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "pending"
        design = await wait_for(client, f"/api/v1/ai/designs/{started.json()['id']}", {"proposed", "failed"})

    assert design["status"] == "proposed", design
    assert [table["table_name"] for table in design["tables"]] == ["patients", "admissions"]
    assert "patients: dropped field 'photo' (unknown type 'blob')" in design["notes"]
    (request,) = fake.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "fake-model"
    assert request.body["max_tokens"] > 0  # in the body itself: llama.cpp ignores max_completion_tokens
    listed = await client.get("/api/v1/tables")
    assert listed.json()["total"] == 0  # nothing is created by a proposal
    created = [await create_table(client, spec) for spec in design["tables"]]
    assert [table["status"] for table in created] == ["created", "created"]


async def test_a_model_that_refuses_the_key_fails_the_design_with_a_reason_and_no_address(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    client.headers.update(_as(tokens["ana"]))
    with fake_openai(401) as fake:
        await _use_fake(client, tokens["ana"], fake)
        started = await client.post("/api/v1/ai/designs", json={"sentence": "a library with books and loans"})
        design = await wait_for(client, f"/api/v1/ai/designs/{started.json()['id']}", {"proposed", "failed"})

    assert design["status"] == "failed"
    assert design["reason"] == "the model endpoint refused the API key"
    assert "127.0.0.1" not in design["reason"]


async def test_without_any_model_a_design_is_refused_at_once(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    response = await client.post("/api/v1/ai/designs", json={"sentence": "shops and sales"}, headers=_as(tokens["ben"]))

    assert response.status_code == 409
    assert response.json()["message"].startswith("No AI model is configured")


async def test_designs_vocabularies_and_settings_are_their_owners_only(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    ana, ben = _as(tokens["ana"]), _as(tokens["ben"])
    with fake_openai(DESIGN, {"values": [{"value": "Rock", "weight": 2}, {"value": "Jazz", "weight": 1}]}) as fake:
        await _use_fake(client, tokens["ana"], fake)
        design = (await client.post("/api/v1/ai/designs", json={"sentence": "hospital"}, headers=ana)).json()
        client.headers.update(ana)
        table = await create_table(client, GENRES)
        vocabulary = (
            await client.post("/api/v1/ai/vocabularies", json={"table_id": table["id"], "field": "name"}, headers=ana)
        ).json()
        await wait_for(client, f"/api/v1/ai/vocabularies/{vocabulary['id']}", {"proposed", "failed"})
    client.headers.pop("Authorization")

    for path in (f"/api/v1/ai/designs/{design['id']}", f"/api/v1/ai/vocabularies/{vocabulary['id']}"):
        assert (await client.get(path, headers=ben)).status_code == 404
    assert (await client.get("/api/v1/ai/designs", headers=ben)).json()["items"] == []
    assert (await client.get("/api/v1/ai/settings", headers=ben)).json()["source"] == "none"
    borrowed = await client.post(
        "/api/v1/ai/vocabularies", json={"table_id": table["id"], "field": "name"}, headers=ben
    )
    assert borrowed.status_code == 404


async def test_a_vocabulary_is_proposed_and_applies_as_a_choices_generator(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    client.headers.update(_as(tokens["ana"]))
    reply = {"values": [{"value": "Rock", "weight": 3}, {"value": "Genre 1"}, {"value": "Jazz", "weight": 1}]}
    with fake_openai(reply) as fake:
        await _use_fake(client, tokens["ana"], fake)
        table = await create_table(client, GENRES)
        started = await client.post(
            "/api/v1/ai/vocabularies", json={"table_id": table["id"], "field": "name", "context": "a jazz club"}
        )
        assert started.status_code == 202, started.text
        vocabulary = await wait_for(client, f"/api/v1/ai/vocabularies/{started.json()['id']}", {"proposed", "failed"})

    assert vocabulary["status"] == "proposed", vocabulary
    assert (vocabulary["values"], vocabulary["weights"]) == (["Rock", "Jazz"], [0.75, 0.25])
    assert vocabulary["table_version"] == 1
    assert "a jazz club" in str(fake.requests[0].body["messages"])
    spec = table["spec"]
    spec["fields"][1]["generator"] = {
        "kind": "choices",
        "values": vocabulary["values"],
        "weights": vocabulary["weights"],
    }
    altered = await client.put(f"/api/v1/tables/{table['id']}", json={"expected_version": 1, "spec": spec})
    assert altered.status_code == 202, altered.text


async def test_a_vocabulary_for_a_field_that_cannot_take_one_is_refused_with_where(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    client.headers.update(_as(tokens["ana"]))
    table = await create_table(client, GENRES)

    missing = await client.post("/api/v1/ai/vocabularies", json={"table_id": table["id"], "field": "title"})
    key = await client.post("/api/v1/ai/vocabularies", json={"table_id": table["id"], "field": "id"})

    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"location": "field", "message": "'title' is not a field of table 'genres'"}]
    assert key.status_code == 422
    assert "is a key" in key.json()["errors"][0]["message"]


async def test_the_key_is_never_shown_logged_or_sent_in_clear(
    client: httpx.AsyncClient, tokens: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.headers.update(_as(tokens["ana"]))
    with fake_openai(DESIGN) as fake:
        saved = await _use_fake(client, tokens["ana"], fake)
        shown = (await client.get("/api/v1/ai/settings")).json()
        started = await client.post("/api/v1/ai/designs", json={"sentence": "patients"})
        design = await wait_for(client, f"/api/v1/ai/designs/{started.json()['id']}", {"proposed", "failed"})

    assert design["status"] == "proposed"
    assert saved == shown
    assert shown == {
        "source": "user",
        "base_url": fake.base_url,
        "model": "fake-model",
        "api_key_set": True,
        "api_key_last4": "ABCD",
    }
    everything_logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records
    )
    assert caplog.records  # the flow did log: the check below looked at something
    assert KEY not in everything_logged
    stored = b"".join(path.read_bytes() for path in sorted(tmp_path.glob("*.db")))  # noqa: ASYNC240 - test files
    assert KEY.encode() not in stored  # not in the gateway's tables nor in any outbox/inbox message


async def test_settings_keep_the_key_until_cleared_and_delete_falls_back_to_none(
    client: httpx.AsyncClient, tokens: dict[str, str]
) -> None:
    client.headers.update(_as(tokens["ana"]))
    await client.put("/api/v1/ai/settings", json={"model": "gpt-4o-mini", "api_key": "short-key"})
    kept = (await client.put("/api/v1/ai/settings", json={"model": "gpt-4.1"})).json()
    cleared = (await client.put("/api/v1/ai/settings", json={"model": "gpt-4.1", "clear_api_key": True})).json()
    bad = await client.put("/api/v1/ai/settings", json={"model": "m", "base_url": "ftp://x"})
    deleted = await client.delete("/api/v1/ai/settings")

    assert (kept["api_key_set"], kept["api_key_last4"], kept["model"]) == (True, None, "gpt-4.1")
    assert cleared["api_key_set"] is False
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "base_url"
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/ai/settings")).json()["source"] == "none"
