"""The generator's use cases: accept a job, split it into chunks, write each chunk once, report."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import secrets
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from dmb_bus.uow import UnitOfWork
from dmb_common.datasets import owned_table
from dmb_common.db import as_utc
from dmb_common.namespaces import hide_physical_names
from dmb_common.runtime import ServiceRuntime
from dmb_contracts.commands import MAX_SEED, CancelJob, GenerateChunk, GenerateRows, WriteMode
from dmb_contracts.compositions import Composition
from dmb_contracts.envelope import Message, utcnow
from dmb_contracts.events import (
    AIValuesFailed,
    AIValuesGenerated,
    AIValuesProgressed,
    AIValuesRequested,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobProgressed,
    JobStarted,
)
from dmb_contracts.fields import AIGenerator, JsonScalar, TableSpec
from dmb_contracts.rules import AggregateRule
from dmb_contracts.statuses import JOB_FINISHED, JobStatus
from sqlalchemy.engine import Engine

from dmb_generator.adapters.datasets import DatasetsWriter, SqlDatasets
from dmb_generator.adapters.datasets_writer import RowsRefused
from dmb_generator.adapters.parent_keys import TooManyParentKeys, keys_as_values
from dmb_generator.batch_handlers import cancel_unstarted_batch_job
from dmb_generator.chunk_release import OwnerTurns, lock_owner, release_chunks
from dmb_generator.domain import check_capacity, generate_chunk
from dmb_generator.domain.context import ParentKeys
from dmb_generator.domain.key_pairs import key_pairs
from dmb_generator.domain.references import MAX_PARENT_KEYS, empty_parent_notes, reference_problems
from dmb_generator.domain.sequence_starts import continue_sequences, sequence_fields
from dmb_generator.domain.unique_append import NoUniqueValuesLeft, fields_kept_apart, keep_apart, reserve_first_row
from dmb_generator.models import BatchJob, ChunkDone, EarlyCancel, Job
from dmb_generator.version import GENERATOR_VERSION

#: Rows per chunk. Part of the job's identity: chunk k always covers the same rows with the same seed.
CHUNK_SIZE = 5_000
AI_POOL_SIZE = 200
#: Combinations of a junction table an appending job keeps apart at most (stored with the job, as parent keys).
MAX_HELD_PAIRS = 1_000_000

log = logging.getLogger(__name__)


@dataclass
class GeneratorDeps:
    runtime: ServiceRuntime
    datasets: Engine
    datasets_schema: str | None
    #: How long a job waits for its AI values before Faker fills its AI fields instead.
    ai_wait: dt.timedelta = dt.timedelta(seconds=120)
    clock: Callable[[], dt.datetime] = utcnow
    #: Chunks of one owner queued or running at once (domain.fair_share): owners take turns on the workers.
    chunks_per_owner: int = 8
    owner_turns: OwnerTurns = field(default_factory=OwnerTurns)
    #: The users' tables (adapters.datasets); made from `datasets` unless given.
    writer: DatasetsWriter | None = None

    def __post_init__(self) -> None:
        if self.writer is None:
            self.writer = SqlDatasets(self.datasets, self.datasets_schema)

    @property
    def tables(self) -> DatasetsWriter:
        assert self.writer is not None
        return self.writer


@contextlib.asynccontextmanager
async def _owner_uow(deps: GeneratorDeps, owner_id: uuid.UUID | None) -> AsyncIterator[UnitOfWork]:
    """A unit of work holding the owner's turn, so it may send the owner's next chunks (chunk_release)."""
    async with deps.owner_turns.turn(owner_id), deps.runtime.uow() as uow:
        await lock_owner(uow, owner_id)
        yield uow


async def _job_owner(deps: GeneratorDeps, job_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
    """(whether the job exists, its owner)."""
    async with deps.runtime.sessions() as session:
        row = (await session.execute(sa.select(Job.owner_id).where(Job.job_id == job_id))).first()
    return (row is not None, row[0] if row is not None else None)


async def generate_rows(cmd: GenerateRows, deps: GeneratorDeps) -> None:
    async with _owner_uow(deps, cmd.owner_id) as uow:
        if not await uow.claim(cmd) or await uow.session.get(Job, cmd.job_id) is not None:
            await uow.commit()
            return
        seed = cmd.seed if cmd.seed is not None else secrets.randbelow(MAX_SEED + 1)
        job = Job(
            job_id=cmd.job_id,
            owner_id=cmd.owner_id,
            table_id=cmd.table_id,
            table_version=cmd.table_version,
            spec=cmd.spec.model_dump(mode="json"),
            rows=cmd.rows,
            seed=seed,
            locale=cmd.locale,
            chunk_size=CHUNK_SIZE,
            chunks=math.ceil(cmd.rows / CHUNK_SIZE),
            status=JobStatus.RUNNING,
            generator_version=GENERATOR_VERSION,
            ai_pools={},
            fallbacks=[],
            created_at=utcnow(),
            aggregate_parents=[parent.model_dump(mode="json") for parent in cmd.aggregate_parents] or None,
        )
        uow.session.add(job)
        if await uow.session.get(EarlyCancel, cmd.job_id) is not None:
            job.status, job.finished_at = JobStatus.CANCELLED, utcnow()
            uow.emit(JobCancelled(job_id=job.job_id, rows_done=0), cmd)
            await uow.commit()
            return
        notes: list[str] = []
        if cmd.mode is WriteMode.REPLACE:
            table = owned_table(cmd.spec, cmd.owner_id, deps.datasets_schema)
            try:
                await asyncio.to_thread(deps.tables.empty, [(table, cmd.spec)])
            except sa.exc.IntegrityError:
                _fail(uow, job, "replace: other tables reference rows of this table; replace them together", cmd)
                await uow.commit()
                return
            notes.append("the table's rows were removed first (replace)")
        elif fields_kept_apart(cmd.spec) or key_pairs(cmd.spec):
            # Appending: unique values that are not sequences, and the combinations of a junction table, are
            # kept apart from the rows already there.
            table = owned_table(cmd.spec, cmd.owner_id, deps.datasets_schema)
            job.appending = await asyncio.to_thread(deps.tables.has_rows, table)
        # Appending: sequences continue after the rows already there (read once; the job keeps the result).
        maxima = await asyncio.to_thread(_read_sequence_maxima, deps, cmd.spec, cmd.owner_id)
        spec, continued = continue_sequences(cmd.spec, maxima)
        job.spec = spec.model_dump(mode="json")
        try:
            job.parent_keys = await asyncio.to_thread(_read_parent_keys, deps, spec, cmd.owner_id)
        except TooManyParentKeys as exc:
            _fail(uow, job, str(exc), cmd)
            await uow.commit()
            return
        parents = parent_keys(spec, job.parent_keys, cmd.rows)
        if job.appending and key_pairs(spec):
            try:
                job.held_pairs = await asyncio.to_thread(_read_held_pairs, deps, spec, cmd.owner_id, parents)
            except TooManyHeldPairs as exc:
                _fail(uow, job, str(exc), cmd)
                await uow.commit()
                return
        problem = await asyncio.to_thread(
            _refusal, spec, cmd.rows, seed, cmd.locale, reference_day(job.created_at), parents, job.held_pairs
        )
        if problem:
            _fail(uow, job, problem, cmd)
            await uow.commit()
            return
        job.fallbacks = notes + continued + empty_parent_notes(spec, parents)
        uow.emit(
            JobStarted(
                job_id=job.job_id,
                table_id=job.table_id,
                rows=job.rows,
                chunks=job.chunks,
                seed=seed,
                generator_version=GENERATOR_VERSION,
            ),
            cmd,
        )
        ai_fields = [field for field in cmd.spec.fields if isinstance(field.generator, AIGenerator)]
        if ai_fields:
            job.status = JobStatus.WAITING_AI
            ai = cmd.ai
            uow.emit(
                AIValuesRequested(
                    request_id=job.job_id,
                    job_id=job.job_id,
                    table=cmd.spec,
                    fields=ai_fields,
                    count=min(cmd.rows, AI_POOL_SIZE),
                    locale=cmd.locale,
                    context=ai.context if ai else "",
                    base_url=ai.base_url if ai else None,
                    model=ai.model if ai else "gpt-4o-mini",
                    api_key_encrypted=ai.api_key_encrypted if ai else None,
                    rows=cmd.rows,
                    seed=seed,
                ),
                cmd,
            )
        else:
            await release_chunks(uow, job.owner_id, deps.chunks_per_owner, cmd)
        await uow.commit()


def reference_day(created_at: dt.datetime) -> dt.datetime:
    """What relative dates ("-2y", ages) count from: midnight UTC of the job's start day, so every chunk
    and redelivery of a job agrees, and the same seed gives the same rows all that day."""
    return as_utc(created_at).replace(hour=0, minute=0, second=0, microsecond=0)


def _read_sequence_maxima(deps: GeneratorDeps, spec: TableSpec, owner_id: uuid.UUID | None) -> dict[str, int | None]:
    columns = sequence_fields(spec)
    if not columns:
        return {}
    return deps.tables.maxima(owned_table(spec, owner_id, deps.datasets_schema), columns)


def _read_parent_keys(deps: GeneratorDeps, spec: TableSpec, owner_id: uuid.UUID | None) -> dict[str, list[Any]] | None:
    if not any(field.references is not None for field in spec.fields):
        return None
    table = owned_table(spec, owner_id, deps.datasets_schema)
    return deps.tables.parent_keys(table, spec, MAX_PARENT_KEYS)


class TooManyHeldPairs(ValueError):
    """A junction table holds more combinations than a job keeps."""


def _read_held_pairs(
    deps: GeneratorDeps, spec: TableSpec, owner_id: uuid.UUID | None, parents: dict[str, ParentKeys]
) -> dict[str, list[int]]:
    """Per junction index whose parents have keys, the slots of the combinations the table already holds."""
    table = owned_table(spec, owner_id, deps.datasets_schema)
    held = {}
    for pair in key_pairs(spec):
        if not all(name in parents and parents[name].keys for name in pair.fields):
            continue  # reference_problems names the empty parent
        combinations = deps.tables.held_combinations(table, pair.fields, MAX_HELD_PAIRS)
        if len(combinations) > MAX_HELD_PAIRS:
            raise TooManyHeldPairs(
                f"{pair.name}: the table already holds more than {MAX_HELD_PAIRS} combinations of "
                f"({', '.join(pair.fields)}), more than an appending job keeps apart; replace its rows instead"
            )
        held[pair.name] = pair.held_slots(combinations, parents)
    return held


def parent_keys(spec: TableSpec, stored: dict[str, list[Any]] | None, rows: int) -> dict[str, ParentKeys]:
    """The job's stored parent keys as the generator's input, one entry per foreign-key field."""
    parents = {}
    for name, keys in keys_as_values(spec, stored or {}).items():
        reference = spec.field(name).references
        if reference is not None:
            parents[name] = ParentKeys(reference.table, keys, rows)
    return parents


def _refusal(
    spec: TableSpec,
    rows: int,
    seed: int,
    locale: str,
    now: dt.datetime,
    parents: dict[str, ParentKeys],
    held_pairs: dict[str, list[int]] | None = None,
) -> str | None:
    """Why the job cannot run, found before any row is written (value space, providers, arguments, parents,
    the combinations a junction table has left)."""
    problems = check_capacity(spec, rows, now=now) + reference_problems(spec, rows, parents, held_pairs)
    if problems:
        return "; ".join(problems)
    try:
        generate_chunk(
            spec,
            seed=seed,
            chunk_index=0,
            first_row=0,
            rows=1,
            locale=locale,
            now=now,
            parents=parents,
            held_pairs=held_pairs,
        )
    except ValueError as exc:
        return str(exc)
    return None


def _fail(uow: UnitOfWork, job: Job, reason: str, cause: Message) -> None:
    reason = hide_physical_names(reason)  # a database's message may quote a table's physical name
    job.status = JobStatus.FAILED
    job.error = reason
    job.finished_at = utcnow()
    uow.emit(JobFailed(job_id=job.job_id, reason=reason), cause)


async def ai_values_generated(event: AIValuesGenerated, deps: GeneratorDeps) -> None:
    await _resume_after_ai(
        event, deps, pools=event.values, fallback=None, notes=event.notes, compositions=event.compositions
    )


async def ai_values_progressed(event: AIValuesProgressed, deps: GeneratorDeps) -> None:
    """The AI service is making the job's values: the wait deadline starts again from now."""
    async with deps.runtime.uow() as uow:
        await uow.session.execute(
            sa.update(Job)
            .where(Job.job_id == event.job_id, Job.status == JobStatus.WAITING_AI)
            .values(ai_progress_at=deps.clock())
        )
        await uow.commit()


