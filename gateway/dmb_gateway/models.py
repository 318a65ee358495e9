"""The gateway's own data: users and tokens, and the read model projected from every service's events."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from dmb_bus.tables import messaging_tables
from dmb_common.db import new_metadata
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging_tables(Base.metadata)


class User(Base):
    __tablename__ = "users"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    #: pwdlib's argon2 hash; None for users who sign in only with API tokens (and the local user).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Per-user quota overrides; None takes the operator's default from the settings.
    quota_rows_per_job: Mapped[int | None] = mapped_column(sa.BigInteger)
    quota_concurrent_jobs: Mapped[int | None]
    quota_tables: Mapped[int | None]
    quota_export_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None


class ApiToken(Base):
    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: What lists and revocations name the token by (its hash never leaves the server).
    token_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("users.user_id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: The token's first characters, enough for its owner to recognise it.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random id, this row only its hash."""

    __tablename__ = "web_sessions"

    session_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("users.user_id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    #: The absolute end, whatever the activity; idleness ends it sooner (settings.session_idle_minutes).
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class Invite(Base):
    """An admin's invitation to sign up (DMB_SIGNUP=invite): the link holds a random code, this row its hash."""

    __tablename__ = "invites"

    invite_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    invite_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("users.user_id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AuditEntry(Base):
    """One action an admin took, kept for the audit log (never deleted by the application)."""

    __tablename__ = "audit_log"

    entry_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    actor_email: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(50))
    target: Mapped[str] = mapped_column(sa.String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class TableView(Base):
    __tablename__ = "tables_view"

    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    table_name: Mapped[str] = mapped_column(sa.String(63))
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class JobView(Base):
    __tablename__ = "jobs_view"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    rows: Mapped[int]
    rows_done: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(20))
    seed: Mapped[int | None] = mapped_column(sa.BigInteger)
    locale: Mapped[str] = mapped_column(sa.String(20))
    generator_version: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    report: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    table_rows: Mapped[int | None] = mapped_column(sa.BigInteger)
    fallbacks: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    seconds: Mapped[float | None]
    rows_seconds: Mapped[float | None]
    report_seconds: Mapped[float | None]
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The AI values made so far and needed, while the AI service makes them (None: no AI request reported).
    ai_values_made: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    ai_values_needed: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)


class ExportView(Base):
    __tablename__ = "exports_view"

    export_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    format: Mapped[str] = mapped_column(sa.String(10))
    csv_excel_bom: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: SQL exports only: the script's dialect (SqlDialect) and whether it loads rows with COPY.
    sql_dialect: Mapped[str | None] = mapped_column(sa.String(20))
    sql_copy: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[str] = mapped_column(sa.String(20))
    object_key: Mapped[str | None] = mapped_column(sa.String(500))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    rows: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: While running: rows written so far, of rows_total (ExportProgressed).
    rows_written: Mapped[int | None] = mapped_column(sa.BigInteger)
    rows_total: Mapped[int | None] = mapped_column(sa.BigInteger)
    seconds: Mapped[float | None]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Loaded with the export (selectin): async sessions cannot lazy-load on attribute access.
    more_tables: Mapped[list[ExportMoreTableView]] = relationship(
        order_by="ExportMoreTableView.position", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def table_ids(self) -> list[uuid.UUID]:
        """Every table the export holds, in sheet order."""
        return [self.table_id, *(more.table_id for more in self.more_tables)]


class ExportMoreTableView(Base):
    """A table of a multi-table export after its first (ExportView.table_id), in sheet order: what a retry
    exports again, and how the export reaches each of its tables' history."""

    __tablename__ = "export_more_tables_view"

    export_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("exports_view.export_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)


class TableVersionView(Base):
    """One version of a table's definition, as the gateway learnt it from the schema service's events."""

    __tablename__ = "table_versions_view"

    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(sa.String(63))
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    changes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class MigrationView(Base):
    """One entry of a table's migration log (MigrationRecorded), keyed by the event's id so a redelivery
    adds nothing."""

    __tablename__ = "table_migrations_view"

    entry_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    action: Mapped[str] = mapped_column(sa.String(20))
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(20))
    changes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    seconds: Mapped[float]
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class AIDesignView(Base):
    """A table design the AI proposed from a sentence (or why it could not); nothing is created from it until
    the user sends its tables to the table endpoints."""

    __tablename__ = "ai_designs_view"

    design_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    sentence: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20))
    tables: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int | None]
    seconds: Mapped[float | None]
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AIVocabularyView(Base):
    """A weighted list of values the AI proposed for one field of a table, made against one version of it."""

    __tablename__ = "ai_vocabularies_view"

    vocabulary_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    table_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    table_version: Mapped[int]
    field: Mapped[str] = mapped_column(sa.String(63))
    status: Mapped[str] = mapped_column(sa.String(20))
    values: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    weights: Mapped[list[float]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int | None]
    seconds: Mapped[float | None]
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AISettings(Base):
    """A user's own model: the key only as a secret-box token (dmb_common.crypto), plus its last characters so
    the user can tell which key is set without it ever being shown."""

    __tablename__ = "ai_settings"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("users.user_id"), primary_key=True)
    base_url: Mapped[str | None] = mapped_column(sa.String(500))
    model: Mapped[str] = mapped_column(sa.String(200))
    api_key_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    api_key_hint: Mapped[str | None] = mapped_column(sa.String(4))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


class RowPreviewView(Base):
    """A preview's answer (RowsPreviewed), kept until the request that asked for it reads it. Any gateway
    process may consume the answer, so it lands here for whichever process is waiting."""

    __tablename__ = "row_previews"

    request_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    answer: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
