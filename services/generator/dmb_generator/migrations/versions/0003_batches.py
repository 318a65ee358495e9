"""Multi-table jobs (batches): their tables in dependency order, filled one job after another.

Revision ID: 0003_batches
Revises: 0002_parent_keys
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_batches"
down_revision = "0002_parent_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.Uuid, nullable=True),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("locale", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "batch_jobs",
        sa.Column("job_id", sa.Uuid, primary_key=True),
        sa.Column("batch_id", sa.Uuid, sa.ForeignKey("batches.batch_id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("table_id", sa.Uuid, nullable=False),
        sa.Column("table_version", sa.Integer, nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_jobs")
    op.drop_table("batches")
