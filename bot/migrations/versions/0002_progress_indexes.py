"""progress indexes: covering assignment indexes by unit and by milestone; byte-wise path index on PostgreSQL

Revision ID: 5b2e7d41c0a9
Revises: 1c1ba10fc9c7
Create Date: 2026-11-25 08:00:00.000000

/tiendo and /baocao count a subtree's assignments in SQL (bot/progress.py). At national scale (60,000 units,
1.2 M assignments) that needs indexes holding every column the counts read:
- ix_assignment_unit_progress (unit_id, active, milestone_id, state) replaces ix_assignment_unit_state and the
  single-column ix_assignment_unit_id (both are prefixes of it);
- ix_assignment_milestone_progress (milestone_id, active, state, unit_id) replaces ix_assignment_milestone_id;
- on PostgreSQL, ix_unit_path is rebuilt with varchar_pattern_ops: the subtree's path range (and LIKE 'p%')
  compares bytes, which a default-collation index cannot serve outside the C collation. SQLite's is unchanged.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '5b2e7d41c0a9'
down_revision: str | None = '1c1ba10fc9c7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_assignment_unit_progress', 'assignment', ['unit_id', 'active', 'milestone_id', 'state'])
    op.create_index('ix_assignment_milestone_progress', 'assignment', ['milestone_id', 'active', 'state', 'unit_id'])
    op.drop_index('ix_assignment_unit_state', table_name='assignment')
    op.drop_index('ix_assignment_unit_id', table_name='assignment')
    op.drop_index('ix_assignment_milestone_id', table_name='assignment')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_unit_path', table_name='unit')
        op.create_index('ix_unit_path', 'unit', ['path'], postgresql_ops={'path': 'varchar_pattern_ops'})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_unit_path', table_name='unit')
        op.create_index('ix_unit_path', 'unit', ['path'])
    op.create_index('ix_assignment_milestone_id', 'assignment', ['milestone_id'])
    op.create_index('ix_assignment_unit_id', 'assignment', ['unit_id'])
    op.create_index('ix_assignment_unit_state', 'assignment', ['unit_id', 'state'])
    op.drop_index('ix_assignment_milestone_progress', table_name='assignment')
    op.drop_index('ix_assignment_unit_progress', table_name='assignment')
