"""A batch keeps its AI options (context, endpoint, sealed key), so every table's job uses them.

Revision ID: 0008_ai_ui_batch_ai
Revises: 0007_import_data_appending
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_ai_ui_batch_ai"
down_revision = "0007_import_data_appending"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("ai", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("ai")
