"""Starting the whole platform for end-to-end tests and benchmarks: embedded (one ASGI app in this
process) or distributed (one `dmb serve` process per service on real servers)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from dmb_testing.seaweed import free_ports
from dmb_testing.servers import postgres_database

SERVICES = ("schema", "generator", "ai", "exporter", "gateway")


@contextlib.asynccontextmanager
async def embedded_client(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the embedded platform (in-process bus, SQLite, local folder under data_dir)."""
    from dmb_cli.launcher import embedded_builders
    from dmb_gateway.app import create_app
    from dmb_gateway.settings import GatewaySettings

    settings = GatewaySettings(data_dir=data_dir, bus_url="memory://", _env_file=None)
    app = create_app(settings, embedded_builders())
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dmb.test", timeout=60) as client:
            yield client


@contextlib.contextmanager
def distributed_platform(work_dir: Path, rabbitmq_url: str, s3_endpoint: str, *, generators: int = 1) -> Iterator[str]:
    """Every service as its own `dmb serve` process (and `generators` generator processes), each with its
    own fresh PostgreSQL database; yields the gateway URL. On exit every process must stop cleanly."""
    with contextlib.ExitStack() as stack:
        databases = {name: stack.enter_context(postgres_database(f"dmbtest_{name}")) for name in SERVICES}
        datasets = stack.enter_context(postgres_database("dmbtest_datasets"))
        (port,) = free_ports(1)
        common = {
            "PATH": os.environ.get("PATH", ""),
            "DMB_BUS_URL": rabbitmq_url,
            "DMB_DATASETS_URL": datasets,
            "DMB_DATASETS_SCHEMA": "datasets",
            "DMB_S3_ENDPOINT": s3_endpoint,
            "DMB_S3_BUCKET": f"dmb-{uuid.uuid4().hex[:12]}",
            "DMB_DATA_DIR": str(work_dir),
            "DMB_PORT": str(port),
            "DMB_LOG_LEVEL": "WARNING",
        }
        names = [name for name in SERVICES for _ in range(generators if name == "generator" else 1)]
        processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        try:
            for index, name in enumerate(names):
                log = work_dir / f"{name}-{index}.log"
                env = common | {"DMB_DATABASE_URL": databases[name]}
                with log.open("wb") as handle:
                    command = [sys.executable, "-m", "dmb_cli", "serve", name]
                    process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
                processes.append((name, process, log))
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, processes)
            yield url
        finally:
            _stop_all(processes)


def _wait_healthy(url: str, processes: list[tuple[str, subprocess.Popen[bytes], Path]]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for name, process, log in processes:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    gateway_log = next(log for name, _, log in processes if name == "gateway")
    raise AssertionError("the gateway did not become healthy:\n" + gateway_log.read_text()[-3000:])


def _stop_all(processes: list[tuple[str, subprocess.Popen[bytes], Path]]) -> None:
    for _, process, _ in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    unclean = []
    for name, process, log in processes:
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the gateway ends "by" the signal.
        clean = (0, -signal.SIGTERM) if name == "gateway" else (0,)
        if code not in clean:
            unclean.append(f"{name} did not stop cleanly ({code}):\n{log.read_text()[-3000:]}")
    assert not unclean, "\n".join(unclean)
