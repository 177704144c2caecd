"""Migration 0004 carries a database made by the previous schema over to plans as rows, with nothing lost.

The database is built at revision 0003 (milestone codes unique, `milestone.plan_code`) with units, members,
memberships, an invite, milestones of two plans (and one from before plans were recorded), confirmations, sent
and pending reminders, a digest and its delivery, and import events; then upgraded to head.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bot.db import make_engine
from bot.schema import alembic_config, upgrade_to_head

BEFORE_PLANS = "7d3f9a2c4e18"  # 0003
# Written through reflected tables, which store what UTCDateTime stores: naive UTC.
T0 = datetime(2020, 4, 1, 1, 0)
T1 = datetime(2020, 5, 4, 1, 0)
KEPT = ("unit", "member", "membership", "invite", "assignment", "reminder", "reminder_digest", "reminder_delivery",
        "event", "pending_draft")


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _fill(connection: Connection) -> None:
    """Rows as the previous schema holds them (through reflection: today's models no longer describe it)."""
    meta = sa.MetaData()
    meta.reflect(connection)

    def add(table: str, *rows: dict[str, object]) -> None:
        connection.execute(meta.tables[table].insert(), list(rows))

    add("unit", {"id": 1, "code": "TU", "name": "Tỉnh ủy", "kind": "province_committee", "parent_id": None,
                 "path": "/1/", "depth": 0, "sort_order": 0, "aliases": "cấp tỉnh", "active": True},
        {"id": 2, "code": "HU-A", "name": "Huyện ủy A", "kind": "district_committee", "parent_id": 1,
         "path": "/1/2/", "depth": 1, "sort_order": 1, "aliases": None, "active": True})
    add("member", {"id": 1, "telegram_user_id": 5_000_000_001, "chat_id": 5_000_000_001, "full_name": "Thư ký A",
                   "username": "thuky_a", "language": "vi", "active": True, "created_at": T0})
    add("membership", {"id": 1, "member_id": 1, "unit_id": 2, "role": "secretary", "created_at": T0})
    add("invite", {"id": 1, "code": "abc", "unit_id": 2, "role": "secretary", "created_by": 900001, "created_at": T0,
                   "expires_at": T1, "used_at": T0, "used_by_member_id": 1, "revoked_at": None})
    milestone = {"title": "Việc", "phase": None, "source_text": "trước ngày 15/5/2020", "start_date": None,
                 "due_time": None, "requires_acceptance": False, "reminder_days": None, "active": True,
                 "created_at": T0, "updated_at": T0}
    add("milestone",
        {**milestone, "id": 1, "code": "M01", "plan_code": "KH-A", "due_date": T1.date(), "sort_order": 0},
        {**milestone, "id": 2, "code": "M02", "plan_code": "KH-A", "due_date": T1.date(), "sort_order": 1,
         "active": False},
        {**milestone, "id": 3, "code": "B-M01", "plan_code": "KH-B", "due_date": T1.date(), "sort_order": 0},
        {**milestone, "id": 4, "code": "CU-01", "plan_code": None, "due_date": T1.date(), "sort_order": 5})
    add("assignment",
        {"id": 1, "milestone_id": 1, "unit_id": 2, "state": "done", "reported_at": T1, "reported_by_member_id": 1,
         "confirmed_at": T1, "confirmed_by_member_id": 1, "note": "đã xong", "evidence_file_id": "file-1",
         "active": True},
        *({"id": n, "milestone_id": n, "unit_id": 2, "state": "open", "reported_at": None,
           "reported_by_member_id": None, "confirmed_at": None, "confirmed_by_member_id": None, "note": None,
           "evidence_file_id": None, "active": True} for n in (2, 3, 4)))
    add("reminder_digest", {"id": 1, "kind": "reminder", "unit_id": 2, "subject_member_id": None, "created_at": T0})
    reminder = {"digest_id": None, "chat_id": None, "message_id": None, "attempts": 0, "last_error": None,
                "sent_at": None}
    add("reminder",
        {**reminder, "id": 1, "assignment_id": 1, "step": "d7:2020-05-04", "fire_at": T0, "status": "sent",
         "sent_at": T0, "digest_id": 1, "chat_id": 5_000_000_001, "message_id": 77, "attempts": 1},
        {**reminder, "id": 2, "assignment_id": 3, "step": "d0:2020-05-04", "fire_at": T1, "status": "pending"})
    add("reminder_delivery", {"id": 1, "digest_id": 1, "member_id": 1, "chat_id": 5_000_000_001, "status": "sent",
                              "attempts": 1, "next_attempt_at": T0, "claimed_by": None, "claimed_at": None,
                              "sent_at": T0, "message_id": 77, "reason": None, "last_error": None,
                              "finished_at": T0, "created_at": T0})
    add("event",
        {"id": 1, "at": T0, "kind": "import", "actor_member_id": None, "actor_label": "cli", "unit_id": None,
         "milestone_id": None, "assignment_id": None, "file_id": None,
         "details": json.dumps({"file": "a.yaml", "plan": "KH-A", "units": {"added": 2}})},
        {"id": 2, "at": T0, "kind": "confirm", "actor_member_id": 1, "actor_label": "Thư ký A", "unit_id": 2,
         "milestone_id": 1, "assignment_id": 1, "file_id": "file-1", "details": None},
        {"id": 3, "at": T1, "kind": "import", "actor_member_id": None, "actor_label": "cli", "unit_id": None,
         "milestone_id": None, "assignment_id": None, "file_id": None,
         "details": json.dumps({"file": "b.yaml", "plan": "KH-B", "title": "Kế hoạch B"}, ensure_ascii=False)},
        {"id": 4, "at": T1, "kind": "import", "actor_member_id": None, "actor_label": "cli", "unit_id": None,
         "milestone_id": None, "assignment_id": None, "file_id": None, "details": "not json"})


def _rows(connection: Connection) -> dict[str, list[dict[str, object]]]:
    meta = sa.MetaData()
    meta.reflect(connection)
    return {name: [dict(row._mapping) for row in connection.execute(
        sa.select(table).order_by(*table.primary_key.columns))] for name, table in meta.tables.items()
        if name != "alembic_version"}


async def test_an_existing_database_is_carried_over_with_nothing_lost(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, BEFORE_PLANS)
            await connection.run_sync(_fill)
        async with engine.connect() as connection:
            before = await connection.run_sync(_rows)

        await upgrade_to_head(engine)

        async with engine.connect() as connection:
            after = await connection.run_sync(_rows)
            differences = await connection.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata))
        assert differences == []  # the migrated schema is the models' schema
        for table in KEPT:  # every row and value as it was (later migrations may add columns: not compared)
            assert [{key: row[key] for key in old} for old, row in zip(before[table], after[table], strict=True)
                    ] == before[table], table
        plans = {row["code"]: row for row in after["plan"]}
        assert {code: (row["title"], row["status"], row["number"]) for code, row in plans.items()} == {
            "KH-A": ("KH-A", "active", None), "KH-B": ("Kế hoạch B", "active", None)}
        # Milestones are the same rows; the one from before plans were recorded goes to the latest import's plan.
        expected_plan = {1: "KH-A", 2: "KH-A", 3: "KH-B", 4: "KH-B"}
        plan_code = {row["id"]: code for code, row in plans.items()}
        for old, new in zip(before["milestone"], after["milestone"], strict=True):
            assert {key: value for key, value in old.items() if key != "plan_code"} == {
                key: new[key] for key in old if key != "plan_code"}  # later migrations may add columns
            assert plan_code[new["plan_id"]] == expected_plan[new["id"]]  # type: ignore[index]

        # The new key: another plan may reuse a code, the same plan may not.
        async with engine.begin() as connection:
            milestone = sa.table("milestone", *(sa.column(name) for name in after["milestone"][0]))
            row = {**after["milestone"][0], "id": 10, "plan_id": plans["KH-B"]["id"]}
            await connection.execute(milestone.insert().values(**row))
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(milestone.insert().values(**{**row, "id": 11}))
    finally:
        await engine.dispose()


async def test_an_empty_database_before_plans_upgrades_to_no_plan(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, BEFORE_PLANS)
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            assert (await connection.run_sync(_rows))["plan"] == []
    finally:
        await engine.dispose()
