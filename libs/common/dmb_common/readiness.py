"""The readiness checks a process runs on /readyz: its own database, the broker, and (where used) the store."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from dmb_bus.base import MessageBus
from dmb_observability.health import ReadinessCheck
from dmb_observability.metrics import observe_depths
from sqlalchemy.ext.asyncio import AsyncEngine

from dmb_common.storage import LocalFolderStore, ObjectStore, S3Store

log = logging.getLogger(__name__)


class NotReady(RuntimeError):
    """A dependency did not answer as it should."""


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def probe() -> None:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    return ReadinessCheck("database", probe)


def broker_check(bus: MessageBus) -> ReadinessCheck:
    async def probe() -> None:
        if not bus.connected:
            raise NotReady("the message bus is not connected")

    return ReadinessCheck("broker", probe)


def store_check(store: ObjectStore) -> ReadinessCheck:
    async def probe() -> None:
        if isinstance(store, S3Store):
            # Whether the bucket exists yet does not matter (the first upload creates it): the endpoint
            # answering a signed request does.
            await asyncio.to_thread(store.client.bucket_exists, store.bucket)
        elif isinstance(store, LocalFolderStore) and not store.root.is_dir():
            raise NotReady("the local object folder is gone")

    return ReadinessCheck("store", probe)


async def record_queue_depths(bus: MessageBus) -> None:
    """Before a scrape: the depth gauges of the bus's queues. With the broker away the other metrics still
    answer (readiness reports the broker)."""
    try:
        observe_depths(await bus.queue_depths())
    except Exception as exc:
        log.warning("queue depths unavailable: %s", exc)
