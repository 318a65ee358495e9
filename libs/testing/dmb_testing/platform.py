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
from collections.abc import AsyncIterator, Iterator, Mapping
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
    # The platform app composes the gateway and the services; this test-support library never imports them.
    from dmb_platform.launcher import embedded_app

    fields: dict[str, Any] = {"data_dir": data_dir, "bus_url": "memory://", "_env_file": None} | settings
    app = embedded_app(**fields)
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
            [sys.executable, "-m", "dmb_platform", "run"],
            env=env | environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # start-up migrates five databases: slow on a loaded machine
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


@contextlib.contextmanager
def live_embedded(data_dir: Path, **settings: Any) -> Iterator[str]:
    """The embedded platform served over real HTTP by uvicorn on a thread of this process (for CLI tests, which
    reach it as a shell would); yields its URL. `settings` are further GatewaySettings fields."""
    from dmb_platform.launcher import embedded_app

    from dmb_testing.served import served

    fields: dict[str, Any] = {"data_dir": data_dir, "bus_url": "memory://", "log_level": "WARNING", "_env_file": None}
    with served(embedded_app(**(fields | settings))) as url:
        yield url


@dataclass
class ServiceProcess:
    """One `dmb serve <name>` process of a running distributed platform, and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    #: Where a worker answers /healthz, /readyz and /metrics (the gateway: on its own URL).
    health_url: str
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
    #: Each service's own database URL, and "datasets" for the users' tables (schema `datasets`).
    databases: dict[str, str] = field(default_factory=dict)
    #: The environment every process shares (bus, datasets, S3 endpoint and bucket, data folder).
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None

    def of(self, name: str) -> list[ServiceProcess]:
        return [process for process in self.processes if process.name == name]

    def start(self, name: str) -> ServiceProcess:
        """One more `dmb serve <name>` process (e.g. to restart a killed one); it is stopped with the others.
        Returns once it reports its subscriptions in place."""
        assert self.log_dir is not None
        (health_port,) = free_ports(1)
        log = self.log_dir / f"{name}-restarted-{len(self.processes)}.log"
        env = self.env | {"DMB_DATABASE_URL": self.databases[name], "DMB_HEALTH_PORT": str(health_port)}
        with log.open("wb") as handle:
            command = [sys.executable, "-m", "dmb_platform", "serve", name]
            popen = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
        process = ServiceProcess(name, popen, log, f"http://127.0.0.1:{health_port}")
        self.processes.append(process)
        deadline = time.monotonic() + 90
        while "service running" not in log.read_text():
            if popen.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        return process


@contextlib.contextmanager
def distributed_platform(work_dir: Path, rabbitmq_url: str, s3_endpoint: str, *, generators: int = 1) -> Iterator[str]:
    """Every service as its own `dmb serve` process (and `generators` generator processes), each with its
    own fresh PostgreSQL database; yields the gateway URL. On exit every process must stop cleanly."""
    with platform_processes(work_dir, rabbitmq_url, s3_endpoint, generators=generators) as platform:
        yield platform.url


@contextlib.contextmanager
def platform_processes(
    work_dir: Path,
    rabbitmq_url: str,
    s3_endpoint: str,
    *,
    generators: int = 1,
    log_level: str = "WARNING",
    env: Mapping[str, str] | None = None,
) -> Iterator[Platform]:
    """distributed_platform, yielding the processes too (to kill one, or read its memory use). Every
    worker has subscribed to its queues when this yields, so `generators` processes share the first job.
    Logs are JSON lines, one file per process. On exit every process not killed on purpose must stop cleanly."""
    with contextlib.ExitStack() as stack:
        databases = {name: stack.enter_context(postgres_database(f"dmbtest_{name}")) for name in SERVICES}
        datasets = stack.enter_context(postgres_database("dmbtest_datasets"))
        settings = {
            "DMB_BUS_URL": rabbitmq_url,
            "DMB_DATASETS_URL": datasets,
            "DMB_S3_ENDPOINT": s3_endpoint,
            "DMB_S3_BUCKET": f"dmb-{uuid.uuid4().hex[:12]}",
            "DMB_LOG_LEVEL": log_level,
        } | dict(env or {})
        with running_platform(work_dir, work_dir, settings, databases, generators=generators) as platform:
            yield platform


@contextlib.contextmanager
def running_platform(
    data_dir: Path,
    log_dir: Path,
    settings: dict[str, str],
    databases: dict[str, str],
    *,
    generators: int = 1,
    port: int | None = None,
    must_stop_cleanly: bool = True,
) -> Iterator[Platform]:
    """Every service as a `dmb serve` process (`generators` generator processes) with DMB_* `settings`, each
    with its database from `databases` and a free health port; one JSON log file per process in `log_dir`.
    Yields once the gateway answers and every worker has subscribed; on exit SIGTERM to all."""
    names = [name for name in SERVICES for _ in range(generators if name == "generator" else 1)]
    first, *health_ports = free_ports(len(names) + 1)
    port = port or first
    common = {
        "PATH": os.environ.get("PATH", ""),
        "DMB_DATASETS_SCHEMA": "datasets",
        "DMB_DATA_DIR": str(data_dir),
        "DMB_PORT": str(port),
        "DMB_LOG_FORMAT": "json",
    } | settings
    url = f"http://127.0.0.1:{port}"
    processes: list[ServiceProcess] = []
    try:
        for index, name in enumerate(names):
            log = log_dir / (f"{name}-{index}.log" if name == "generator" else f"{name}.log")
            health_port = health_ports[index]
            env = common | {"DMB_DATABASE_URL": databases[name], "DMB_HEALTH_PORT": str(health_port)}
            with log.open("wb") as handle:
                command = [sys.executable, "-m", "dmb_platform", "serve", name]
                process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
            health_url = url if name == "gateway" else f"http://127.0.0.1:{health_port}"
            processes.append(ServiceProcess(name, process, log, health_url))
        _wait_healthy(url, processes)
        datasets = {"datasets": settings["DMB_DATASETS_URL"]} if "DMB_DATASETS_URL" in settings else {}
        yield Platform(url, processes, databases | datasets, common, log_dir)
    finally:
        _stop_all(processes, must_stop_cleanly=must_stop_cleanly)


def _wait_healthy(url: str, processes: list[ServiceProcess]) -> None:
    # Generous: on a shared two-core machine under load, importing and migrating eight processes is slow.
    deadline = time.monotonic() + 180
    gateway_up = False
    while time.monotonic() < deadline:
        for service in processes:
            if service.process.poll() is not None:
                log = service.log.read_text()[-3000:]
                raise AssertionError(f"{service.name} exited with {service.process.returncode}:\n{log}")
        if not gateway_up:
            with contextlib.suppress(httpx.HTTPError):
                gateway_up = httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        # A worker prints this line once its bus subscriptions are in place (dmb_platform.launcher).
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


def _stop_all(processes: list[ServiceProcess], *, must_stop_cleanly: bool = True) -> None:
    for service in processes:
        if service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    unclean = []
    # One deadline for all: a process still starting stops only once it has started, and waiting 30 s for
    # each in turn used to outlast the test's own time limit.
    deadline = time.monotonic() + 30
    for service in processes:
        try:
            code = service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            code = service.process.wait()
        if service.killed:
            continue
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the gateway ends "by" the signal.
        clean = (0, -signal.SIGTERM) if service.name == "gateway" else (0,)
        if code not in clean:
            unclean.append(f"{service.name} did not stop cleanly ({code}):\n{service.log.read_text()[-3000:]}")
    assert not (must_stop_cleanly and unclean), "\n".join(unclean)
