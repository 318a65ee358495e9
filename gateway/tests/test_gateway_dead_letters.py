"""Dead letters in the embedded mode (the in-process transport): the same API as on RabbitMQ lists a broken
message, shows its body, replays it (still broken, it is dead-lettered again) and discards it; admins only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from dmb_bus.inprocess import InProcessBus
from dmb_gateway.auth import provision_user
from dmb_platform.launcher import embedded_app


async def dead_count(client: httpx.AsyncClient, queue: str, count: int) -> list[dict[str, object]]:
    async with asyncio.timeout(10):
        while True:
            items: list[dict[str, object]] = (await client.get(f"/api/v1/dead-letters/{queue}")).json()["items"]
            if len(items) == count:
                return items
            await asyncio.sleep(0.02)


async def test_an_in_process_dead_letter_is_listed_shown_replayed_and_discarded_by_an_admin_only(
    tmp_path: Path,
) -> None:
    app = embedded_app(data_dir=tmp_path, bus_url="memory://", _env_file=None)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dmb.test") as client:
            bus = app.state.bus
            assert isinstance(bus, InProcessBus)
            await bus.publish_raw("schema.table.create", b'{"type": "schema.table.create", "message_id": "broken-1"}')
            [letter] = await dead_count(client, "schema", 1)
            shown = (await client.get("/api/v1/dead-letters/schema/broken-1")).json()
            replayed = (await client.post("/api/v1/dead-letters/schema/broken-1/replay")).json()
            again = await dead_count(client, "schema", 1)
            discarded = (await client.delete("/api/v1/dead-letters/schema")).json()
            gone = await client.post("/api/v1/dead-letters/schema/broken-1/replay")
            viewer = await provision_user(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}", "viewer@example.com")
            refused = await client.get("/api/v1/dead-letters/schema", headers={"Authorization": f"Bearer {viewer}"})
            page = await client.get("/admin/dead-letters", headers={"Authorization": f"Bearer {viewer}"})

    assert letter["id"] == "broken-1"
    assert letter["reason"].startswith("unparseable message")
    assert shown["body"] == '{"type": "schema.table.create", "message_id": "broken-1"}'
    assert shown["body_json"] == {"type": "schema.table.create", "message_id": "broken-1"}
    assert replayed == {"queue": "schema", "replayed": 1, "discarded": 0}
    assert [item["id"] for item in again] == ["broken-1"]  # still broken: dead again after the replay
    assert discarded == {"queue": "schema", "replayed": 0, "discarded": 1}
    assert gone.status_code == 404
    assert "No dead letter 'broken-1' in queue 'schema'" in gone.json()["message"]
    assert refused.status_code == 403
    assert page.status_code == 403
