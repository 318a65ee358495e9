"""/api/v1/tables/{id}/jobs and /api/v1/jobs: fill a table or several (a batch) with rows, follow progress live."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import sqlalchemy as sa
from dmb_common.crypto import SecretBox
from dmb_contracts.commands import AIOptions, BatchTable, CancelJob, GenerateRows, GenerateTables, WriteMode
from dmb_contracts.envelope import utcnow
from dmb_contracts.statuses import JOB_FINISHED, JobStatus
from fastapi import APIRouter, HTTPException, Request, status
from pydantic import SecretStr
from sse_starlette.sse import EventSourceResponse

from dmb_gateway.accounts.quotas import QuotaService
from dmb_gateway.api.aggregate_parents import aggregate_parents
from dmb_gateway.api.ai_service import job_ai_options, refuse_unsafe_endpoint
from dmb_gateway.api.deps import ContextDep, CurrentUser, SessionDep
from dmb_gateway.api.ownership import get_owned
from dmb_gateway.api.replace import refuse_orphaning_replace
from dmb_gateway.api.schemas import (
    BatchCreate,
    BatchJobPublic,
    BatchPublic,
    JobAIOptions,
    JobCreate,
    JobPublic,
    JobsPublic,
)
from dmb_gateway.api.shared import ERRORS, created_table
from dmb_gateway.api.state_events import responses, state_events
from dmb_gateway.models import JobView, TableView

router = APIRouter(tags=["jobs"])
#: How long a cancel waits for the generator's verdict (cancelled, or the job ended first) before answering.
CANCEL_WAIT = dt.timedelta(seconds=10)
#: The cancel's re-read of the job when no change woke it (a verdict folded in by another gateway process).
CANCEL_POLL_SECONDS = 0.5


@router.post(
    "/tables/{table_id:uuid}/jobs", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic, responses=ERRORS
)
async def start_job(table_id: uuid.UUID, body: JobCreate, user: CurrentUser, context: ContextDep) -> JobView:
    """Add `rows` generated rows to the table (or, with mode replace, put them in place of its rows). Same table
    version + seed → the same rows."""
    await refuse_unsafe_endpoint(body.ai.base_url if body.ai else None, context.settings, "ai.base_url")
    async with context.runtime.uow() as uow:
        await QuotaService(uow.session, context.settings).check_jobs(user, [body.rows])
        view, spec = await created_table(uow.session, table_id, user)
        if body.mode is WriteMode.REPLACE:
            await refuse_orphaning_replace(uow.session, view.owner_id, {view.table_name})
        # The job is the table's owner's (an admin may start it): the generator writes in their namespace.
        job = _pending_job(view.owner_id, table_id, body.rows, seed=body.seed, locale=body.locale)
        uow.session.add(job)
        parents = await aggregate_parents(uow.session, view.owner_id, [spec.table_name])
        uow.emit(
            GenerateRows(
                job_id=job.job_id,
                table_id=table_id,
                table_version=view.version,
                spec=spec,
                rows=body.rows,
                seed=body.seed,
                locale=body.locale,
                mode=body.mode,
                ai=await job_ai_options(
                    uow.session, user, context.settings, _ai_options(body.ai, context.settings.secret_key)
                ),
                owner_id=view.owner_id,
                aggregate_parents=parents[spec.table_name],
                correlation_id=job.job_id,
            )
        )
        await uow.commit()
        return job


def _ai_options(options: JobAIOptions | None, secret_key: SecretStr) -> AIOptions | None:
    """The job's AI options as the generator carries them: the key sealed with the platform's secret box."""
    if options is None:
        return None
    key = options.api_key
    return AIOptions(
        context=options.context,
        base_url=options.base_url,
        model=options.model,
        api_key_encrypted=SecretBox(secret_key).seal(key.get_secret_value()) if key is not None else None,
    )


@router.post("/jobs", status_code=status.HTTP_202_ACCEPTED, response_model=BatchPublic, responses=ERRORS)
async def start_batch(body: BatchCreate, user: CurrentUser, context: ContextDep) -> BatchPublic:
    """Fill several tables, one job each: parents before the tables whose foreign keys point at them, each job
    starting when the one before it has completed. Same tables + seed → the same rows."""
    batch_id = uuid.uuid4()
    await refuse_unsafe_endpoint(body.ai.base_url if body.ai else None, context.settings, "ai.base_url")
    async with context.runtime.uow() as uow:
        await QuotaService(uow.session, context.settings).check_jobs(
            user, [entry.rows for entry in body.tables], one_at_a_time=True
        )
        tables = []
        owners = set()
        for entry in body.tables:
            view, spec = await created_table(uow.session, entry.table_id, user)
            owners.add(view.owner_id)
            job = _pending_job(view.owner_id, entry.table_id, entry.rows, seed=None, locale=body.locale)
            uow.session.add(job)
            tables.append(
                BatchTable(
                    job_id=job.job_id,
                    table_id=entry.table_id,
                    table_version=view.version,
                    spec=spec,
                    rows=entry.rows,
                )
            )
        if len(owners) > 1:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "tables: a batch fills tables of one owner")
        owner_id = owners.pop()
        names = [table.spec.table_name for table in tables]
        outside = await aggregate_parents(uow.session, owner_id, names, besides=names)
        tables = [table.model_copy(update={"aggregate_parents": outside[table.spec.table_name]}) for table in tables]
        if body.mode is WriteMode.REPLACE:
            await refuse_orphaning_replace(uow.session, owner_id, {table.spec.table_name for table in tables})
        uow.emit(
            GenerateTables(
                batch_id=batch_id,
                tables=tables,
                seed=body.seed,
                locale=body.locale,
                mode=body.mode,
                # As a single job: the batch's own endpoint, else the user's saved settings, else the platform's.
                ai=await job_ai_options(
                    uow.session, user, context.settings, _ai_options(body.ai, context.settings.secret_key)
                ),
                owner_id=owner_id,
                correlation_id=batch_id,
            )
        )
        await uow.commit()
    return BatchPublic(
        id=batch_id, jobs=[BatchJobPublic(table_id=table.table_id, job_id=table.job_id) for table in tables]
    )


def _pending_job(owner_id: uuid.UUID, table_id: uuid.UUID, rows: int, seed: int | None, locale: str) -> JobView:
    return JobView(
        job_id=uuid.uuid4(),
        owner_id=owner_id,
        table_id=table_id,
        rows=rows,
        rows_done=0,
        status=JobStatus.PENDING,
        seed=seed,
        locale=locale,
        generator_version=None,
        reason=None,
        report=[],
        table_rows=None,
        fallbacks=[],
        seconds=None,
        rows_seconds=None,
        report_seconds=None,
        created_at=utcnow(),
        finished_at=None,
    )


@router.get("/jobs", response_model=JobsPublic, responses=ERRORS)
async def list_jobs(user: CurrentUser, session: SessionDep, table_id: uuid.UUID | None = None) -> JobsPublic:
    """The caller's latest jobs (200 at most), or those of one of their tables (404 for a table not theirs)."""
    query = sa.select(JobView).where(JobView.owner_id == user.user_id)
    if table_id is not None:
        await get_owned(session, TableView, table_id, user, "table")
        query = query.where(JobView.table_id == table_id)
    rows = (await session.scalars(query.order_by(JobView.created_at.desc()).limit(200))).all()
    return JobsPublic(items=[JobPublic.model_validate(r) for r in rows])


