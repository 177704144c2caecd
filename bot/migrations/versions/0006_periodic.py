"""periodic milestones: a series keeps its rule (`milestone.repeat`), each period is a milestone of its own

Revision ID: b6d5f1e2c3a4
Revises: a5c4e0d1b2f3
Create Date: 2026-12-10 09:00:00.000000

Additive: three nullable columns, an index and a unique key; existing milestones are plain ones (all NULL).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = 'b6d5f1e2c3a4'
down_revision: str | None = 'a5c4e0d1b2f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_foreign_key('fk_milestone_series_id', 'milestone', ['series_id'], ['id'])
        batch_op.create_index('ix_milestone_series_id', ['series_id'], unique=False)
        # One row per period of a series: two processes creating the same period cannot both succeed.
        batch_op.create_unique_constraint('uq_milestone_series_period', ['series_id', 'period'])


def downgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_constraint('uq_milestone_series_period', type_='unique')
        batch_op.drop_index('ix_milestone_series_id')
        batch_op.drop_constraint('fk_milestone_series_id', type_='foreignkey')
        batch_op.drop_column('period')
        batch_op.drop_column('series_id')
        batch_op.drop_column('repeat')
