"""A job with AI fields on the embedded platform (in-process bus, every service, SQLite), the model scripted:
its rows hold validated AI values written together, its progress and notes show on the job, and its key is
never shown back."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from dmb_ai.adapters.chat_model import ModelEndpoint
from dmb_ai.bootstrap import build as build_ai
from dmb_ai.settings import AISettings
from dmb_gateway.app import create_app
from dmb_gateway.settings import GatewaySettings
from dmb_platform.launcher import builder
from dmb_testing.chat_models import ScriptedChatModel, rows_reply
from dmb_testing.flow import create_table, exported_rows, wait_for
from langchain_core.language_models import BaseChatModel

KEY = "sk-job-key-NEVER-SHOWN-42"
ADMISSIONS = [
    ("Neumonía adquirida en la comunidad", "Neumología"),
    ("Insuficiencia cardíaca congestiva", "Cardiología"),
    ("Fractura de cadera", "Traumatología"),
    ("Apendicitis aguda", "Cirugía general"),
    ("Diabetes mellitus tipo 2 descompensada", "Endocrinología"),
    ("Accidente cerebrovascular isquémico", "Neurología"),
]
PLACEHOLDERS = [("Paciente 1", "Departamento 1"), ("Paciente 2", "Departamento 2"), ("Paciente 3", "Departamento 3")]
SPEC: dict[str, Any] = {
    "table_name": "admissions",
    "description": "Ingresos de un hospital",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}},
        {"name": "diagnosis", "type": "string", "max_length": 80, "generator": {"kind": "ai"}},
        {"name": "department", "type": "string", "max_length": 40, "generator": {"kind": "ai"}},
        {"name": "stay_days", "type": "integer", "min": 1, "max": 30, "generator": {"kind": "ai"}},
    ],
}


def reply(pairs: list[tuple[str, str]]) -> Any:
    return rows_reply([{"diagnosis": diagnosis, "department": department} for diagnosis, department in pairs])


@contextlib.asynccontextmanager
async def platform(data_dir: Path, script: list[Any]) -> AsyncIterator[tuple[httpx.AsyncClient, list[ModelEndpoint]]]:
    endpoints: list[ModelEndpoint] = []

    def models(endpoint: ModelEndpoint) -> BaseChatModel:
        endpoints.append(endpoint)
        return ScriptedChatModel(script=script)

    ai = AISettings(_env_file=None, batch_size=6, max_retries=2, call_timeout_seconds=10, min_pool=5)
    services = [
        builder("schema"),
        builder("generator"),
        partial(build_ai, ai_settings=ai, models=models),
        builder("exporter"),
    ]
    settings = GatewaySettings(data_dir=data_dir, bus_url="memory://", _env_file=None)
    app = create_app(settings, services)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=60) as client:
            yield client, endpoints


async def test_a_job_with_ai_fields_gets_validated_rows_and_never_shows_its_key(tmp_path: Path) -> None:
    async with platform(tmp_path, [reply(PLACEHOLDERS + ADMISSIONS[:3]), reply(ADMISSIONS[3:])]) as (client, endpoints):
        table = await create_table(client, SPEC)
        ai = {"context": "un hospital español", "base_url": "http://127.0.0.1:9/v1", "model": "qwen", "api_key": KEY}
        started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 300, "seed": 7, "ai": ai})
        assert started.status_code == 202, started.text
        job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed"}, within=120)
        rows = await exported_rows(client, table["id"])
        listed = await client.get("/api/v1/jobs")

    assert job["status"] == "completed", job
    assert (job["ai_values_made"], job["ai_values_needed"]) == (6, 200)
    assert job["fallbacks"] == [
        "field stay_days: integer values come from its range, not from a model",
        "AI made 6 of 200 values (the answers did not pass validation after 5 model calls); they repeat",
    ]
    assert {(row["diagnosis"], row["department"]) for row in rows} == set(ADMISSIONS)
    assert all(1 <= row["stay_days"] <= 30 for row in rows)
    assert endpoints[0].api_key is not None
    assert endpoints[0].api_key.get_secret_value() == KEY
    assert KEY not in started.text + listed.text + str(job)


async def test_a_job_whose_model_fails_completes_with_faker_and_the_reason(tmp_path: Path) -> None:
    async with platform(tmp_path, [reply(PLACEHOLDERS)]) as (client, _endpoints):
        table = await create_table(client, SPEC)
        ai = {"context": "un hospital español", "base_url": "http://127.0.0.1:9/v1", "model": "qwen"}
        started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 50, "ai": ai})
        job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed"}, within=120)

    assert job["status"] == "completed", job
    assert job["fallbacks"][0] == (
        "AI values unavailable, Faker used instead: the answers did not pass validation after 3 model calls"
    )


async def test_a_batch_uses_the_users_saved_model_settings_like_a_single_job(tmp_path: Path) -> None:
    async with platform(tmp_path, [reply(ADMISSIONS)]) as (client, endpoints):
        saved = await client.put(
            "/api/v1/ai/settings", json={"base_url": "http://127.0.0.1:9/v1", "model": "mine", "api_key": KEY}
        )
        assert saved.status_code == 200, saved.text
        table = await create_table(client, SPEC)
        started = await client.post(
            "/api/v1/jobs",
            json={"tables": [{"table_id": table["id"], "rows": 40}], "ai": {"context": "un hospital español"}},
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["jobs"][0]["job_id"]
        job = await wait_for(client, f"/api/v1/jobs/{job_id}", {"completed", "failed"}, within=120)
        rows = await exported_rows(client, table["id"])

    assert job["status"] == "completed", job
    assert [(endpoint.base_url, endpoint.model) for endpoint in endpoints] == [("http://127.0.0.1:9/v1", "mine")]
    assert endpoints[0].api_key is not None
    assert endpoints[0].api_key.get_secret_value() == KEY
    assert {(row["diagnosis"], row["department"]) for row in rows} <= set(ADMISSIONS)
    assert not any("Faker" in note for note in job["fallbacks"]), job["fallbacks"]


async def test_a_job_smaller_than_the_minimum_pool_asks_only_for_its_rows_and_uses_them(tmp_path: Path) -> None:
    # min_pool is 5 here: a 3-row job needs 3 values, not 5, and does not fall back to Faker for lack of 2.
    async with platform(tmp_path, [reply(ADMISSIONS[:3])]) as (client, _endpoints):
        table = await create_table(client, SPEC)
        ai = {"base_url": "http://127.0.0.1:9/v1", "model": "qwen"}
        started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 3, "ai": ai})
        job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed"}, within=120)
        rows = await exported_rows(client, table["id"])

    assert job["status"] == "completed", job
    assert (job["ai_values_made"], job["ai_values_needed"]) == (3, 3)
    assert not any("Faker" in note for note in job["fallbacks"]), job["fallbacks"]
    assert {(row["diagnosis"], row["department"]) for row in rows} <= set(ADMISSIONS[:3])  # sampled with the seed
