"""milestone tally kept by triggers; units' display-order index

Revision ID: d8a1f4c2b7e9
Revises: c7e6a2f3d4b5
Create Date: 2026-12-02 05:00:00.000000

SKELETON: owned by the engineer of this change; fills upgrade/downgrade.
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'd8a1f4c2b7e9'
down_revision: Union[str, None] = 'c7e6a2f3d4b5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
