"""pending drafts: plan files waiting for their admin's import press, in the database instead of on a disk

Revision ID: 7d3f9a2c4e18
Revises: 5b2e7d41c0a9
Create Date: 2026-11-25 08:30:00.000000

Several bot processes (webhook replicas) share one database but not one disk: the press that imports a draft
may reach another process than the upload did.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from bot.db import UTCDateTime

revision: str = '7d3f9a2c4e18'
down_revision: str | None = '5b2e7d41c0a9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pending_draft',
        sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('admin_telegram_id', sa.BigInteger(), nullable=False),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('plan_text', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token'),
    )
    op.create_index('ix_pending_draft_expires_at', 'pending_draft', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_pending_draft_expires_at', table_name='pending_draft')
    op.drop_table('pending_draft')