async def ai_values_failed(event: AIValuesFailed, deps: GeneratorDeps) -> None:
    await _resume_after_ai(event, deps, pools={}, fallback=f"AI values unavailable, Faker used instead: {event.reason}")


async def _resume_after_ai(
    event: AIValuesGenerated | AIValuesFailed,
    deps: GeneratorDeps,
    pools: Mapping[str, Sequence[JsonScalar]],
    fallback: str | None,
    notes: Sequence[str] = (),
    compositions: Mapping[str, Composition] | None = None,
) -> None:
    known, owner_id = await _job_owner(deps, event.job_id)
    if not known:
        return
    async with _owner_uow(deps, owner_id) as uow:
        job = await _take_waiting_job(uow, event.job_id)
        if job is None:
            return  # a duplicate answer, or one after the deadline: the job already runs (or was cancelled)
        job.fallbacks = [*job.fallbacks, *notes]
        if compositions:
            job.ai_compositions = {name: c.model_dump(mode="json") for name, c in compositions.items()}
        await _resume(uow, deps, job, pools, fallback, event)
        await uow.commit()


async def _take_waiting_job(uow: UnitOfWork, job_id: uuid.UUID) -> Job | None:
    """Move the job from WAITING_AI to RUNNING and return it, if it still waits; None when an AI answer, the
    deadline sweep (of any generator process) or a cancel took it first. The caller then emits its chunks."""
    # One conditional UPDATE decides every race: PostgreSQL re-checks the WHERE once a concurrent writer's row
    # lock is released, SQLite admits one writer at a time, so exactly one caller sees rowcount 1. It comes
    # before any read in the transaction, so it waits for a concurrent writer rather than acting on a stale
    # read (a check-then-set of the loaded job emitted the chunks twice when an answer and a sweep raced).
    connection = await uow.session.connection()
    taken = await connection.execute(
        sa.update(Job).where(Job.job_id == job_id, Job.status == JobStatus.WAITING_AI).values(status=JobStatus.RUNNING)
    )
    if taken.rowcount != 1:
        return None
    return await uow.session.get(Job, job_id)


