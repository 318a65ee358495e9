"""End to end, distributed mode: every service in its own process, over the real RabbitMQ, PostgreSQL
(one database per service plus the datasets database) and a real S3 endpoint (SeaweedFS). The same run shows
what an operator relies on: every process answers /healthz, /readyz and /metrics, logs JSON lines, and one
job (and one export) can be followed across the services by the correlation id on its log lines."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
from dmb_testing.flow import check_workbook, reference_spec, run_flow
from dmb_testing.platform import Platform, platform_processes


def log_lines(platform: Platform) -> list[tuple[str, dict[str, Any]]]:
    lines = []
    for process in platform.processes:
        for line in process.log.read_text().splitlines():
            if line.startswith("{"):
                lines.append((process.name, json.loads(line)))
    return lines


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for match in re.finditer(rf"^{name}(?:\{{(.*)\}})? (\S+)$", text, re.MULTILINE):
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(match.group(2))
    return total


async def scrape(platform: Platform) -> dict[str, str]:
    """Each process's metrics, after checking it is alive and ready (its database, the broker, the store)."""
    scraped: dict[str, str] = {}
    for process in platform.processes:
        async with httpx.AsyncClient(base_url=process.health_url, timeout=10) as probe:
            alive, ready, metrics = [await probe.get(path) for path in ("/healthz", "/readyz", "/metrics")]
        assert alive.status_code == 200, process.name
        assert ready.status_code == 200, (process.name, ready.text)
        expected = {"database", "broker"} | ({"store"} if process.name in ("exporter", "gateway") else set())
        assert ready.json()["checks"] == dict.fromkeys(expected, "ok"), process.name
        assert metrics.status_code == 200
        scraped[process.name] = metrics.text
    return scraped


async def test_create_generate_export_download_over_rabbitmq_postgres_and_s3_observed_by_metrics_and_logs(
    tmp_path: Path, rabbitmq_url: str, seaweed_endpoint: str
) -> None:
    spec = reference_spec()
    with platform_processes(tmp_path, rabbitmq_url, seaweed_endpoint, log_level="INFO") as platform:
        async with httpx.AsyncClient(base_url=platform.url, timeout=60) as client:
            result = await run_flow(client, spec, rows=1000)
            check_workbook(result.workbook, spec, 1000)
            assert result.export["sha256"] == hashlib.sha256(result.workbook).hexdigest()
            assert all(column["violations"] == 0 for column in result.job["report"])
            listed = (await client.get("/api/v1/exports")).json()["items"]
            assert [item["id"] for item in listed] == [result.export["id"]]
            tables = (await client.get("/api/v1/tables")).json()
            dropped = await client.delete(f"/api/v1/tables/{tables['items'][0]['id']}")
            assert dropped.status_code == 202
        scraped = await scrape(platform)
        lines = log_lines(platform)

    assert metric(scraped["generator"], "dmb_rows_generated_total") == 1000
    assert metric(scraped["generator"], "dmb_jobs_total", status="completed") == 1
    assert metric(scraped["generator"], "dmb_message_handling_seconds_count", queue="generator.chunks") >= 1
    assert metric(scraped["exporter"], "dmb_export_bytes_total") == result.export["size_bytes"]
    # The flow follows the table, the job and the export through their event streams: requests counted by route
    # template (never by the raw path).
    for route in ("/api/v1/tables/{table_id}/events", "/api/v1/exports/{export_id}/events"):
        assert metric(scraped["gateway"], "dmb_http_request_seconds_count", route=route) >= 1
    assert metric(scraped["schema"], "dmb_queue_depth", queue="schema") == 0
    assert metric(scraped["schema"], "dmb_dead_letter_queue_depth", queue="schema") == 0

    job_id, export_id = result.job["id"], result.export["id"]
    services_of = {
        correlation: {service for service, line in lines if line.get("correlation_id") == correlation}
        for correlation in (job_id, export_id)
    }
    assert {"gateway", "generator"} <= services_of[job_id]
    assert {"gateway", "exporter"} <= services_of[export_id]
    assert all(line["service"] == service for service, line in lines)
