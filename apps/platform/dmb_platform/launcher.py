"""Starting the platform: everything in one process (embedded) or one service per process (distributed)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from functools import partial
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from dmb_bus.base import MessageBus
from dmb_bus.factory import create_bus
from dmb_common.readiness import broker_check, database_check, record_queue_depths, store_check
from dmb_common.runtime import RunningService, Service
from dmb_common.settings import BaseServiceSettings, build_object_store
from dmb_observability.health import HealthServer, ReadinessCheck
from dmb_observability.logs import configure_logging

if TYPE_CHECKING:
    from dmb_gateway.settings import GatewaySettings
    from fastapi import FastAPI

ServiceBuilder = Callable[[BaseServiceSettings, MessageBus], Awaitable[Service]]

#: The entry-point group a service package registers its `build` under (see services/*/pyproject.toml).
SERVICES_GROUP = "dmb.services"
#: Start-up order in the embedded mode for the services we ship; a plugged-in one comes after them.
_ORDER = ("schema", "generator", "ai", "exporter")


def worker_services() -> tuple[str, ...]:
    """The installed services (by their `dmb.services` entry points), in start-up order."""
    names = {entry.name for entry in entry_points(group=SERVICES_GROUP)}
    return tuple(sorted(names, key=lambda name: (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)))


def builder(name: str) -> ServiceBuilder:
    """The service's `build(settings, bus)`; loaded on demand, so an image needs only the services it runs."""
    for entry in entry_points(group=SERVICES_GROUP, name=name):
        loaded: ServiceBuilder = entry.load()
        return loaded
    raise ValueError(f"{name} is not an installed service (no {SERVICES_GROUP} entry point)")


def embedded_builders() -> list[ServiceBuilder]:
    return [builder(name) for name in worker_services()]


def embedded_app(**settings: Any) -> FastAPI:
    """The gateway with every installed service in-process (the embedded mode), from GatewaySettings fields."""
    from dmb_gateway.app import create_app
    from dmb_gateway.settings import GatewaySettings

    return create_app(GatewaySettings(**settings), embedded_builders())


def run_embedded(settings: GatewaySettings) -> None:
    """`make run`: the gateway and every service in this process, in-process bus, SQLite, local folder."""
    import uvicorn
    from dmb_gateway.app import create_app

    configure_logging(settings.log_level, service="platform", fmt=settings.log_format)
    app = create_app(settings, embedded_builders())
    print(
        f"Dynamic Model Builder is starting on http://{settings.host}:{settings.port}/  (data in {settings.data_dir.resolve()})"
    )
    print("Press Ctrl-C to stop.", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(), log_config=None)


def serve_gateway(settings: GatewaySettings) -> None:
    """`dmb serve gateway`: the web UI and REST API as their own process."""
    import uvicorn
    from dmb_gateway.app import create_app

    configure_logging(settings.log_level, service="gateway", fmt=settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's own lines go through our (JSON) logging too
    )


def serve_worker(name: str, settings: BaseServiceSettings) -> None:
    """`dmb serve <service>`: one worker service as its own process (its image may hold only that service)."""
    configure_logging(settings.log_level, service=name, fmt=settings.log_format)
    asyncio.run(_serve_worker(name, settings))


async def _serve_worker(name: str, settings: BaseServiceSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bus = create_bus(settings.bus_url, settings.bus_namespace, connection_name=name)
    service = await builder(name)(settings, bus)
    health = HealthServer(
        readiness_checks(name, service, bus, settings), before_metrics=partial(record_queue_depths, bus)
    )
    await bus.start()
    await service.start()
    port = await health.start(settings.health_host, settings.health_port)
    logging.getLogger(__name__).info("%s service running; health on port %d", name, port)
    print(
        f"{name} service running (/healthz, /readyz, /metrics on http://{settings.health_host}:{port}); "
        "SIGTERM or Ctrl-C stops it.",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await health.stop()
        await bus.close()
        await service.stop()


#: Services that read or write the object store: their readiness includes it.
USES_STORE: frozenset[str] = frozenset({"exporter", "gateway"})


def readiness_checks(
    name: str, service: Service, bus: MessageBus, settings: BaseServiceSettings
) -> list[ReadinessCheck]:
    checks = [broker_check(bus)]
    if isinstance(service, RunningService):
        checks.append(database_check(service.runtime.engine))
    if name in USES_STORE:
        checks.append(store_check(build_object_store(settings)))
    return checks
