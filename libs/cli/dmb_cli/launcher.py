"""Starting the platform: everything in one process (embedded) or one service per process (distributed)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

import uvicorn
from dmb_bus.base import MessageBus
from dmb_bus.factory import create_bus
from dmb_common.runtime import Service
from dmb_common.settings import BaseServiceSettings

if TYPE_CHECKING:
    from dmb_gateway.settings import GatewaySettings

ServiceName = Literal["gateway", "schema", "generator", "ai", "exporter"]
#: Idle keep-alive connections live longer than a client's pauses (and than Nginx's 60 s upstream keep-alive):
#: with uvicorn's 5 s, a burst's pooled connections were closed by the server while a client reused them.
KEEP_ALIVE_SECONDS = 75
WORKER_SERVICES: tuple[ServiceName, ...] = ("schema", "generator", "ai", "exporter")


def builder(name: ServiceName) -> Callable[[BaseServiceSettings, MessageBus], Awaitable[Service]]:
    # Imported on demand, so a service's image needs only its own package.
    if name == "schema":
        from dmb_schema.bootstrap import build as build_schema

        return build_schema
    if name == "generator":
        from dmb_generator.bootstrap import build as build_generator

        return build_generator
    if name == "ai":
        from dmb_ai.bootstrap import build as build_ai

        return build_ai
    if name == "exporter":
        from dmb_exporter.bootstrap import build as build_exporter

        return build_exporter
    raise ValueError(f"{name} is not a worker service")


def embedded_builders() -> list[Callable[[BaseServiceSettings, MessageBus], Awaitable[Service]]]:
    return [builder(name) for name in WORKER_SERVICES]


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_embedded(settings: GatewaySettings) -> None:
    """`make run`: the gateway and every service in this process, in-process bus, SQLite, local folder."""
    from dmb_gateway.app import create_app

    configure_logging(settings.log_level)
    app = create_app(settings, embedded_builders())
    print(
        f"Dynamic Model Builder is starting on http://{settings.host}:{settings.port}/  (data in {settings.data_dir.resolve()})"
    )
    print("Press Ctrl-C to stop.", flush=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


def serve_gateway(settings: GatewaySettings) -> None:
    """`dmb serve gateway`: the web UI and REST API as their own process."""
    from dmb_gateway.app import create_app

    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


def serve_worker(name: ServiceName, settings: BaseServiceSettings) -> None:
    """`dmb serve <service>`: one worker service as its own process (its image may hold only that service)."""
    configure_logging(settings.log_level)
    asyncio.run(_serve_worker(name, settings))


async def _serve_worker(name: ServiceName, settings: BaseServiceSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bus = create_bus(settings.bus_url, settings.bus_namespace, connection_name=name)
    service = await builder(name)(settings, bus)
    await bus.start()
    await service.start()
    logging.getLogger(__name__).info("%s service running", name)
    print(f"{name} service running; SIGTERM or Ctrl-C stops it.", flush=True)
    try:
        await stop.wait()
    finally:
        await bus.close()
        await service.stop()
