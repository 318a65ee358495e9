"""When the AI service last reported progress on a job's values (the AI wait deadline counts from it), and the
compositions it sent for unique AI fields.

Revision ID: 0004_ai_core_ai_progress
Revises: 0003_batches
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_ai_core_ai_progress"
down_revision = "0003_batches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("ai_progress_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ai_compositions", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("ai_compositions")
        batch.drop_column("ai_progress_at")
