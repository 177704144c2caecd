"""reminder rows: their assignment is checked once per statement, not once per row

Revision ID: a1d4e7f0c2b5
Revises: f0c3d6e4b9a2
Create Date: 2026-12-02 06:00:00.000000

Planning a national plan inserts ~6.6 M reminder rows in one transaction. On PostgreSQL the foreign key
`reminder.assignment_id → assignment.id` checks each row with a query of its own (a trigger per row, ~10 µs):
more than half of the insert's time, and the whole first planning over 60 s (bench/README.md). Assignments are
never deleted (nothing is: the event log keeps history), so the key guards only against a reminder written for an
assignment that does not exist; that guard stays, as one check per statement:

* PostgreSQL: an AFTER INSERT statement trigger looks for the inserted rows' assignments in one anti-join over
  the statement's new rows (a transition table);
* SQLite: a BEFORE INSERT row trigger (its per-row check costs what the key's did: SQLite's keys were never slow).

Either raises on a reminder whose assignment does not exist, as the key did. Rows are not rewritten. (SQLite's
batch mode rebuilds a table without its triggers: a later migration that rebuilds `reminder` creates it again.)
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = 'a1d4e7f0c2b5'
down_revision: str | None = 'f0c3d6e4b9a2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite's keys of 0001 have no names: batch mode names them by this convention to drop one.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}

POSTGRES_CHECK = ("""
CREATE FUNCTION reminder_assignment_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_reminders n
               WHERE NOT EXISTS (SELECT 1 FROM assignment a WHERE a.id = n.assignment_id)) THEN
        RAISE EXCEPTION 'a reminder row names an assignment that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$
""", """
CREATE TRIGGER reminder_assignment_exists AFTER INSERT ON reminder
    REFERENCING NEW TABLE AS new_reminders FOR EACH STATEMENT EXECUTE FUNCTION reminder_assignment_exists()
""")  # one statement each: asyncpg prepares what it runs

SQLITE_CHECK = """
CREATE TRIGGER reminder_assignment_exists BEFORE INSERT ON reminder
WHEN NOT EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id)
BEGIN
    SELECT RAISE(ABORT, 'a reminder row names an assignment that does not exist');
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("reminder_assignment_id_fkey", "reminder", type_="foreignkey")
        for statement in POSTGRES_CHECK:
            op.execute(statement)
        return
    with op.batch_alter_table("reminder", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("fk_reminder_assignment_id_assignment", type_="foreignkey")
    op.execute(SQLITE_CHECK)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reminder_assignment_exists ON reminder")
        op.execute("DROP FUNCTION reminder_assignment_exists()")
        op.create_foreign_key("reminder_assignment_id_fkey", "reminder", "assignment", ["assignment_id"], ["id"])
        return
    op.execute("DROP TRIGGER reminder_assignment_exists")
    with op.batch_alter_table("reminder") as batch_op:
        batch_op.create_foreign_key("fk_reminder_assignment_id_assignment", "assignment", ["assignment_id"], ["id"])
