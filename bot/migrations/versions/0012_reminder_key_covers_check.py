"""reminder's unique key carries status and fire_at; its assignment check looks each assignment up once (PostgreSQL)

Revision ID: b2e5f8a1d3c6
Revises: a1d4e7f0c2b5
Create Date: 2026-12-02 08:30:00.000000

A start-up checks that every open assignment has the reminder rows its ladder wants (scheduler/coverage.py): totals
over every row of a milestone's assignment-id range, ~6.5 M rows for a national plan. With status and fire_at in the
key's index (INCLUDE: not part of the key, so uniqueness and ON CONFLICT are as before) PostgreSQL reads them off
the index alone, without visiting the table: half the check's time (bench/README.md). Status and fire_at were
indexed already (the pending rows' partial index), so their updates were never HOT ones: nothing lost there.

SQLite has no INCLUDE (and rebuilding its key means rebuilding the table): unchanged; its check was never the slow
one. The index is rebuilt on upgrade and on downgrade, under the table's lock (~10 s for a national plan).

The statement trigger of 0011 looked up the assignment of every inserted row: ~5 rows an assignment, 0.6 s of a
milestone's 3.7 s insert at national scale. It now looks up each distinct assignment once (same answer).
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = 'b2e5f8a1d3c6'
down_revision: str | None = 'a1d4e7f0c2b5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "uq_reminder_assignment_step"

CHECK = """
CREATE OR REPLACE FUNCTION reminder_assignment_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM {rows} n
               WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE a.id = n.assignment_id)) THEN
        RAISE EXCEPTION 'a reminder row names an assignment that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$
"""
EACH_ASSIGNMENT = "(SELECT DISTINCT assignment_id FROM new_reminders)"
EACH_ROW = "new_reminders"  # 0011's


def _key(include: str) -> None:
    # One statement: the table is never without its key (a concurrent insert could otherwise duplicate a step).
    op.execute(f"ALTER TABLE reminder DROP CONSTRAINT {KEY}, "
               f"ADD CONSTRAINT {KEY} UNIQUE (assignment_id, step){include}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _key(" INCLUDE (status, fire_at)")
        op.execute(CHECK.format(rows=EACH_ASSIGNMENT))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _key("")
        op.execute(CHECK.format(rows=EACH_ROW))
