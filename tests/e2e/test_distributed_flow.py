"""End to end, distributed mode: every service in its own process, over the real RabbitMQ, PostgreSQL
(one database per service plus the datasets database) and a real S3 endpoint (SeaweedFS)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dmb_testing.flow import check_workbook, reference_spec, run_flow
from dmb_testing.seaweed import free_ports
from dmb_testing.servers import postgres_database

SERVICES = ("schema", "generator", "ai", "exporter", "gateway")


@pytest.fixture
def platform(tmp_path: Path, rabbitmq_url: str, seaweed_endpoint: str) -> Iterator[str]:
    """Start the five services as separate `dmb serve` processes; yields the gateway's URL."""
    with contextlib.ExitStack() as stack:
        databases = {name: stack.enter_context(postgres_database(f"dmbtest_{name}")) for name in SERVICES}
        datasets = stack.enter_context(postgres_database("dmbtest_datasets"))
        (port,) = free_ports(1)
        common = {
            "PATH": os.environ.get("PATH", ""),
            "DMB_BUS_URL": rabbitmq_url,
            "DMB_DATASETS_URL": datasets,
            "DMB_DATASETS_SCHEMA": "datasets",
            "DMB_S3_ENDPOINT": seaweed_endpoint,
            "DMB_S3_BUCKET": f"dmb-{uuid.uuid4().hex[:12]}",
            "DMB_DATA_DIR": str(tmp_path),
            "DMB_PORT": str(port),
            "DMB_LOG_LEVEL": "WARNING",
        }
        processes: list[subprocess.Popen[bytes]] = []
        logs: dict[str, Path] = {}
        try:
            for name in SERVICES:
                logs[name] = tmp_path / f"{name}.log"
                env = common | {"DMB_DATABASE_URL": databases[name]}
                with logs[name].open("wb") as log:
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "dmb_cli", "serve", name], env=env, stdout=log, stderr=subprocess.STDOUT
                        )
                    )
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, processes, logs)
            yield url
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for name, process in zip(SERVICES, processes, strict=True):
                try:
                    code = process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    code = -9
                # uvicorn re-raises SIGTERM after its graceful shutdown, so the gateway ends "by" the signal.
                clean = (0, -signal.SIGTERM) if name == "gateway" else (0,)
                assert code in clean, f"{name} did not stop cleanly ({code}):\n{logs[name].read_text()[-3000:]}"


def _wait_healthy(url: str, processes: list[subprocess.Popen[bytes]], logs: dict[str, Path]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for name, process in zip(SERVICES, processes, strict=True):
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{logs[name].read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError("the gateway did not become healthy:\n" + logs["gateway"].read_text()[-3000:])


async def test_create_generate_export_download_over_rabbitmq_postgres_and_s3(platform: str) -> None:
    spec = reference_spec()
    async with httpx.AsyncClient(base_url=platform, timeout=60) as client:
        result = await run_flow(client, spec, rows=1000)
        check_workbook(result.workbook, spec, 1000)
        assert result.export["sha256"] == hashlib.sha256(result.workbook).hexdigest()
        assert all(column["violations"] == 0 for column in result.job["report"])
        listed = (await client.get("/api/v1/exports")).json()["items"]
        assert [item["id"] for item in listed] == [result.export["id"]]
    print(f"distributed 1,000 rows: {result.seconds}")
