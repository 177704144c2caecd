"""milestone tally kept by triggers; units' display-order index

Revision ID: d8a1f4c2b7e9
Revises: c7e6a2f3d4b5
Create Date: 2026-12-02 05:00:00.000000

`milestone_tally`: per milestone and state, how many active assignments; kept by triggers on `assignment`
(bot/tally.py holds their SQL, for this migration, create_all and the check after every migration) and counted
once here from the assignments (3.5 M in ~4 s). `ix_unit_order`: units in display order, for the first few late
units of a milestone without sorting the tree.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot import tally

revision: str = 'd8a1f4c2b7e9'
down_revision: str | None = 'c7e6a2f3d4b5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'milestone_tally',
        sa.Column('milestone_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('milestone_id', 'state'),
    )
    op.create_index('ix_unit_order', 'unit', ['depth', 'sort_order', 'code'], unique=False)
    # Triggers first: on PostgreSQL creating them locks out writers until this transaction ends, so the count
    # below misses nothing.
    tally.install(op.get_bind())
    tally.rebuild(op.get_bind())


def downgrade() -> None:
    tally.uninstall(op.get_bind())
    op.drop_index('ix_unit_order', table_name='unit')
    op.drop_table('milestone_tally')
