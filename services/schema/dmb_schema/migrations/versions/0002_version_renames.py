"""The field renames each version made (new name → old name), so a later restore can follow a field back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite (embedded) cannot add columns to every table shape in place.
    with op.batch_alter_table("definition_versions") as batch:
        batch.add_column(sa.Column("renames", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("definition_versions") as batch:
        batch.drop_column("renames")
