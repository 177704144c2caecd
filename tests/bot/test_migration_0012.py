"""Migration 0012: on PostgreSQL the reminder key's index carries status and fire_at, and the assignment check
looks each assignment up once; rows, uniqueness, the planner's upsert on (assignment_id, step) and the refusal of a
reminder for a missing assignment are as before, up and down, on both backends."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.db import make_engine
from bot.schema import alembic_config, upgrade_to_head

BEFORE = "a1d4e7f0c2b5"  # 0011
T0 = datetime(2020, 4, 1, 1, 0)
KEY = "uq_reminder_assignment_step"


def _to(connection: Connection, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


def _fill(connection: Connection) -> None:
    meta = sa.MetaData()
    meta.reflect(connection)
    connection.execute(meta.tables["unit"].insert(), [
        {"id": 1, "code": "U1", "name": "Đơn vị 1", "kind": "grassroots", "parent_id": None, "path": "/1/", "depth": 0,
         "sort_order": 1, "active": True}])
    connection.execute(meta.tables["plan"].insert(), [{"id": 1, "code": "KH", "title": "Kế hoạch", "status": "active",
                                                        "created_at": T0, "updated_at": T0}])
    connection.execute(meta.tables["milestone"].insert(), [
        {"id": 1, "plan_id": 1, "code": "M01", "title": "Việc", "due_date": T0.date(), "requires_acceptance": False,
         "sort_order": 1, "active": True, "created_at": T0, "updated_at": T0}])
    connection.execute(meta.tables["assignment"].insert(), [{"id": 1, "milestone_id": 1, "unit_id": 1, "state": "open",
                                                             "active": True}])
    connection.execute(meta.tables["reminder"].insert(), [
        {"assignment_id": 1, "step": step, "fire_at": T0, "status": status, "attempts": 0}
        for step, status in (("d7:2020-04-01", "sent"), ("d0:2020-04-01", "pending"))])


def _key(connection: Connection) -> str:
    if connection.dialect.name == "postgresql":
        return str(connection.execute(text(f"SELECT pg_get_indexdef('{KEY}'::regclass)")).scalar_one())
    unique = [index["column_names"] for index in sa.inspect(connection).get_unique_constraints("reminder")]
    return repr(unique)


def _rows(connection: Connection) -> set[tuple[object, ...]]:
    return {tuple(row) for row in connection.execute(text("SELECT assignment_id, step, status FROM reminder"))}


def _refuses_a_missing_assignment(connection: Connection) -> None:
    savepoint = connection.begin_nested()
    with pytest.raises(IntegrityError):
        connection.execute(text("INSERT INTO reminder (assignment_id, step, fire_at, status, attempts) "
                                "VALUES (1, 'd1:2020-04-01', :at, 'pending', 0), "
                                "(424242, 'd1:2020-04-01', :at, 'pending', 0)"), {"at": T0})
    savepoint.rollback()


def _upsert_revives(connection: Connection) -> None:
    """The planner's upsert names the key by its columns: still found, still one row per step."""
    connection.execute(text("UPDATE reminder SET status = 'cancelled' WHERE step = 'd0:2020-04-01'"))
    connection.execute(text("INSERT INTO reminder (assignment_id, step, fire_at, status, attempts) "
                            "VALUES (1, 'd0:2020-04-01', :at, 'pending', 0) ON CONFLICT (assignment_id, step) "
                            "DO UPDATE SET status = excluded.status"), {"at": T0})
    assert _rows(connection) == {(1, "d7:2020-04-01", "sent"), (1, "d0:2020-04-01", "pending")}


async def test_the_key_carries_status_and_fire_at_on_postgresql_and_goes_back(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_to, BEFORE)
            await connection.run_sync(_fill)
            before = await connection.run_sync(_key)
        await upgrade_to_head(engine)
        async with engine.begin() as connection:
            upgraded = await connection.run_sync(_key)
            if connection.dialect.name == "postgresql":
                assert upgraded.endswith("(assignment_id, step) INCLUDE (status, fire_at)"), upgraded
            else:
                assert upgraded == before == repr([["assignment_id", "step"]])  # SQLite: unchanged
            await connection.run_sync(_upsert_revives)
            await connection.run_sync(_refuses_a_missing_assignment)
        async with engine.begin() as connection:
            await connection.run_sync(_to, BEFORE, down=True)
            assert await connection.run_sync(_key) == before
            assert await connection.run_sync(_rows) == {(1, "d7:2020-04-01", "sent"), (1, "d0:2020-04-01", "pending")}
            await connection.run_sync(_upsert_revives)
            await connection.run_sync(_refuses_a_missing_assignment)
        with pytest.raises(IntegrityError):  # unique as it was
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO reminder (assignment_id, step, fire_at, status, attempts) "
                                              "VALUES (1, 'd7:2020-04-01', :at, 'pending', 0)"), {"at": T0})
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_key) == upgraded
    finally:
        await engine.dispose()
