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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from dmb_testing.seaweed import free_ports
from dmb_testing.servers import postgres_database

SERVICES = ("schema", "generator", "ai", "exporter", "gateway")


@contextlib.asynccontextmanager
async def embedded_client(data_dir: Path, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the embedded platform (in-process bus, SQLite, local folder under data_dir).

    `settings` are further GatewaySettings fields, e.g. auth_mode="token" or s3_endpoint=... for S3."""
    from dmb_cli.launcher import embedded_builders
    from dmb_gateway.app import create_app
    from dmb_gateway.settings import GatewaySettings

    fields: dict[str, Any] = {"data_dir": data_dir, "bus_url": "memory://", "_env_file": None} | settings
    gateway_settings = GatewaySettings(**fields)
    app = create_app(gateway_settings, embedded_builders())
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=60) as client:
            yield client


@contextlib.contextmanager
def embedded_server(data_dir: Path, **environment: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`dmb run` (the embedded platform behind a real HTTP server) on a free port, with DMB_* `environment`
    (e.g. DMB_AUTH_MODE="token"); yields its URL and process, and stops it on exit."""
    (port,) = free_ports(1)
    env = {**os.environ, "DMB_DATA_DIR": str(data_dir), "DMB_PORT": str(port), "DMB_LOG_LEVEL": "WARNING"}
    log = data_dir / "dmb-run.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "dmb_cli", "run"], env=env | environment, stdout=handle, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _answers(f"{url}/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"dmb run did not come up ({process.poll()}):\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class ServiceProcess:
    """One `dmb serve <name>` process of a running distributed platform, and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    #: Set by kill(): a process a test crashed on purpose is not expected to stop cleanly.
    killed: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown, no acks; the brokers see the connections drop."""
        self.killed = True
        self.process.kill()
        self.process.wait()


@dataclass
class Platform:
    """A running distributed platform: the gateway's URL and every service process."""

    url: str
    processes: list[ServiceProcess] = field(default_factory=list)

    def of(self, name: str) -> list[ServiceProcess]:
        return [process for process in self.processes if process.name == name]


@contextlib.contextmanager
def distributed_platform(work_dir: Path, rabbitmq_url: str, s3_endpoint: str, *, generators: int = 1) -> Iterator[str]:
    """Every service as its own `dmb serve` process (and `generators` generator processes), each with its
    own fresh PostgreSQL database; yields the gateway URL. On exit every process must stop cleanly."""
    with platform_processes(work_dir, rabbitmq_url, s3_endpoint, generators=generators) as platform:
        yield platform.url


@contextlib.contextmanager
def platform_processes(
    work_dir: Path, rabbitmq_url: str, s3_endpoint: str, *, generators: int = 1
) -> Iterator[Platform]:
    """distributed_platform, yielding the processes too (to kill one, or read its memory use). Every
    worker has subscribed to its queues when this yields, so `generators` processes share the first job.
    On exit every process not killed on purpose must stop cleanly."""
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
        processes: list[ServiceProcess] = []
        try:
            for index, name in enumerate(names):
                log = work_dir / f"{name}-{index}.log"
                env = common | {"DMB_DATABASE_URL": databases[name]}
                with log.open("wb") as handle:
                    command = [sys.executable, "-m", "dmb_cli", "serve", name]
                    process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
                processes.append(ServiceProcess(name, process, log))
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, processes)
            yield Platform(url, processes)
        finally:
            _stop_all(processes)


def _wait_healthy(url: str, processes: list[ServiceProcess]) -> None:
    deadline = time.monotonic() + 90
    gateway_up = False
    while time.monotonic() < deadline:
        for service in processes:
            if service.process.poll() is not None:
                log = service.log.read_text()[-3000:]
                raise AssertionError(f"{service.name} exited with {service.process.returncode}:\n{log}")
        if not gateway_up:
            with contextlib.suppress(httpx.HTTPError):
                gateway_up = httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        # A worker prints this line once its bus subscriptions are in place (dmb_cli.launcher).
        workers_up = all(
            "service running" in service.log.read_text() for service in processes if service.name != "gateway"
        )
        if gateway_up and workers_up:
            return
        time.sleep(0.2)
    waiting = [
        service
        for service in processes
        if service.name == "gateway" or "service running" not in service.log.read_text()
    ]
    logs = "\n".join(f"{service.name}:\n{service.log.read_text()[-3000:]}" for service in waiting)
    raise AssertionError("the platform did not come up:\n" + logs)


def _stop_all(processes: list[ServiceProcess]) -> None:
    for service in processes:
        if service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    unclean = []
    for service in processes:
        try:
            code = service.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.process.kill()
            code = service.process.wait()
        if service.killed:
            continue
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the gateway ends "by" the signal.
        clean = (0, -signal.SIGTERM) if service.name == "gateway" else (0,)
        if code not in clean:
            unclean.append(f"{service.name} did not stop cleanly ({code}):\n{service.log.read_text()[-3000:]}")
    assert not unclean, "\n".join(unclean)