async def _resume(
    uow: UnitOfWork,
    deps: GeneratorDeps,
    job: Job,
    pools: Mapping[str, Sequence[JsonScalar]],
    fallback: str | None,
    cause: Message | None,
) -> None:
    job.ai_pools = {name: list(values) for name, values in pools.items()}
    job.fallbacks = [*job.fallbacks, fallback] if fallback else job.fallbacks
    await release_chunks(uow, job.owner_id, deps.chunks_per_owner, cause)


def ai_deadline_note(wait: dt.timedelta) -> str:
    return f"AI values did not arrive within {wait.total_seconds():g} s; Faker used instead"


async def resume_overdue_ai_jobs(deps: GeneratorDeps, now: dt.datetime) -> int:
    """Start with Faker's values every job that has waited longer than `deps.ai_wait` for its AI values at
    `now` (the AI service is down, or its answer was lost), counted from the AI service's last progress report
    on it, else from the job's start; returns how many jobs this call resumed.

    A job another process resumed meanwhile (its AI answer, another replica's sweep) is left to that one."""
    cutoff = now.astimezone(dt.UTC) - deps.ai_wait
    async with deps.runtime.sessions() as session:
        overdue = (
            await session.scalars(
                sa.select(Job.job_id)
                .where(
                    Job.status == JobStatus.WAITING_AI, sa.func.coalesce(Job.ai_progress_at, Job.created_at) < cutoff
                )
                .order_by(Job.created_at)
            )
        ).all()
    note = ai_deadline_note(deps.ai_wait)
    resumed = 0
    for job_id in overdue:
        _, owner_id = await _job_owner(deps, job_id)
        async with _owner_uow(deps, owner_id) as uow:
            job = await _take_waiting_job(uow, job_id)
            if job is None:
                continue
            await _resume(uow, deps, job, {}, note, None)
            await uow.commit()
        log.warning("job %s: %s", job_id, note)
        resumed += 1
    return resumed


