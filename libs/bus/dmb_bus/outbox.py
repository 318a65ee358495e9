"""Relays committed outbox rows to the bus: after each commit, and on a timer for what a crash left."""

from __future__ import annotations

import asyncio
import logging

import sqlalchemy as sa
from dmb_contracts.registry import parse_message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmb_bus.base import MessageBus
from dmb_bus.tables import messaging_tables

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bus: MessageBus,
        metadata: sa.MetaData,
        *,
        interval: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self._bus = bus
        self._outbox, _ = messaging_tables(metadata)
        self._interval = interval
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def kick(self) -> None:
        """Ask for a flush soon (called after a unit of work commits)."""
        self._wake.set()

    async def flush(self, batch: int = 200) -> int:
        """Publish every pending row, oldest first; returns how many went out."""
        sent = 0
        async with self._lock:
            while True:
                async with self._sessions() as session, session.begin():
                    query = sa.select(self._outbox.c.id, self._outbox.c.body).order_by(self._outbox.c.id).limit(batch)
                    if session.get_bind().dialect.name == "postgresql":
                        # Several replicas of a service may relay at once; each takes its own rows.
                        query = query.with_for_update(skip_locked=True)
                    rows = (await session.execute(query)).all()
                    if not rows:
                        return sent
                    for _, body in rows:
                        await self._bus.publish(parse_message(body))
                    # One delete for the batch, in the same transaction: if a publish fails, the transaction
                    # rolls back every delete anyway (the rows already published go again: at least once).
                    ids = [row_id for row_id, _ in rows]
                    await session.execute(sa.delete(self._outbox).where(self._outbox.c.id.in_(ids)))
                    sent += len(rows)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying in %.1fs", self._interval)

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")
        self.kick()

    async def stop(self, grace: float = 10.0) -> None:
        """Let a flush under way finish (up to `grace` seconds), then stop.

        Cancelling mid-flush (as this did) rolled back the deletes of rows already published, so every
        stop re-sent them on the next start.
        """
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
