"""one outbox: every message the bot sends on its own

Revision ID: e9b2c5d3a8f1
Revises: d8a1f4c2b7e9
Create Date: 2026-12-02 05:00:00.000000

Additive: a queued message (bot/outbox.py: a weekly digest, an urge, a notice) is a `reminder_digest` row with
what it is about and the parameters it is rendered from, and a key that makes it unique where it must be sent at
most once; its copies are `reminder_delivery` rows, `prompt` ones sent at once and at any hour. Existing rows are
reminders: not prompt, no key.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e9b2c5d3a8f1'
down_revision: str | None = 'd8a1f4c2b7e9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reminder_digest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('once_key', sa.String(length=96), nullable=True))
        batch_op.create_foreign_key('fk_reminder_digest_assignment_id', 'assignment', ['assignment_id'], ['id'])
        batch_op.create_index('uq_reminder_digest_once_key', ['once_key'], unique=True)
    with op.batch_alter_table('reminder_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.create_index('ix_reminder_delivery_prompt', ['prompt', 'status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_delivery_prompt')
        batch_op.drop_column('prompt')
    with op.batch_alter_table('reminder_digest', schema=None) as batch_op:
        batch_op.drop_index('uq_reminder_digest_once_key')
        batch_op.drop_constraint('fk_reminder_digest_assignment_id', type_='foreignkey')
        batch_op.drop_column('once_key')
        batch_op.drop_column('params')
        batch_op.drop_column('assignment_id')
