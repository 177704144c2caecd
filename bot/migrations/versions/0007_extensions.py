"""extensions: per-assignment due date override, `extension` requests, the date work was really done

Revision ID: c7e6a2f3d4b5
Revises: b6d5f1e2c3a4
Create Date: 2026-12-10 09:00:00.000000

Additive: two nullable columns on `assignment` (existing rows keep the milestone's date and are judged by when
they were reported, as before), a partial index, and the `extension` table.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db import UTCDateTime

revision: str = 'c7e6a2f3d4b5'
down_revision: str | None = 'b6d5f1e2c3a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_date_override', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('done_on', sa.Date(), nullable=True))
    op.create_index('ix_assignment_due_override', 'assignment', ['milestone_id', 'due_date_override'],
                    unique=False, sqlite_where=sa.text('due_date_override IS NOT NULL'),
                    postgresql_where=sa.text('due_date_override IS NOT NULL'))
    op.create_table(
        'extension',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('old_date', sa.Date(), nullable=False),
        sa.Column('new_date', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by_member_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', UTCDateTime(), nullable=False),
        sa.Column('decided_by_member_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id']),
        sa.ForeignKeyConstraint(['requested_by_member_id'], ['member.id']),
        sa.ForeignKeyConstraint(['decided_by_member_id'], ['member.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_extension_assignment_id', 'extension', ['assignment_id'], unique=False)
    op.create_index('uq_extension_pending', 'extension', ['assignment_id'], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('uq_extension_pending', table_name='extension')
    op.drop_index('ix_extension_assignment_id', table_name='extension')
    op.drop_table('extension')
    op.drop_index('ix_assignment_due_override', table_name='assignment')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('done_on')
        batch_op.drop_column('due_date_override')
