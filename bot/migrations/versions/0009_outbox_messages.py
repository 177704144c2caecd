"""one outbox: every message the bot sends on its own

Revision ID: e9b2c5d3a8f1
Revises: d8a1f4c2b7e9
Create Date: 2026-12-02 05:00:00.000000

SKELETON: owned by the engineer of this change; fills upgrade/downgrade.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'e9b2c5d3a8f1'
down_revision: Union[str, None] = 'd8a1f4c2b7e9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
