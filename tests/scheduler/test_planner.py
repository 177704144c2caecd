"""Planning in the database: idempotent, bulk, and re-planning after plan edits without resending."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Assignment, AssignmentState, Milestone, Reminder
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler.planner import plan_all, replan_assignments, replan_milestones
from tests.scheduler.factories import Factory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
Rows = dict[tuple[int, str], str]


async def reminder_rows(session_factory: async_sessionmaker[AsyncSession]) -> Rows:
    async with session_factory() as session:
        rows = await session.execute(select(Reminder.assignment_id, Reminder.step, Reminder.status))
        return {(assignment_id, step): status for assignment_id, step, status in rows}


async def build(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        root = await f.unit("TU")
        district = await f.unit("HU", parent=root)
        _, (on_root, on_district) = await f.milestone("M01", date(2020, 5, 15), units=[root, district])
        _, (done,) = await f.milestone("M02", date(2020, 5, 15), units=[district])
        done.state = AssignmentState.done
        return {"root": on_root.id, "district": on_district.id, "done": done.id}  # type: ignore[dict-item]


async def test_plan_all_creates_the_ladder_once(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    ids = await build(session_factory)
    async with session_scope(session_factory) as session:
        first = await plan_all(session, settings=settings, clock=clock)
    async with session_scope(session_factory) as session:
        second = await plan_all(session, settings=settings, clock=clock)
    rows = await reminder_rows(session_factory)
    assert sorted(step for (assignment, step) in rows if assignment == ids["district"]) == [
        "d0:2020-05-15",
        "d1:2020-05-15",
        "d3:2020-05-15",
        "d7:2020-05-15",
        "esc:2020-05-18",
        "late:2020-05-18",
    ]
    # The root unit has nobody above it to escalate to; a confirmed assignment gets nothing.
    assert not any(step.startswith("esc") for (assignment, step) in rows if assignment == ids["root"])
    assert not any(assignment == ids["done"] for assignment, _step in rows)
    assert set(rows.values()) == {"pending"}
    assert first.rows_written == len(rows) == 11
    assert second.rows_written == 0


async def test_a_new_due_date_replans_without_resending(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    ids = await build(session_factory)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        # d7 already went out for the old date.
        await session.execute(
            update(Reminder)
            .where(Reminder.assignment_id == ids["district"], Reminder.step == "d7:2020-05-15")
            .values(status="sent")
        )
        await session.execute(update(Milestone).where(Milestone.code == "M01").values(due_date=date(2020, 5, 29)))
        result = await replan_milestones(session, milestone_ids=[1], settings=settings, clock=clock)
    rows = await reminder_rows(session_factory)
    district = {step: status for (assignment, step), status in rows.items() if assignment == ids["district"]}
    assert district["d7:2020-05-15"] == "sent"  # history stays, and is not sent again
    assert district["d3:2020-05-15"] == district["late:2020-05-18"] == "cancelled"
    assert district["d7:2020-05-29"] == district["late:2020-06-01"] == district["esc:2020-06-01"] == "pending"
    assert result.rows_cancelled == 10  # d3, d1, d0, late, esc of the district; d7, d3, d1, d0, late of the root

    # Back to the old date: the cancelled steps come back, the sent one stays sent.
    async with session_scope(session_factory) as session:
        await session.execute(update(Milestone).where(Milestone.code == "M01").values(due_date=date(2020, 5, 15)))
        await replan_milestones(session, milestone_ids=[1], settings=settings, clock=clock)
    district = {step: s for (a, step), s in (await reminder_rows(session_factory)).items() if a == ids["district"]}
    assert district["d3:2020-05-15"] == district["late:2020-05-18"] == "pending"
    assert district["d7:2020-05-15"] == "sent"
    assert district["d7:2020-05-29"] == "cancelled"


async def test_removed_milestones_and_units_send_nothing_more(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    ids = await build(session_factory)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        await session.execute(update(Assignment).where(Assignment.id == ids["root"]).values(active=False))
        await replan_milestones(session, milestone_ids=[1], settings=settings, clock=clock)
    rows = await reminder_rows(session_factory)
    assert {s for (a, _), s in rows.items() if a == ids["root"]} == {"cancelled"}
    assert {s for (a, _), s in rows.items() if a == ids["district"]} == {"pending"}

    async with session_scope(session_factory) as session:
        await session.execute(update(Milestone).where(Milestone.id == 1).values(active=False))
        await replan_milestones(session, milestone_ids=[1], settings=settings, clock=clock)
    assert set((await reminder_rows(session_factory)).values()) == {"cancelled"}


async def test_a_new_unit_and_a_reopened_assignment_get_their_ladder(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    ids = await build(session_factory)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        f = Factory(session)
        newcomer = await f.unit("BTC")
        added = Assignment(milestone_id=1, unit_id=newcomer.id)  # type: ignore[arg-type]
        session.add(added)
        await session.flush()
        await session.execute(update(Assignment).where(Assignment.id == ids["done"]).values(state=AssignmentState.open))
        await replan_milestones(session, milestone_ids=[1], settings=settings, clock=clock)
        await replan_assignments(session, assignment_ids=[ids["done"]], settings=settings, clock=clock)
    rows = await reminder_rows(session_factory)
    assert (added.id, "d0:2020-05-15") in rows
    assert (ids["done"], "d0:2020-05-15") in rows


async def test_an_overdue_milestone_imported_late_starts_its_chain_next_morning(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    ids = await build(session_factory)
    friday_afternoon = FixedClock(datetime(2020, 5, 22, 15, 0, tzinfo=VN))
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=friday_afternoon)
    rows = await reminder_rows(session_factory)
    assert (ids["district"], "late:2020-05-25") in rows
    assert (ids["district"], "esc:2020-05-25") in rows
    assert (ids["district"], "late:2020-05-18") not in rows


async def test_an_earlier_deadline_brings_the_overdue_chain_forward(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    ids = await build(session_factory)
    clock = FixedClock(datetime(2020, 5, 12, 9, 0, tzinfo=VN))
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        # The deadline moves from Friday 15/05 to Monday 11/05, already past: no waiting until 18/05.
        await session.execute(update(Milestone).where(Milestone.code == "M01").values(due_date=date(2020, 5, 11)))
        await replan_milestones(session, milestone_ids=[1], settings=settings, clock=clock)
    district = {step: s for (a, step), s in (await reminder_rows(session_factory)).items() if a == ids["district"]}
    assert district["late:2020-05-18"] == "cancelled"
    assert district["late:2020-05-13"] == "pending"
    # An escalation within a week is the weekly pace: it stays (the daily reminders start at once).
    assert district["esc:2020-05-18"] == "pending" and "esc:2020-05-13" not in district
    assert district["d0:2020-05-11"] == "pending"  # due now: the next sweep says "quá hạn 1 ngày"