async def generate_one_chunk(cmd: GenerateChunk, deps: GeneratorDeps) -> None:
    async with deps.runtime.uow() as uow:
        job = await uow.session.get(Job, cmd.job_id)
        if job is None:
            raise LookupError(f"job {cmd.job_id} is not known yet")  # retried: its commit may still be in flight
        if job.status in JOB_FINISHED:
            return
        spec = TableSpec.model_validate(job.spec)
        seed, locale, pools, started = job.seed, job.locale, job.ai_pools, reference_day(job.created_at)
        compositions = {name: Composition.model_validate(c) for name, c in (job.ai_compositions or {}).items()}
        parents = parent_keys(spec, job.parent_keys, job.rows)
        owner_id, appending, job_rows, held_pairs = job.owner_id, job.appending, job.rows, job.held_pairs
    table = owned_table(spec, owner_id, deps.datasets_schema)

    def make(first_row: int) -> list[tuple[Any, ...]]:
        return generate_chunk(
            spec,
            seed=seed,
            chunk_index=cmd.chunk_index,
            first_row=first_row,
            rows=cmd.rows,
            locale=locale,
            ai_pools=pools,
            now=started,
            parents=parents,
            ai_compositions=compositions,
            held_pairs=held_pairs,
        )

    def make_kept_apart() -> list[tuple[Any, ...]]:
        rows = make(cmd.first_row)
        if not appending:
            return rows
        return keep_apart(
            spec,
            rows,
            held=lambda name, values: deps.tables.held_values(table, name, values),
            reserve=lambda round_: make(reserve_first_row(round_, job_rows, cmd.first_row)),
        )

    try:
        rows = await asyncio.to_thread(make_kept_apart)
    except NoUniqueValuesLeft as exc:
        await _fail_job(cmd, deps, f"chunk {cmd.chunk_index} could not be generated: {exc}")
        return
    except ValueError as exc:
        await _fail_job(cmd, deps, f"chunk {cmd.chunk_index} could not be generated: {exc}")
        return
    try:
        written = await _write_chunk(cmd, deps, table, rows)
    except RowsRefused as exc:
        # The same seed writes the same rows on every redelivery, so a refusal never heals by retrying: it
        # was retried five times, dead-lettered, and the job showed "running" for ever. Fail it, plainly.
        log.warning("job %s chunk %d could not be written: %s", cmd.job_id, cmd.chunk_index, exc.problem)
        await _fail_job(cmd, deps, f"chunk {cmd.chunk_index} could not be written: {exc.problem}")
        return
    if written:
        await _record_chunk(cmd, deps, spec)


