"""Accounts: passwords, disabled users and quota overrides on users; named, expiring, revocable API tokens;
server-side web sessions; sign-up invitations; the admins' audit log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("quota_rows_per_job", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("quota_concurrent_jobs", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quota_tables", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quota_export_bytes", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("token_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("prefix", sa.String(16), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    # Tokens made before this revision get an id to be listed and revoked by; their first characters were
    # never kept, so their prefix shows only the common "dmb_".
    tokens = sa.table("api_tokens", sa.column("token_hash", sa.String), sa.column("token_id", sa.Uuid))
    connection = op.get_bind()
    for (token_hash,) in connection.execute(sa.select(tokens.c.token_hash)).all():
        connection.execute(
            tokens.update().where(tokens.c.token_hash == token_hash).values(token_id=uuid.uuid4(), prefix="dmb_")
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("token_id", existing_type=sa.Uuid(), nullable=False)
        batch.alter_column("prefix", existing_type=sa.String(16), nullable=False)
        batch.create_unique_constraint(batch.f("uq_api_tokens_token_id"), ["token_id"])

    op.create_table(
        "web_sessions",
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)
    op.create_table(
        "invites",
        sa.Column("invite_hash", sa.String(64), nullable=False),
        sa.Column("invite_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.user_id"], name=op.f("fk_invites_created_by_users")),
        sa.PrimaryKeyConstraint("invite_hash", name=op.f("pk_invites")),
        sa.UniqueConstraint("invite_id", name=op.f("uq_invites_invite_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_email", sa.String(254), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_actor_id"), "audit_log", ["actor_id"], unique=False)


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("invites")
    op.drop_table("web_sessions")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("uq_api_tokens_token_id", type_="unique")
        for column in ("last_used_at", "revoked_at", "expires_at", "prefix", "token_id"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        for column in (
            "quota_export_bytes",
            "quota_tables",
            "quota_concurrent_jobs",
            "quota_rows_per_job",
            "disabled_at",
            "password_hash",
        ):
            batch.drop_column(column)
