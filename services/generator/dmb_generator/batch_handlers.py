"""Multi-table jobs: a batch fills its tables one ordinary job at a time, parents before their children.

The next table's job starts when the previous one's JobCompleted arrives, so a child reads its parent's keys
only once the parent is filled. A failed or cancelled job ends the batch and its later tables' jobs.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from dmb_bus.uow import UnitOfWork
from dmb_common.datasets import owned_table
from dmb_contracts.commands import MAX_SEED, AIOptions, CancelJob, GenerateRows, GenerateTables, WriteMode
from dmb_contracts.envelope import Message, utcnow
from dmb_contracts.events import JobCancelled, JobCompleted, JobFailed
from dmb_contracts.fields import TableSpec
from dmb_contracts.table_order import parents_first

from dmb_generator.batch_order import table_seed
from dmb_generator.models import Batch, BatchJob, BatchStatus, Job

if TYPE_CHECKING:
    from dmb_generator.handlers import GeneratorDeps


async def generate_tables(cmd: GenerateTables, deps: GeneratorDeps) -> None:
    async with deps.runtime.uow() as uow:
        if not await uow.claim(cmd) or await uow.session.get(Batch, cmd.batch_id) is not None:
            await uow.commit()
            return
        seed = cmd.seed if cmd.seed is not None else secrets.randbelow(MAX_SEED + 1)
        batch = Batch(
            batch_id=cmd.batch_id,
            owner_id=cmd.owner_id,
            seed=seed,
            locale=cmd.locale,
            status=BatchStatus.RUNNING,
            created_at=utcnow(),
            ai=cmd.ai.model_dump(mode="json") if cmd.ai is not None else None,
        )
        uow.session.add(batch)
        # Tables that reference each other in a circle are ordered by their required foreign keys: the nullable
        # one that points at a table filled later finds no rows and is left empty (null) with a note on its job;
        # a circle of required foreign keys cannot exist (the schema service refuses it).
        order = parents_first([table.spec for table in cmd.tables], cycles="break_nullable")
        if cmd.mode is WriteMode.REPLACE:
            # Every table empty before the first is filled: children first, so no row points at a removed key.
            emptied = [cmd.tables[index].spec for index in reversed(order)]
            await asyncio.to_thread(
                deps.tables.empty, [(owned_table(spec, cmd.owner_id, deps.datasets_schema), spec) for spec in emptied]
            )
        await uow.session.flush()  # the batch row first: its jobs point at it
        jobs = [
            BatchJob(
                job_id=cmd.tables[index].job_id,
                batch_id=cmd.batch_id,
                position=position,
                table_id=cmd.tables[index].table_id,
                table_version=cmd.tables[index].table_version,
                spec=cmd.tables[index].spec.model_dump(mode="json"),
                rows=cmd.tables[index].rows,
                seed=table_seed(seed, position),
                aggregate_parents=[parent.model_dump(mode="json") for parent in cmd.tables[index].aggregate_parents]
                or None,
            )
            for position, index in enumerate(order)
        ]
        uow.session.add_all(jobs)
        _start(uow, batch, jobs[0], cmd)
        await uow.commit()


def _start(uow: UnitOfWork, batch: Batch, job: BatchJob, cause: Message) -> None:
    uow.emit(
        GenerateRows(
            job_id=job.job_id,
            table_id=job.table_id,
            table_version=job.table_version,
            spec=TableSpec.model_validate(job.spec),
            rows=job.rows,
            seed=job.seed,
            locale=batch.locale,
            ai=AIOptions.model_validate(batch.ai) if batch.ai is not None else None,
            owner_id=batch.owner_id,
            aggregate_parents=[TableSpec.model_validate(parent) for parent in job.aggregate_parents or []],
        ),
        cause,
    )


async def batch_job_finished(event: JobCompleted | JobFailed | JobCancelled, deps: GeneratorDeps) -> None:
    """A batch's job ended: start the next table's job, or end the batch and the jobs it had not started."""
    async with deps.runtime.uow() as uow:
        if not await uow.claim(event):
            await uow.commit()
            return
        finished = await uow.session.get(BatchJob, event.job_id)
        if finished is None:  # an ordinary single-table job
            await uow.commit()
            return
        batch = await uow.session.get(Batch, finished.batch_id, with_for_update=True)
        assert batch is not None
        if batch.status != BatchStatus.RUNNING:
            await uow.commit()
            return
        later = list(
            await uow.session.scalars(
                sa.select(BatchJob)
                .where(BatchJob.batch_id == batch.batch_id, BatchJob.position > finished.position)
                .order_by(BatchJob.position)
            )
        )
        name = TableSpec.model_validate(finished.spec).table_name
        if isinstance(event, JobCompleted):
            if later:
                _start(uow, batch, later[0], event)
            else:
                batch.status = BatchStatus.COMPLETED
        elif isinstance(event, JobFailed):
            batch.status = BatchStatus.FAILED
            reason = f"an earlier table of the batch, {name!r}, failed: {event.reason}"
            for job in later:
                uow.emit(JobFailed(job_id=job.job_id, reason=reason), event)
        else:
            _cancel_unstarted(uow, batch, later, event)
        await uow.commit()


async def cancel_unstarted_batch_job(uow: UnitOfWork, cmd: CancelJob) -> bool:
    """Cancel a batch's job that has not started yet, and with it the batch's other jobs still waiting.

    False when `cmd.job_id` is no such job. The batch's running job (if any) finishes as it would have.
    """
    waiting = await uow.session.get(BatchJob, cmd.job_id)
    if waiting is None:
        return False
    batch = await uow.session.get(Batch, waiting.batch_id, with_for_update=True)
    assert batch is not None
    if batch.status == BatchStatus.RUNNING:
        jobs = list(
            await uow.session.scalars(
                sa.select(BatchJob).where(BatchJob.batch_id == batch.batch_id).order_by(BatchJob.position)
            )
        )
        started = set(await uow.session.scalars(sa.select(Job.job_id).where(Job.job_id.in_([j.job_id for j in jobs]))))
        _cancel_unstarted(uow, batch, [job for job in jobs if job.job_id not in started], cmd)
    return True


def _cancel_unstarted(uow: UnitOfWork, batch: Batch, jobs: list[BatchJob], cause: Message) -> None:
    batch.status = BatchStatus.CANCELLED
    for job in jobs:
        uow.emit(JobCancelled(job_id=job.job_id), cause)