async def _write_chunk(cmd: GenerateChunk, deps: GeneratorDeps, table: sa.Table, rows: list[tuple[Any, ...]]) -> bool:
    """Insert the chunk unless the job ended meanwhile; False when it had (nothing written).

    Cancel is final: the insert runs while this transaction holds a shared lock on the job row, and cancel_job
    takes an exclusive one, so a cancel waits for the chunks being written and, once it has committed, every
    later chunk sees the job cancelled and writes nothing. (SQLite has no row locks; there the one process
    that uses it serialises the two with an in-process lock per job.)"""
    async with _job_guard(deps, cmd.job_id), deps.runtime.uow() as uow:
        job = await uow.session.scalar(sa.select(Job).where(Job.job_id == cmd.job_id).with_for_update(read=True))
        if job is None or job.status in JOB_FINISHED:
            return False
        await asyncio.to_thread(deps.tables.insert_chunk, table, rows, job_id=cmd.job_id, chunk_index=cmd.chunk_index)
        await uow.commit()
    return True


_SQLITE_JOB_LOCKS: defaultdict[uuid.UUID, asyncio.Lock] = defaultdict(asyncio.Lock)


def _job_guard(deps: GeneratorDeps, job_id: uuid.UUID) -> contextlib.AbstractAsyncContextManager[Any]:
    """Where there are no row locks, an in-process lock per job; taken after the owner's turn, never before."""
    if deps.runtime.engine.dialect.name == "sqlite":
        return _SQLITE_JOB_LOCKS[job_id]
    return contextlib.nullcontext()


