"""milestones keep their co-ordinating (phối hợp) units

Revision ID: f0c3d6e4b9a2
Revises: e9b2c5d3a8f1
Create Date: 2026-12-02 05:00:00.000000

SKELETON: owned by the engineer of this change; fills upgrade/downgrade.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'f0c3d6e4b9a2'
down_revision: Union[str, None] = 'e9b2c5d3a8f1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
