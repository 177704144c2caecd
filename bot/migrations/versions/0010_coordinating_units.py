"""milestones keep their co-ordinating (phối hợp) units

Revision ID: f0c3d6e4b9a2
Revises: e9b2c5d3a8f1
Create Date: 2026-12-02 05:00:00.000000

Additive: one nullable text column, the co-ordinating units' codes ("SO-TC,SO-KHCN"); existing milestones have
none (NULL). Codes, not a link table: they are shown beside the milestone, never joined in a tally, and a plan
that wants them reminded gives them assignments as it does its lead units.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f0c3d6e4b9a2'
down_revision: str | None = 'e9b2c5d3a8f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coordinating', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_column('coordinating')
