"""The AI service's use cases: answer a request for values with pools (or a reason to use Faker), report its
progress, and stop its model calls when the job is cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import sqlalchemy as sa
from dmb_contracts.envelope import utcnow
from dmb_contracts.events import (
    AIValuesFailed,
    AIValuesGenerated,
    AIValuesProgressed,
    AIValuesRequested,
    JobCancelled,
)

from dmb_ai.domain.pools import PoolResult
from dmb_ai.models import AIRequest, RequestStatus
from dmb_ai.pool_service import AIDeps, produce_pools
from dmb_ai.workflow import Progress

log = logging.getLogger(__name__)


async def values_requested(event: AIValuesRequested, deps: AIDeps) -> None:
    if not await _take(event, deps):
        return  # answered already (a redelivery), or under way in this process
    report = _progress_reporter(event, deps)
    await report(0, event.count)  # the request is taken: the generator's wait starts again from now
    task = asyncio.create_task(produce_pools(event, deps, on_progress=report))
    deps.running[event.job_id] = task
    try:
        result = await task
    except asyncio.CancelledError:
        if event.job_id not in deps.cancelled:
            raise  # the service is stopping: the request stays running and resumes at the next start
        deps.cancelled.discard(event.job_id)
        await _finish(event, deps, RequestStatus.CANCELLED, "the job was cancelled")
        return
    finally:
        deps.running.pop(event.job_id, None)
    await _answer(event, deps, result)


async def job_cancelled(event: JobCancelled, deps: AIDeps) -> None:
    task = deps.running.get(event.job_id)
    if task is not None:
        deps.cancelled.add(event.job_id)
        log.info("job %s cancelled: stopping its model calls", event.job_id)
        task.cancel()


async def _take(event: AIValuesRequested, deps: AIDeps) -> bool:
    """Record the request as running (with what a restart needs to resume it); False when it is answered
    already or runs in this process now."""
    if event.job_id in deps.running:
        return False
    async with deps.runtime.sessions() as session, session.begin():
        known = await session.get(AIRequest, event.request_id)
        if known is not None:
            return known.status == RequestStatus.RUNNING
        session.add(
            AIRequest(
                request_id=event.request_id,
                job_id=event.job_id,
                fields=[f.name for f in event.fields],
                status=RequestStatus.RUNNING,
                request=event.model_dump(mode="json"),
                made=0,
                needed=event.count,
                created_at=utcnow(),
            )
        )
    return True


def _progress_reporter(event: AIValuesRequested, deps: AIDeps) -> Progress:
    async def report(made: int, needed: int) -> None:
        async with deps.runtime.uow() as uow:
            await uow.session.execute(
                sa.update(AIRequest).where(AIRequest.request_id == event.request_id).values(made=made, needed=needed)
            )
            uow.emit(
                AIValuesProgressed(request_id=event.request_id, job_id=event.job_id, made=made, needed=needed), event
            )
            await uow.commit()

    return report


async def _answer(event: AIValuesRequested, deps: AIDeps, result: PoolResult) -> None:
    async with deps.runtime.uow() as uow:
        if not await uow.claim(event):
            return
        request = await uow.session.get(AIRequest, event.request_id)
        assert request is not None
        request.finished_at = utcnow()
        if result.failure is not None or (not result.pools and not result.notes):
            reason = result.failure or "the AI service made no values"
            request.status, request.reason = RequestStatus.FAILED, reason
            uow.emit(AIValuesFailed(request_id=event.request_id, job_id=event.job_id, reason=reason), event)
        else:
            request.status, request.reason = RequestStatus.GENERATED, None
            request.made = len(next(iter(result.pools.values()), []))
            uow.emit(
                AIValuesGenerated(
                    request_id=event.request_id,
                    job_id=event.job_id,
                    values=result.pools,
                    notes=result.notes,
                    compositions=result.compositions,
                ),
                event,
            )
        await uow.commit()
    log.info(
        "AI request %s for job %s: %s after %d model calls, %d tokens",
        event.request_id,
        event.job_id,
        "failed" if result.failure else "answered",
        result.stats.model_calls,
        result.stats.tokens,
    )
    await _forget_checkpoints(event.request_id, deps)


async def _finish(event: AIValuesRequested, deps: AIDeps, status: str, reason: str) -> None:
    async with deps.runtime.uow() as uow:
        if not await uow.claim(event):
            return
        await uow.session.execute(
            sa.update(AIRequest)
            .where(AIRequest.request_id == event.request_id)
            .values(status=status, reason=reason, finished_at=utcnow())
        )
        await uow.commit()
    await _forget_checkpoints(event.request_id, deps)


async def _forget_checkpoints(request_id: uuid.UUID, deps: AIDeps) -> None:
    if deps.checkpointer is not None:
        with contextlib.suppress(Exception):  # a left-over checkpoint only costs space
            await deps.checkpointer.adelete_thread(str(request_id))


async def unanswered(deps: AIDeps) -> list[AIValuesRequested]:
    """The requests a previous run of the service left unanswered (to resume from their checkpoints)."""
    async with deps.runtime.sessions() as session:
        pending = (
            await session.scalars(
                sa.select(AIRequest.request).where(
                    AIRequest.status == RequestStatus.RUNNING, AIRequest.request.is_not(None)
                )
            )
        ).all()
    return [AIValuesRequested.model_validate(data) for data in pending]


async def resume(event: AIValuesRequested, deps: AIDeps) -> None:
    try:
        await values_requested(event, deps)
    except Exception:
        log.exception("resuming AI request %s failed", event.request_id)