async def _fail_job(cmd: GenerateChunk, deps: GeneratorDeps, reason: str) -> None:
    async with _owner_uow(deps, cmd.owner_id) as uow, _job_guard(deps, cmd.job_id):
        job = await _locked_job(uow, cmd.job_id)
        if job.status not in JOB_FINISHED:
            _fail(uow, job, reason, cmd)
            await release_chunks(uow, job.owner_id, deps.chunks_per_owner, cmd)  # its slots go to the next job
        await uow.commit()


async def _locked_job(uow: UnitOfWork, job_id: uuid.UUID) -> Job:
    # The row lock serialises chunk completions of one job, so exactly one of them sees the last chunk.
    job = await uow.session.scalar(sa.select(Job).where(Job.job_id == job_id).with_for_update())
    assert job is not None
    return job


async def _record_chunk(cmd: GenerateChunk, deps: GeneratorDeps, spec: TableSpec) -> None:
    # The job guard (SQLite only) keeps a cancel from slipping between reading the job and completing it.
    async with _owner_uow(deps, cmd.owner_id) as uow, _job_guard(deps, cmd.job_id):
        job = await _locked_job(uow, cmd.job_id)
        if job.status in JOB_FINISHED:
            return
        if await uow.session.get(ChunkDone, (cmd.job_id, cmd.chunk_index)) is None:
            uow.session.add(ChunkDone(job_id=cmd.job_id, chunk_index=cmd.chunk_index, rows=cmd.rows, done_at=utcnow()))
            await uow.session.flush()
        done_chunks, done_rows = (
            await uow.session.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(ChunkDone.rows), 0)).where(
                    ChunkDone.job_id == cmd.job_id
                )
            )
        ).one()
        uow.emit(JobProgressed(job_id=job.job_id, rows_done=int(done_rows), rows_total=job.rows), cmd)
        if done_chunks == job.chunks:
            table = owned_table(spec, job.owner_id, deps.datasets_schema)
            rows_written_at = utcnow()
            outside = [TableSpec.model_validate(parent) for parent in job.aggregate_parents or []]
            aggregates = _aggregates_due(spec, await _batch_specs(uow, job.job_id), outside)
            if aggregates:
                notes = await asyncio.to_thread(_apply_aggregates, deps, job.owner_id, aggregates)
                job.fallbacks = [*job.fallbacks, *notes]
            report = await asyncio.to_thread(deps.tables.report, table, spec)
            job.status = JobStatus.COMPLETED
            job.finished_at = utcnow()
            started_at = as_utc(job.created_at)
            uow.emit(
                JobCompleted(
                    job_id=job.job_id,
                    table_id=job.table_id,
                    rows=job.rows,
                    seconds=(job.finished_at - started_at).total_seconds(),
                    rows_seconds=(rows_written_at - started_at).total_seconds(),
                    report_seconds=(job.finished_at - rows_written_at).total_seconds(),
                    seed=job.seed,
                    generator_version=job.generator_version,
                    columns=report.lines,
                    table_rows=report.rows,
                    fallbacks=job.fallbacks,
                ),
                cmd,
            )
        await release_chunks(uow, job.owner_id, deps.chunks_per_owner, cmd)
        await uow.commit()


Aggregate = tuple[TableSpec, AggregateRule, TableSpec | None]


async def _batch_specs(uow: UnitOfWork, job_id: uuid.UUID) -> list[TableSpec]:
    """The definitions of the other tables of the job's batch (none for a single-table job)."""
    batch_id = await uow.session.scalar(sa.select(BatchJob.batch_id).where(BatchJob.job_id == job_id))
    if batch_id is None:
        return []
    specs = await uow.session.scalars(
        sa.select(BatchJob.spec).where(BatchJob.batch_id == batch_id, BatchJob.job_id != job_id)
    )
    return [TableSpec.model_validate(spec) for spec in specs]


