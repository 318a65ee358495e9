"""The generator's own records: jobs and the chunks each has finished."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from dmb_bus.tables import messaging_tables
from dmb_common.db import new_metadata
from dmb_contracts.statuses import JobStatus
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging_tables(Base.metadata)


class Job(Base):
    __tablename__ = "jobs"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    table_version: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    rows: Mapped[int]
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    locale: Mapped[str] = mapped_column(sa.String(20))
    chunk_size: Mapped[int]
    chunks: Mapped[int]
    #: Chunks sent to the work queue so far (0..chunks): they leave a few per owner at a time (fair_share).
    chunks_released: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(20))
    generator_version: Mapped[str] = mapped_column(sa.String(20))
    ai_pools: Mapped[dict[str, list[Any]]] = mapped_column(sa.JSON, default=dict)
    fallbacks: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Per foreign-key field, the parent's keys when the job started (UUIDs as text), so every chunk agrees.
    parent_keys: Mapped[dict[str, list[Any]] | None] = mapped_column(sa.JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: When the AI service last reported progress on the job's values: the wait deadline counts from here.
    ai_progress_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    #: Per unique AI field, the composition the AI service sent (dmb_contracts.compositions), as JSON.
    ai_compositions: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    #: The table held rows when the job started: each chunk's unique values are kept apart from them.
    appending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Appending to a junction table: per unique index of foreign keys, the slots of the combinations the table
    #: held when the job started (domain.key_pairs), so every chunk skips the same ones.
    held_pairs: Mapped[dict[str, list[int]] | None] = mapped_column(sa.JSON, nullable=True)
    #: Definitions of the owner's other tables with an aggregate rule over this table (GenerateRows
    #: .aggregate_parents): their aggregates are computed again when the job completes.
    aggregate_parents: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON, nullable=True)


class ChunkDone(Base):
    __tablename__ = "job_chunks"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("jobs.job_id"), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(primary_key=True)
    rows: Mapped[int]
    done_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class EarlyCancel(Base):
    """A cancel that overtook its job's GenerateRows: the job is then created cancelled and never writes a row."""

    __tablename__ = "early_cancels"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


#: A batch goes through a job's statuses (running, then completed, failed or cancelled).
BatchStatus = JobStatus


class Batch(Base):
    """A multi-table job: its tables' jobs run one after another, parents first."""

    __tablename__ = "batches"

    batch_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    locale: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    #: The batch's AIOptions (key sealed) for every table's AI fields; None: no AI options were sent.
    ai: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)


class BatchJob(Base):
    """One table of a batch, at its position in the dependency order; its job exists once it has started."""

    __tablename__ = "batch_jobs"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("batches.batch_id"), index=True)
    position: Mapped[int]
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    table_version: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    rows: Mapped[int]
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    #: The owner's tables outside the batch with an aggregate rule over this table (BatchTable.aggregate_parents).
    aggregate_parents: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON, nullable=True)
