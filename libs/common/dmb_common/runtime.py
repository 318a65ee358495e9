"""What every service process has: its own database (migrated at start), an outbox relay, units of work."""

from __future__ import annotations

import asyncio
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


class RunningService:
    """A built service: its runtime plus the datasets engines it must release on stop."""

    def __init__(self, name: str, runtime: ServiceRuntime, *, engines: Sequence[Engine] = ()) -> None:
        self.name = name
        self.runtime = runtime
        self._engines = engines

    async def start(self) -> None:
        await self.runtime.start()

    async def stop(self) -> None:
        await self.runtime.stop()
        for engine in self._engines:
            engine.dispose()
