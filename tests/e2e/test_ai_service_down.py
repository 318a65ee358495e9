"""End to end, embedded mode without the AI service: a job with an AI field still completes, with Faker's
values and a note, once DMB_AI_WAIT_SECONDS have passed."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from dmb_gateway.app import create_app
from dmb_gateway.settings import GatewaySettings
from dmb_platform.launcher import builder, worker_services
from dmb_testing.flow import create_table, wait_for

SPEC = {
    "table_name": "people",
    "fields": [
        {"name": "id", "type": "integer", "primary_key": True},
        {"name": "bio", "type": "text", "nullable": True, "generator": {"kind": "ai"}},
    ],
}


async def test_a_job_completes_with_faker_and_a_note_when_no_ai_service_answers(tmp_path: Path) -> None:
    settings = GatewaySettings(_env_file=None, data_dir=tmp_path, bus_url="memory://", ai_wait_seconds=1)
    without_ai = [builder(name) for name in worker_services() if name != "ai"]
    app = create_app(settings, without_ai)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dmb.test", timeout=60) as client:
            table = await create_table(client, SPEC)
            started = await client.post(f"/api/v1/tables/{table['id']}/jobs", json={"rows": 30, "seed": 1})
            assert started.status_code == 202, started.text
            job = await wait_for(client, f"/api/v1/jobs/{started.json()['id']}", {"completed", "failed"}, within=30)

    assert job["status"] == "completed", job
    assert job["fallbacks"] == ["AI values did not arrive within 1 s; Faker used instead"]
