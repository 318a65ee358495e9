"""Answers to row previews (RowsPreviewed), held until the waiting request reads them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "row_previews",
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_row_previews_created_at", "row_previews", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_row_previews_created_at", table_name="row_previews")
    op.drop_table("row_previews")
