"""Sending a job's chunks to the work queue a few per owner at a time (domain.fair_share), so owners take
turns on the generators.

Every transaction that may send chunks (a job starts or resumes after its AI values, a chunk is recorded,
a job fails or is cancelled) holds the owner's turn for its whole length, taken before any row lock: an
asyncio lock per owner within this process, and on PostgreSQL a transaction-scoped advisory lock per owner
across generator processes. Two processes recording chunks of one owner would otherwise both send that
owner's next chunk index, and the one after it never.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import sqlalchemy as sa
from dmb_bus.uow import UnitOfWork
from dmb_contracts.commands import GenerateChunk
from dmb_contracts.envelope import Message
from dmb_contracts.statuses import JobStatus

from dmb_generator.domain.fair_share import OwnerJob, next_chunks
from dmb_generator.models import ChunkDone, Job


class OwnerTurns:
    """One asyncio lock per owner, for this process."""

    def __init__(self) -> None:
        self._locks: dict[uuid.UUID | None, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def turn(self, owner_id: uuid.UUID | None) -> AsyncIterator[None]:
        lock = self._locks.setdefault(owner_id, asyncio.Lock())
        async with lock:
            yield


async def lock_owner(uow: UnitOfWork, owner_id: uuid.UUID | None) -> None:
    """The owner's turn across processes, until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(owner_id.bytes[:8], "big", signed=True) if owner_id else 0
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


async def release_chunks(uow: UnitOfWork, owner_id: uuid.UUID | None, window: int, cause: Message | None) -> int:
    """Send the owner's next chunks, up to `window` in flight; returns how many were sent."""
    session = uow.session
    await session.flush()
    owner = Job.owner_id == owner_id if owner_id is not None else Job.owner_id.is_(None)
    jobs = (
        await session.scalars(
            sa.select(Job).where(owner, Job.status == JobStatus.RUNNING).order_by(Job.created_at, Job.job_id)
        )
    ).all()
    if not jobs:
        return 0
    done = dict(
        (
            await session.execute(
                sa.select(ChunkDone.job_id, sa.func.count())
                .where(ChunkDone.job_id.in_([job.job_id for job in jobs]))
                .group_by(ChunkDone.job_id)
            )
        ).all()
    )
    by_id = {job.job_id: job for job in jobs}
    plan = next_chunks(
        [OwnerJob(job.job_id, job.chunks, job.chunks_released, int(done.get(job.job_id, 0))) for job in jobs], window
    )
    for job_id, index in plan:
        job = by_id[job_id]
        first = index * job.chunk_size
        uow.emit(
            GenerateChunk(
                job_id=job.job_id,
                chunk_index=index,
                first_row=first,
                rows=min(job.chunk_size, job.rows - first),
                owner_id=job.owner_id,
                correlation_id=job.job_id,
                causation_id=cause.message_id if cause is not None else None,
            )
        )
        job.chunks_released = index + 1
    return len(plan)
