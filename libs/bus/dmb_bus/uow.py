"""The unit of work: one transaction for a handler's state change, its inbox mark and its outbox events."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa
from dmb_contracts.envelope import Message, utcnow
from dmb_contracts.registry import parse_message
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dmb_bus.outbox import OutboxRelay
from dmb_bus.tables import messaging_tables


class UnitOfWork:
    """`async with uow:` opens a session; `commit()` writes the outbox rows with the data, then kicks the relay
    (when there were any).

    Leaving the block without commit() rolls everything back: state, inbox mark and events vanish together.
    """

    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        relay: OutboxRelay,
        metadata: sa.MetaData,
        *,
        consumer: str,
        producer: str,
    ) -> None:
        self._sessions = sessions
        self._relay = relay
        self._outbox, self._inbox = messaging_tables(metadata)
        self.consumer = consumer
        self.producer = producer
        self._pending: list[Message] = []
        self._active = False

    async def __aenter__(self) -> Self:
        # One session per unit of work: two handlers sharing an instance concurrently (prefetch > 1) would
        # silently swap sessions and commit each other's work. Refuse instead; build one per handler call.
        if self._active:
            raise RuntimeError("this UnitOfWork is already in use; make one per handler call")
        self._active = True
        self.session = self._sessions()
        self._pending = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.session.rollback()
            await self.session.close()
        finally:
            self._active = False
            self._pending = []

    async def processed(self, message: Message) -> bool:
        """Whether `message` was claimed already (a redelivery): a handler with slow work before its claim asks
        first instead of doing that work again. claim() stays the guard against two answers."""
        seen = await self.session.scalar(
            sa.select(self._inbox.c.message_id).where(
                self._inbox.c.consumer == self.consumer, self._inbox.c.message_id == str(message.message_id)
            )
        )
        return seen is not None

    async def claim(self, message: Message) -> bool:
        """Mark `message` processed by this consumer; False if it already was (a duplicate delivery)."""
        values = {"consumer": self.consumer, "message_id": str(message.message_id), "processed_at": utcnow()}
        dialect = self.session.get_bind().dialect.name
        # RETURNING, not rowcount: drivers disagree on rowcount for INSERT ... ON CONFLICT DO NOTHING.
        if dialect == "postgresql":
            inserted = (
                pg_insert(self._inbox).values(values).on_conflict_do_nothing().returning(self._inbox.c.message_id)
            )
        elif dialect == "sqlite":
            inserted = (
                sqlite_insert(self._inbox).values(values).on_conflict_do_nothing().returning(self._inbox.c.message_id)
            )
        else:
            seen = await self.session.scalar(
                sa.select(self._inbox.c.message_id).where(
                    self._inbox.c.consumer == self.consumer, self._inbox.c.message_id == values["message_id"]
                )
            )
            if seen is not None:
                return False
            await self.session.execute(sa.insert(self._inbox).values(values))
            return True
        return (await self.session.execute(inserted)).first() is not None

    def emit(self, message: Message, cause: Message | None = None) -> None:
        """Queue `message` for the outbox (caused by `cause`, if given); it leaves only if commit() succeeds."""
        if cause is not None:
            message = message.follow(cause)
        if not message.producer:
            message = message.model_copy(update={"producer": self.producer})
        # The relay re-parses every row through the registry; a row it cannot parse would stop the relay
        # for good (rows leave in order), so refuse it here, in the handler, before anything commits.
        try:
            parse_message(message.to_json())
        except ValidationError as exc:
            raise ValueError(f"the bus cannot carry this {message.type!r} message: {exc.errors()[:1]}") from exc
        self._pending.append(message)

    async def commit(self) -> None:
        emitted = bool(self._pending)
        if emitted:
            await self.session.execute(
                sa.insert(self._outbox),
                [
                    {
                        "message_id": str(m.message_id),
                        "type": m.type,
                        "body": m.model_dump_json(),
                        "created_at": utcnow(),
                    }
                    for m in self._pending
                ],
            )
        await self.session.commit()
        self._pending = []
        # Only a commit that wrote outbox rows has something for the relay: waking it after every commit (a
        # projection update, an inbox mark) cost an empty read of the outbox each time, ~2 per hop of a small
        # job. Rows another unit of work wrote are kicked by that one; what a crash left, by the relay's timer.
        if emitted:
            self._relay.kick()
