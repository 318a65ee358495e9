"""The value-pool cache, and what a restarted service needs to resume a request.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_requests") as batch:
        batch.add_column(sa.Column("request", sa.JSON, nullable=True))
        batch.add_column(sa.Column("made", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("needed", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "ai_pool_cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("rows", sa.JSON, nullable=False),
        sa.Column("compositions", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ai_pool_cache")
    with op.batch_alter_table("ai_requests") as batch:
        batch.drop_column("finished_at")
        batch.drop_column("needed")
        batch.drop_column("made")
        batch.drop_column("request")
