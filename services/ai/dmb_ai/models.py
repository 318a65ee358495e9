"""The AI service's own records: the requests it answered (the value-pool cache comes with the AI issue)."""

from __future__ import annotations

import datetime as dt
import uuid

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