def _aggregates_due(spec: TableSpec, others: list[TableSpec], outside: Sequence[TableSpec] = ()) -> list[Aggregate]:
    """The aggregate rules to compute once this job's rows are written: the table's own (its children may be
    there), and those of the batch's other tables and of the owner's tables outside it (`outside`, sent with the
    job: GenerateRows.aggregate_parents) whose children this table holds. A table in both counts once, as the
    batch has it (the definition the batch was asked with)."""
    by_name = {other.table_name: other for other in others}
    parents = [*others, *(p for p in outside if p.table_name not in by_name and p.table_name != spec.table_name)]
    due: list[Aggregate] = [
        (spec, rule, by_name.get(rule.child_table)) for rule in spec.rules if isinstance(rule, AggregateRule)
    ]
    due += [
        (parent, rule, spec)
        for parent in parents
        for rule in parent.rules
        if isinstance(rule, AggregateRule) and rule.child_table == spec.table_name
    ]
    return due


def _apply_aggregates(deps: GeneratorDeps, owner_id: uuid.UUID | None, due: list[Aggregate]) -> list[str]:
    notes = []
    for parent, rule, child in due:
        note = deps.tables.aggregate(owner_id, parent, rule, child)
        if note is not None:
            notes.append(note)
    return notes


async def cancel_job(cmd: CancelJob, deps: GeneratorDeps) -> None:
    """Cancel is final once this commits: no chunk of the job writes a row after it.

    A cancel that may overtake its job's GenerateRows (no job row yet) holds the job's owner's turn, the one
    generate_rows holds while it creates the job (and checks for an early cancel). The owner comes from the
    command, never from the job row: a cancel that overtook its GenerateRows finds no job yet, and looking the
    owner up then gave "no owner", another turn than the one generate_rows held, so both ran at once, each
    missed the other's uncommitted row (the cancel saw no job and remembered an early cancel; generate_rows saw
    no early cancel yet) and the job ran to completion.

    A job that exists is cancelled under its row lock alone, without waiting for the owner's turn: the turn is
    busy with every chunk of the owner being recorded, and a person pressing Cancel on a big job waited behind
    all of them. The turn is taken afterwards, only to give the job's slots to the owner's next job."""
    exists, job_owner = await _job_owner(deps, cmd.job_id)
    owner_id = cmd.owner_id if cmd.owner_id is not None else job_owner
    if not exists:
        async with _owner_uow(deps, owner_id) as uow:
            job = await uow.session.get(Job, cmd.job_id)
            if job is None and await cancel_unstarted_batch_job(uow, cmd):
                await uow.commit()
                return
            if job is None:
                # The cancel overtook the job's GenerateRows (both are on the way): remembered, so that the job
                # is created cancelled and a job cancelled right after it was asked for never runs.
                if await uow.session.get(EarlyCancel, cmd.job_id) is None:
                    uow.session.add(EarlyCancel(job_id=cmd.job_id, created_at=utcnow()))
                await uow.commit()
                return
        # Otherwise generate_rows committed the job while this cancel waited for the owner's turn.
    await _cancel_running_job(cmd, deps)
    await _release_owner_chunks(cmd, deps, owner_id)


async def _release_owner_chunks(cmd: CancelJob, deps: GeneratorDeps, owner_id: uuid.UUID | None) -> None:
    """A cancelled job's slots go to the owner's next job (also on a redelivered cancel: releasing is idempotent)."""
    async with _owner_uow(deps, owner_id) as uow:
        await release_chunks(uow, owner_id, deps.chunks_per_owner, cmd)
        await uow.commit()


async def _cancel_running_job(cmd: CancelJob, deps: GeneratorDeps) -> None:
    """Mark an existing job cancelled under its row lock (unless it has already ended)."""
    async with _job_guard(deps, cmd.job_id), deps.runtime.uow() as uow:
        job = await _locked_job(uow, cmd.job_id)
        if job.status in JOB_FINISHED:
            return
        # The rows the table kept, from the ledger written with each chunk: a chunk written under the shared
        # lock this cancel waited for may not be recorded as done yet (counting those reported too few rows).
        done_rows = await asyncio.to_thread(deps.tables.written_rows, cmd.job_id)
        job.status = JobStatus.CANCELLED
        job.finished_at = utcnow()
        uow.emit(JobCancelled(job_id=job.job_id, rows_done=done_rows), cmd)
        await uow.commit()
