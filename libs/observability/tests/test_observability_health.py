"""A worker's health listener as a prober and Prometheus see it: alive, ready or which check is not, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from dmb_observability.health import HealthServer, ReadinessCheck
from dmb_observability.metrics import DEAD_LETTERS


async def answers() -> None:
    return None


async def broken() -> None:
    raise ConnectionRefusedError("db.internal.example:5432 refused the connection")


@pytest.fixture
async def health() -> AsyncIterator[str]:
    server = HealthServer([ReadinessCheck("database", broken), ReadinessCheck("broker", answers)])
    port = await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.stop()


async def test_health_readiness_names_the_failed_check_without_its_detail_and_metrics_answer(health: str) -> None:
    DEAD_LETTERS.labels("exporter").inc()
    async with httpx.AsyncClient(base_url=health) as client:
        alive = await client.get("/healthz")
        ready = await client.get("/readyz")
        metrics = await client.get("/metrics")
        missing = await client.get("/nope")

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "checks": {"database": "unavailable", "broker": "ok"}}
    assert "db.internal" not in ready.text
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'dmb_dead_letters_total{queue="exporter"}' in metrics.text
    assert missing.status_code == 404
