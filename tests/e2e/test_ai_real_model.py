"""End to end against the REAL local model (llama.cpp serving Qwen2.5-Coder 0.5B, `make llm`), in both modes:
embedded (every service in one process, in-process bus, SQLite) and distributed (every service its own
process over RabbitMQ, PostgreSQL and S3). Three jobs run together on each platform:

- an AI field on the local model: the job completes with the model's values, each of them validated;
- the same with a wrong API key (the server requires its key): Faker's values, and the reason on the job;
- the same with the model server unreachable (nothing listens on the port): Faker, and the reason.

Kept small (12 rows, one batch of 12) so the pair of tests takes a few minutes on a CPU; the limits go to the
AI service as the operator's DMB_AI_* settings, the endpoint and key with each job (write-only).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from dmb_contracts.fields import FieldSpec, value_problem
from dmb_testing.flow import create_table, exported_rows, wait_for
from dmb_testing.llm_server import REAL_MODEL_GROUP, LocalLLM
from dmb_testing.platform import embedded_client, platform_processes
from dmb_testing.seaweed import free_ports

pytestmark = [pytest.mark.xdist_group(REAL_MODEL_GROUP), pytest.mark.timeout(1200)]

ROWS = 12
FALLBACK = "AI values unavailable, Faker used instead: "
#: The AI service's limits for these jobs: one call for the 12 values, two more if answers are refused.
AI_ENV = {
    "DMB_AI_BATCH_SIZE": str(ROWS),
    "DMB_AI_MAX_RETRIES": "2",
    "DMB_AI_MIN_POOL": "5",
    "DMB_AI_MAX_TOKENS": "400",
    "DMB_AI_CALL_TIMEOUT_SECONDS": "600",
    "DMB_AI_TEMPERATURE": "0.7",
    # The generator's wait for AI values, counted from the last progress: a CPU model's call takes minutes
    # on a busy machine, longer than the default 120 s.
    "DMB_AI_WAIT_SECONDS": "900",
    # The local model listens on loopback; a distributed platform calls such an address only when allowed.
    "DMB_AI_ALLOW_PRIVATE_ENDPOINTS": "true",
}
NAME = {"name": "name", "type": "string", "max_length": 40, "generator": {"kind": "ai"}}


def spec(table_name: str) -> dict[str, Any]:
    return {
        "table_name": table_name,
        "description": "Music genres of a streaming catalogue",
        "fields": [{"name": "id", "type": "integer", "primary_key": True, "generator": {"kind": "sequence"}}, NAME],
    }


def ai_options(base_url: str, model: str, key: str) -> dict[str, str]:
    return {"context": "Genres of popular music", "base_url": base_url, "model": model, "api_key": key}


async def run_jobs(client: httpx.AsyncClient, llm: LocalLLM) -> dict[str, tuple[dict[str, Any], list[Any]]]:
    """The three jobs, started together; per job its final state and the values its rows got."""
    (closed_port,) = free_ports(1)  # free: nothing listens there
    endpoints = {
        "model": ai_options(llm.base_url, llm.model, llm.api_key),
        "bad_key": ai_options(llm.base_url, llm.model, "sk-wrong-key-for-the-test"),
        "down": ai_options(f"http://127.0.0.1:{closed_port}/v1", llm.model, llm.api_key),
    }
    started: dict[str, tuple[str, str]] = {}
    for name, ai in endpoints.items():
        table = await create_table(client, spec(f"genres_{name}"))
        response = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": ROWS, "seed": 3, "ai": ai})
        assert response.status_code == 202, response.text
        assert ai["api_key"] not in response.text
        started[name] = (table["id"], response.json()["id"])

    async def finish(table_id: str, job_id: str) -> tuple[dict[str, Any], list[Any]]:
        job = await wait_for(client, f"/api/v1/jobs/{job_id}", {"completed", "failed"}, within=900, every=1)
        return job, [row["name"] for row in await exported_rows(client, table_id)]

    finished = await asyncio.gather(*(finish(*ids) for ids in started.values()))
    return dict(zip(started, finished, strict=True))


def check(results: dict[str, tuple[dict[str, Any], list[Any]]], llm: LocalLLM) -> None:
    field = FieldSpec.model_validate(NAME)
    for job, values in results.values():
        assert job["status"] == "completed", job
        assert len(values) == ROWS
        assert all(value_problem(field, value) is None for value in values), values
        assert llm.api_key not in str(job)

    job, values = results["model"]
    assert not any(note.startswith(FALLBACK) for note in job["fallbacks"]), job["fallbacks"]
    assert job["ai_values_needed"] == ROWS
    assert 5 <= job["ai_values_made"] <= ROWS, job
    assert len(set(values)) >= 5, values  # the pool's distinct values, sampled with the seed

    job, _values = results["bad_key"]
    assert job["fallbacks"] == [FALLBACK + "the model endpoint refused the API key"], job
    job, _values = results["down"]
    assert len(job["fallbacks"]) == 1
    assert job["fallbacks"][0].startswith(FALLBACK + "the model endpoint could not be reached"), job


@pytest.fixture
def ai_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in AI_ENV.items():
        monkeypatch.setenv(name, value)
    return AI_ENV


async def test_embedded_jobs_get_the_local_models_values_or_faker_with_the_reason(
    tmp_path: Path, local_llm: LocalLLM, ai_env: dict[str, str]
) -> None:
    async with embedded_client(tmp_path) as client:
        results = await run_jobs(client, local_llm)

    check(results, local_llm)


async def test_distributed_jobs_get_the_local_models_values_or_faker_with_the_reason(
    tmp_path: Path, local_llm: LocalLLM, rabbitmq_url: str, seaweed_endpoint: str
) -> None:
    with platform_processes(tmp_path, rabbitmq_url, seaweed_endpoint, env=AI_ENV) as platform:
        async with httpx.AsyncClient(base_url=platform.url, timeout=60) as client:
            results = await run_jobs(client, local_llm)

    check(results, local_llm)
