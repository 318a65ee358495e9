"""What every service process has: its own database (migrated at start), an outbox relay, units of work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from dmb_bus.base import MessageBus, RetryPolicy
from dmb_bus.outbox import OutboxRelay
from dmb_bus.uow import UnitOfWork
from dmb_contracts.envelope import Message
from dmb_contracts.registry import routing_key
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dmb_common.db import create_service_engine, session_factory, upgrade_database

log = logging.getLogger(__name__)


class Service(Protocol):
    """A running service as the launcher sees it: subscribed at build time, started after the bus."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class ServiceRuntime:
    name: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metadata: sa.MetaData
    relay: OutboxRelay
    bus: MessageBus
    _started: bool = field(default=False, init=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.relay, self.metadata, consumer=self.name, producer=self.name)

    async def start(self) -> None:
        self.relay.start()
        self._started = True

    async def stop(self) -> None:
        await self.relay.stop()
        await self.engine.dispose()


async def build_runtime(
    name: str, database_url: str, metadata: sa.MetaData, migrations: Path, bus: MessageBus
) -> ServiceRuntime:
    """Migrate the service's database to head, then connect to it."""
    await asyncio.to_thread(upgrade_database, database_url, migrations)
    engine = create_service_engine(database_url)
    sessions = session_factory(engine)
    relay = OutboxRelay(sessions, bus, metadata)
    log.info("%s: database ready", name)
    return ServiceRuntime(name, engine, sessions, metadata, relay, bus)


def subscribe_handlers(
    bus: MessageBus,
    queue: str,
    handlers: Mapping[type[Message], Callable[[Any], Awaitable[None]]],
    *,
    prefetch: int = 10,
    retry: RetryPolicy | None = None,
) -> None:
    """Bind `queue` to the handled message types and route each delivery to its handler."""
    table = dict(handlers)

    async def dispatch(message: Message) -> None:
        handler = table.get(type(message))
        if handler is None:
            log.warning("%s: no handler for %s; ignored", queue, message.type)
            return
        await handler(message)

    bus.subscribe(queue, [routing_key(kind) for kind in table], dispatch, prefetch=prefetch, retry=retry)


@dataclass(frozen=True)
class PeriodicTask:
    """Work a service repeats while it runs (a sweep): `run` now, then every `interval_seconds`."""

    name: str
    interval_seconds: float
    run: Callable[[], Awaitable[object]]

    async def run_forever(self) -> None:
        """Until cancelled; a failed run is logged and the next one tries again, so one bad run (the database
        briefly away) never ends the sweep for the life of the process."""
        while True:
            try:
                await self.run()
            except Exception:
                log.exception("%s failed; the next run is in %gs", self.name, self.interval_seconds)
            await asyncio.sleep(self.interval_seconds)


class RunningService:
    """A built service: its runtime, the datasets engines it must release on stop, and its periodic tasks
    (started after the runtime, so their events have a relay; cancelled before it stops)."""

    def __init__(
        self,
        name: str,
        runtime: ServiceRuntime,
        *,
        engines: Sequence[Engine] = (),
        periodic: Sequence[PeriodicTask] = (),
    ) -> None:
        self.name = name
        self.runtime = runtime
        self._engines = engines
        self._periodic = periodic
        self._running: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.runtime.start()
        self._running = [asyncio.create_task(task.run_forever(), name=task.name) for task in self._periodic]

    async def stop(self) -> None:
        for running in self._running:
            running.cancel()
        for running in self._running:
            with contextlib.suppress(asyncio.CancelledError):
                await running
        self._running = []
        await self.runtime.stop()
        for engine in self._engines:
            engine.dispose()
