"""Jobs keep the combinations a junction table held when they started (appending), and the definitions of the
tables whose aggregates follow the job's table (its parents with an aggregate rule over it); a batch's jobs
keep the latter too.

Revision ID: 0009_import_rest
Revises: 0008_ai_ui_batch_ai
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_import_rest"
down_revision = "0008_ai_ui_batch_ai"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("held_pairs", sa.JSON, nullable=True))
        batch.add_column(sa.Column("aggregate_parents", sa.JSON, nullable=True))
    with op.batch_alter_table("batch_jobs") as batch:
        batch.add_column(sa.Column("aggregate_parents", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_jobs") as batch:
        batch.drop_column("aggregate_parents")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("aggregate_parents")
        batch.drop_column("held_pairs")
