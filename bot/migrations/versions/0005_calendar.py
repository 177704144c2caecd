"""working calendar: the days the government declares off or working each year (`calendar_day`)

Revision ID: a5c4e0d1b2f3
Revises: 9e6b1f3a5c27
Create Date: 2026-12-10 09:00:00.000000

Public holidays and weekends are not stored (bot/workdays.py computes them); only the declared exceptions are.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db import UTCDateTime

revision: str = 'a5c4e0d1b2f3'
down_revision: str | None = '9e6b1f3a5c27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'calendar_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=255), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )


def downgrade() -> None:
    op.drop_table('calendar_day')
