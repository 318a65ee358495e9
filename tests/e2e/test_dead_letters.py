"""A real poison message on RabbitMQ, handled the way an operator would: dead-lettered after its retries and
logged, listed and read through the gateway's API, replayed with `dmb dead-letters` once the cause is fixed,
and another one discarded. A stand-in consumer plays the exporter so the test decides when it is fixed."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import pytest
from dmb_bus.base import RetryPolicy
from dmb_bus.rabbitmq import RabbitMQBus
from dmb_cli.main import app as cli
from dmb_contracts.envelope import Message
from dmb_contracts.events import JobFailed
from dmb_gateway.app import create_app
from dmb_gateway.auth import provision_user
from dmb_gateway.settings import GatewaySettings
from dmb_testing.served import served
from typer.testing import CliRunner

FAST = RetryPolicy(max_attempts=3, first_delay=0.05, factor=2.0, max_delay=0.2)


async def dead_in(client: httpx.AsyncClient, queue: str, count: int) -> list[dict[str, object]]:
    async with asyncio.timeout(15):
        while True:
            items: list[dict[str, object]] = (await client.get(f"/api/v1/dead-letters/{queue}")).json()["items"]
            if len(items) == count:
                return items
            await asyncio.sleep(0.1)


def dmb(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["dead-letters", *args], env={"DMB_URL": url, "DMB_TOKEN": ""})
    assert result.exit_code == 0, result.output
    return result.output


async def test_a_poison_message_is_logged_listed_replayed_once_fixed_and_another_discarded(
    tmp_path: Path, rabbitmq_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = GatewaySettings(data_dir=tmp_path, bus_url=rabbitmq_url, log_level="WARNING", _env_file=None)
    fixed = asyncio.Event()
    handled: list[Message] = []
    ran = asyncio.Event()

    async def exporter(message: Message) -> None:
        if not fixed.is_set():
            raise RuntimeError("bucket policy refuses the upload")
        handled.append(message)
        ran.set()

    worker = RabbitMQBus(rabbitmq_url, connection_name="test-exporter")
    worker.subscribe("exporter", ["generator.job.failed"], exporter, retry=FAST)
    await worker.start()
    try:
        with served(create_app(settings)) as url:
            viewer = await provision_user(settings.service_database_url("gateway"), "viewer@example.com")
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                poison = JobFailed(job_id=uuid.uuid4(), reason="secret-ish body text")
                other = JobFailed(job_id=uuid.uuid4(), reason="never wanted")
                with caplog.at_level("ERROR", logger="dmb_bus.dead_letters"):
                    await worker.publish(poison)
                    await worker.publish(other)
                    letters = await dead_in(client, "exporter", 2)

                logged = [r.getMessage() for r in caplog.records if r.name == "dmb_bus.dead_letters"]
                assert len(logged) == 2
                assert all("exporter" in line and "generator.job.failed" in line for line in logged)
                assert any(str(poison.message_id) in line for line in logged)
                assert not any("secret-ish" in line for line in logged)

                counts = {
                    row["queue"]: row["count"] for row in (await client.get("/api/v1/dead-letters")).json()["queues"]
                }
                assert counts["exporter"] == 2
                assert counts["schema"] == 0
                assert {letter["id"] for letter in letters} == {str(poison.message_id), str(other.message_id)}
                shown = (await client.get(f"/api/v1/dead-letters/exporter/{poison.message_id}")).json()
                assert shown["reason"] == "RuntimeError: bucket policy refuses the upload"
                assert shown["attempts"] == FAST.max_attempts
                assert shown["body_json"]["job_id"] == str(poison.job_id)
                assert shown["headers"]["x-dmb-dead-reason"] == shown["reason"]

                refused = await client.get("/api/v1/dead-letters", headers={"Authorization": f"Bearer {viewer}"})
                assert refused.status_code == 403
                assert "admin" in refused.json()["message"]
                missing = await client.get("/api/v1/dead-letters/nope")
                assert missing.status_code == 404
                page = await client.get("/admin/dead-letters")
                assert page.status_code == 200
                assert "Dead letters" in page.text

                listed = await asyncio.to_thread(dmb, url, "list", "exporter")
                assert str(poison.message_id) in listed
                assert "bucket policy refuses the upload" in listed
                body = json.loads(await asyncio.to_thread(dmb, url, "show", "exporter", str(poison.message_id)))
                assert body["body_json"]["reason"] == "secret-ish body text"

                fixed.set()
                replayed = await asyncio.to_thread(dmb, url, "replay", "exporter", str(poison.message_id))
                assert "replayed 1" in replayed
                await asyncio.wait_for(ran.wait(), 10)
                assert [m.message_id for m in handled] == [poison.message_id]

                discarded = await asyncio.to_thread(dmb, url, "discard", "exporter", "--all")
                assert "discarded 1" in discarded
                assert await dead_in(client, "exporter", 0) == []
                assert [m.message_id for m in handled] == [poison.message_id]  # the discarded one never ran
    finally:
        await worker.close(grace=1.0)
