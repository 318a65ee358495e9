"""Users, API tokens, the read model, and the messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from dmb_bus.tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table('exports_view',
    sa.Column('export_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=True),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('object_key', sa.String(length=500), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('rows', sa.BigInteger(), nullable=True),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('export_id', name=op.f('pk_exports_view'))
    )
    op.create_index(op.f('ix_exports_view_owner_id'), 'exports_view', ['owner_id'], unique=False)
    op.create_index(op.f('ix_exports_view_table_id'), 'exports_view', ['table_id'], unique=False)
    op.create_table('jobs_view',
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=True),
    sa.Column('locale', sa.String(length=20), nullable=False),
    sa.Column('generator_version', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('fallbacks', sa.JSON(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_jobs_view'))
    )
    op.create_index(op.f('ix_jobs_view_owner_id'), 'jobs_view', ['owner_id'], unique=False)
    op.create_index(op.f('ix_jobs_view_table_id'), 'jobs_view', ['table_id'], unique=False)
    op.create_table('tables_view',
    sa.Column('table_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('table_name', sa.String(length=63), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('table_id', name=op.f('pk_tables_view'))
    )
    op.create_index(op.f('ix_tables_view_owner_id'), 'tables_view', ['owner_id'], unique=False)
    op.create_table('users',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.user_id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_api_tokens'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_index(op.f('ix_tables_view_owner_id'), table_name='tables_view')
    op.drop_table('tables_view')
    op.drop_index(op.f('ix_jobs_view_table_id'), table_name='jobs_view')
    op.drop_index(op.f('ix_jobs_view_owner_id'), table_name='jobs_view')
    op.drop_table('jobs_view')
    op.drop_index(op.f('ix_exports_view_table_id'), table_name='exports_view')
    op.drop_index(op.f('ix_exports_view_owner_id'), table_name='exports_view')
    op.drop_table('exports_view')
    drop_messaging_tables(op)

