"""`milestone_tally`: how many active assignments each milestone has in each state, kept by the database itself.

The whole tree's progress (bot/progress.py) reads these few rows instead of counting millions of assignments on
every request. Triggers on `assignment` keep it, whatever writes there (the services, the importer's bulk
statements, a hand-made UPDATE): on SQLite row triggers; on PostgreSQL statement triggers over transition tables,
one aggregated upsert per statement, in key order (two writers never wait on each other in a cycle). A
PostgreSQL transaction that changes a milestone's counts holds its tally rows until it ends: a big import makes
confirmations of the milestones it changes wait for it.

The one place of the rule: migration 0008, `create_all` (bot.models hooks `after_create`) and the check after
every migration (`ensure`: SQLite's batch mode rebuilds a table without its triggers) all call this module.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

TABLE = "milestone_tally"
TRIGGERS = ("tally_assignment_insert", "tally_assignment_update", "tally_assignment_delete")
FUNCTION = "milestone_tally_apply"

_SQLITE = (
    f"""CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON assignment WHEN NEW.active BEGIN
        INSERT INTO {TABLE} (milestone_id, state, n) VALUES (NEW.milestone_id, NEW.state, 1)
            ON CONFLICT (milestone_id, state) DO UPDATE SET n = n + 1;
    END""",
    # Only a change of milestone, state or active moves a count (a note, a date, a reminder field do not).
    f"""CREATE TRIGGER {TRIGGERS[1]} AFTER UPDATE OF milestone_id, state, active ON assignment
    WHEN OLD.active IS NOT NEW.active OR OLD.state IS NOT NEW.state OR OLD.milestone_id IS NOT NEW.milestone_id
    BEGIN
        UPDATE {TABLE} SET n = n - 1 WHERE OLD.active AND milestone_id = OLD.milestone_id AND state = OLD.state;
        INSERT INTO {TABLE} (milestone_id, state, n) SELECT NEW.milestone_id, NEW.state, 1 WHERE NEW.active
            ON CONFLICT (milestone_id, state) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON assignment WHEN OLD.active BEGIN
        UPDATE {TABLE} SET n = n - 1 WHERE milestone_id = OLD.milestone_id AND state = OLD.state;
    END""",
)

_POSTGRESQL = (
    f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- One statement's net change per (milestone, state), applied in key order.
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {TABLE} AS t (milestone_id, state, n)
                SELECT milestone_id, state::text, count(*) FROM new_rows WHERE active GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (milestone_id, state) DO UPDATE SET n = t.n + excluded.n;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO {TABLE} AS t (milestone_id, state, n)
                SELECT milestone_id, state::text, -count(*) FROM old_rows WHERE active GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (milestone_id, state) DO UPDATE SET n = t.n + excluded.n;
        ELSE
            INSERT INTO {TABLE} AS t (milestone_id, state, n)
                SELECT milestone_id, state, sum(d) FROM (
                    SELECT milestone_id, state::text AS state, 1 AS d FROM new_rows WHERE active
                    UNION ALL SELECT milestone_id, state::text, -1 FROM old_rows WHERE active) AS change
                GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
                ON CONFLICT (milestone_id, state) DO UPDATE SET n = t.n + excluded.n;
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON assignment REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()""",
    f"""CREATE TRIGGER {TRIGGERS[1]} AFTER UPDATE ON assignment
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()""",
    f"""CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON assignment REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()""",
)


def _postgresql(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def install(connection: Connection) -> None:
    """(Re)creates the triggers; the tally itself is not touched (`rebuild`)."""
    uninstall(connection, keep_function=True)
    for statement in _POSTGRESQL if _postgresql(connection) else _SQLITE:
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection, *, keep_function: bool = False) -> None:
    """Drops the triggers (and PostgreSQL's function); the table stays."""
    on = " ON assignment" if _postgresql(connection) else ""
    for name in TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
    if _postgresql(connection) and not keep_function:
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def rebuild(connection: Connection) -> None:
    """The tally counted afresh from the assignments (4 s for 3.5 M of them)."""
    connection.exec_driver_sql(f"DELETE FROM {TABLE}")
    connection.exec_driver_sql(
        f"INSERT INTO {TABLE} (milestone_id, state, n) SELECT milestone_id, CAST(state AS VARCHAR(8)), count(*) "
        "FROM assignment WHERE active GROUP BY milestone_id, state")


def installed(connection: Connection) -> set[str]:
    """The tally's triggers present on `assignment`."""
    if _postgresql(connection):
        found = connection.execute(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'assignment'::regclass "
                                        "AND NOT tgisinternal"))
    else:
        found = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'assignment'"))
    return set(found.scalars()) & set(TRIGGERS)


def ensure(connection: Connection) -> bool:
    """Where the tally exists but a trigger is missing: triggers back and the tally recounted (True)."""
    if not inspect(connection).has_table(TABLE) or installed(connection) == set(TRIGGERS):
        return False
    install(connection)
    rebuild(connection)
    return True


def after_create(target: Any, connection: Connection, *, tables: list[Any] | None = None, **kw: Any) -> None:
    """MetaData `after_create` hook: a `create_all` that made both tables gets the triggers too."""
    if {TABLE, "assignment"} <= {table.name for table in tables or ()}:
        install(connection)
