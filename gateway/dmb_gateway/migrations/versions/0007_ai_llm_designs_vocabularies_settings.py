"""The AI's proposals (table designs, column vocabularies) and each user's own model settings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_designs_view",
        sa.Column("design_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("design_id", name=op.f("pk_ai_designs_view")),
    )
    op.create_index(op.f("ix_ai_designs_view_owner_id"), "ai_designs_view", ["owner_id"])
    op.create_table(
        "ai_vocabularies_view",
        sa.Column("vocabulary_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("table_id", sa.Uuid(), nullable=False),
        sa.Column("table_version", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=63), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("vocabulary_id", name=op.f("pk_ai_vocabularies_view")),
    )
    op.create_index(op.f("ix_ai_vocabularies_view_owner_id"), "ai_vocabularies_view", ["owner_id"])
    op.create_index(op.f("ix_ai_vocabularies_view_table_id"), "ai_vocabularies_view", ["table_id"])
    op.create_table(
        "ai_settings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("api_key_encrypted", sa.Text(), nullable=True),
        sa.Column("api_key_hint", sa.String(length=4), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], name=op.f("fk_ai_settings_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_ai_settings")),
    )


def downgrade() -> None:
    op.drop_table("ai_settings")
    op.drop_index(op.f("ix_ai_vocabularies_view_table_id"), table_name="ai_vocabularies_view")
    op.drop_index(op.f("ix_ai_vocabularies_view_owner_id"), table_name="ai_vocabularies_view")
    op.drop_table("ai_vocabularies_view")
    op.drop_index(op.f("ix_ai_designs_view_owner_id"), table_name="ai_designs_view")
    op.drop_table("ai_designs_view")