@router.get("/jobs/{job_id:uuid}", response_model=JobPublic, responses=ERRORS)
async def get_job(job_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> JobView:
    return await get_owned(session, JobView, job_id, user, "job")


@router.post(
    "/jobs/{job_id:uuid}/cancel", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic, responses=ERRORS
)
async def cancel_job(job_id: uuid.UUID, user: CurrentUser, context: ContextDep) -> JobView:
    """Cancel a job and wait (up to CANCEL_WAIT) for the generator's verdict: 202 with status `cancelled` once
    it is final (no row is written after it), 409 when the job completed or failed before the cancel reached
    the generator. Should the generator not answer in time, 202 with the job as it stands: the cancel stays
    queued and is final when taken, unless the job ends first (its status then says so)."""
    # Watched from before the cancel is sent: the verdict wakes this request as soon as the projection folds
    # it in (the re-read every CANCEL_POLL_SECONDS stays for a verdict another gateway process folded in).
    with context.changes.watching(job_id) as watch:
        async with context.runtime.uow() as uow:
            job = await get_owned(uow.session, JobView, job_id, user, "job")
            if job.status in JOB_FINISHED:
                raise HTTPException(status.HTTP_409_CONFLICT, f"Job {job_id} is already {job.status}")
            # The job's owner, not the caller (an admin may cancel anyone's job): the generator serialises the
            # cancel with the job's start under the owner's turn.
            uow.emit(CancelJob(job_id=job_id, owner_id=job.owner_id, correlation_id=job_id))
            await uow.commit()
        deadline = time.monotonic() + CANCEL_WAIT.total_seconds()
        while True:
            async with context.runtime.sessions() as session:
                job = await get_owned(session, JobView, job_id, user, "job")
            left = deadline - time.monotonic()
            if job.status == JobStatus.CANCELLED or left <= 0:
                return job
            if job.status in JOB_FINISHED:
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    f"Job {job_id} is already {job.status}: it ended before the cancel reached the generator",
                )
            await watch.changed(within=min(CANCEL_POLL_SECONDS, left))


@router.get("/jobs/{job_id:uuid}/events", responses={**ERRORS, **responses("job", "the job (as GET /jobs/{id})")})
async def job_events(
    job_id: uuid.UUID, request: Request, user: CurrentUser, context: ContextDep
) -> EventSourceResponse:
    """Server-sent events: the job's state whenever it changes, until it finishes."""
    async with context.runtime.sessions() as session:
        await get_owned(session, JobView, job_id, user, "job")
    # Woken by this gateway's projection the moment it folds in the job's next event (a 1,000-row job
    # finishes in a fraction of the old fixed 0.5 s interval, which stays as the fallback).
    return state_events(
        request,
        context,
        JobView,
        job_id,
        event="job",
        public=JobPublic.model_validate,
        settled=lambda job: job.status in JOB_FINISHED,
    )
