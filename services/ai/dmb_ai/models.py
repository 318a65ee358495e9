"""The AI service's own records: the requests it took and answered, and the value pools it made (its cache).

The workflow's checkpoints live in tables of the same database that langgraph's checkpointer creates and
migrates itself (adapters/checkpoints.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from dmb_bus.tables import messaging_tables
from dmb_common.db import new_metadata
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging_tables(Base.metadata)


class AIRequest(Base):
    __tablename__ = "ai_requests"

    request_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    fields: Mapped[list[str]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    #: The request as received (the key in it stays encrypted), so a restarted service can resume it.
    request: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    made: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    needed: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class RequestStatus:
    RUNNING = "running"
    GENERATED = "generated"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PoolCacheEntry(Base):
    """Rows a model wrote for one brief (fields, table, context, locale) on one endpoint and model: a repeated
    job with the same key takes them without a model call."""

    __tablename__ = "ai_pool_cache"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(200))
    rows: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    #: Per unique text field, the composition made for the largest job so far (dmb_contracts.compositions).
    compositions: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
