"""A start-up with nothing to plan only checks; one with something missing writes exactly that, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Assignment, AssignmentState, Reminder
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler import planner
from scheduler.planner import plan_all
from tests.scheduler.factories import Factory

Rows = dict[tuple[int, str], tuple[str, datetime]]


async def rows_of(session_factory: async_sessionmaker[AsyncSession]) -> Rows:
    async with session_factory() as session:
        rows = await session.execute(select(Reminder.assignment_id, Reminder.step, Reminder.status, Reminder.fire_at))
        return {(assignment, step): (status, fire_at) for assignment, step, status, fire_at in rows}


async def district_with(session_factory: async_sessionmaker[AsyncSession], units: int) -> list[int]:
    """A root, a district under it and `units` grassroots units, one milestone (Friday 15/05/2020) for all of them
    and the root: the assignment ids, the root's first."""
    async with session_scope(session_factory) as session:
        f = Factory(session)
        root = await f.unit("TU")
        district = await f.unit("HU", parent=root)
        grassroots = [await f.unit(f"CS{n}", parent=district) for n in range(units)]
        _, assignments = await f.milestone("M01", date(2020, 5, 15), units=[root, *grassroots])
        return [assignment.id for assignment in assignments]  # type: ignore[misc]


@contextmanager
def statements(session_factory: async_sessionmaker[AsyncSession]) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (their first word: SELECT, INSERT …)."""
    seen: list[str] = []
    sync_engine = session_factory.kw["bind"].sync_engine

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(sync_engine, "before_cursor_execute", record)


async def test_a_start_up_puts_back_what_was_deleted_cancelled_or_moved_and_nothing_else(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    root, first, second, third, *_ = await district_with(session_factory, 4)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
    planned = await rows_of(session_factory)
    async with session_scope(session_factory) as session:
        # By hand: two rows of one unit deleted, one of another cancelled, a third moved; one already sent.
        await session.execute(delete(Reminder).where(Reminder.assignment_id == first,
                                                     Reminder.step.in_(["d3:2020-05-15", "late:2020-05-18"])))
        await session.execute(update(Reminder).where(Reminder.assignment_id == second, Reminder.step == "d1:2020-05-15")
                              .values(status="cancelled", last_error="closed"))
        await session.execute(update(Reminder).where(Reminder.assignment_id == third, Reminder.step == "d0:2020-05-15")
                              .values(fire_at=datetime(2020, 5, 15, 5, 0, tzinfo=UTC)))
        await session.execute(update(Reminder).where(Reminder.assignment_id == third, Reminder.step == "d7:2020-05-15")
                              .values(status="sent"))
    async with session_scope(session_factory) as session:
        result = await plan_all(session, settings=settings, clock=clock)
    after = await rows_of(session_factory)
    assert result.rows_written == 4
    assert after == {**planned, (third, "d7:2020-05-15"): ("sent", planned[(third, "d7:2020-05-15")][1])}
    assert not any(step.startswith("esc") for assignment, step in after if assignment == root)


async def test_a_chain_that_moved_on_is_left_to_the_sweep(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    _root, first, *_ = await district_with(session_factory, 1)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        # The first overdue reminder went out; the next one waits (the sweep made it).
        await session.execute(update(Reminder).values(status="sent")
                              .where(Reminder.assignment_id == first, Reminder.step == "late:2020-05-18"))
        session.add(Reminder(assignment_id=first, step="late:2020-05-19", status="pending",
                             fire_at=datetime(2020, 5, 19, 1, 0, tzinfo=UTC)))
    before = await rows_of(session_factory)
    assert await start_up(session_factory, settings, clock) == 0
    assert await rows_of(session_factory) == before


async def test_a_new_reminder_hour_moves_every_pending_step_before_the_deadline(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    _root, first, *_ = await district_with(session_factory, 2)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        await session.execute(update(Reminder).where(Reminder.assignment_id == first, Reminder.step == "d7:2020-05-15")
                              .values(status="sent"))
    later = settings.model_copy(update={"reminder_hour": 9})
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=later, clock=clock)
    for (assignment, step), (status, fire_at) in (await rows_of(session_factory)).items():
        if step.startswith("d") and status == "pending":
            assert fire_at.hour == 2, (assignment, step)  # 09:00 in Hà Nội
        elif step.startswith("d"):
            assert (assignment, step, fire_at.hour) == (first, "d7:2020-05-15", 1)  # sent: history stays


async def test_nothing_to_plan_is_one_read_per_milestone_however_many_units(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    """The start-up check reads each assignment's rows in one statement per milestone, and writes nothing: no
    statement per step or per unit (what made a national start-up take 51 s on PostgreSQL)."""
    await district_with(session_factory, 3)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
    with statements(session_factory) as few:
        async with session_scope(session_factory) as session:
            await plan_all(session, settings=settings, clock=clock)
    async with session_scope(session_factory) as session:
        f = Factory(session)
        district = await f.unit("HU2")
        await f.milestone("M02", date(2020, 5, 22), units=[await f.unit(f"X{n}", parent=district) for n in range(30)],
                          plan=await f.plan("KH2"))
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
    with statements(session_factory) as many:
        async with session_scope(session_factory) as session:
            await plan_all(session, settings=settings, clock=clock)
    assert not {"INSERT", "UPDATE", "DELETE"} & set(few + many)
    assert len(many) - len(few) <= 4  # the second milestone: its ladders, its id range (two), its check


@pytest.mark.postgresql_only
async def test_two_processes_planning_at_once_write_each_row_once(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    """Two replicas starting together: the second waits for the first's bulk insert, then finds nothing to do
    (a plain INSERT of rows the other had just written would fail on the unique key)."""
    await district_with(session_factory, 3)
    async with session_factory() as first, session_factory() as second:
        async with first.begin():
            written = (await plan_all(first, settings=settings, clock=clock)).rows_written
            waiting = asyncio.create_task(_plan_in(second, settings, clock))
            await _until_waiting_for_a_lock(session_factory)
        assert await waiting == 0
    assert len(await rows_of(session_factory)) == written > 0


async def test_a_process_that_found_rows_missing_looks_again_once_it_may_write(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two replicas starting together, the other way round: the second finds every row missing, then the first
    plans them all and commits before the second may write. The second must look again once it holds the write
    lock, not insert what is there now (SQLite too: its check ran outside any transaction, so one writer at a time
    does not cover it; a replica once died at start-up on the unique key)."""
    await district_with(session_factory, 3)
    found_missing, go_on = asyncio.Event(), asyncio.Event()
    lock = planner.lock_bulk_planning

    async def held_back(session: AsyncSession) -> bool:
        if not found_missing.is_set():  # the second process, between its check and its lock
            found_missing.set()
            await go_on.wait()
        return await lock(session)

    monkeypatch.setattr(planner, "lock_bulk_planning", held_back)
    async with session_factory() as first, session_factory() as second:
        late = asyncio.create_task(_plan_in(second, settings, clock))
        async with asyncio.timeout(60):  # only ends a test that hangs
            await found_missing.wait()
        written = await _plan_in(first, settings, clock)
        go_on.set()
        assert await late == 0
    assert len(await rows_of(session_factory)) == written > 0


async def start_up(session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock) -> int:
    """A start-up's planning in a transaction of its own: the rows it wrote."""
    async with session_factory() as session:
        return await _plan_in(session, settings, clock)


async def _plan_in(session: AsyncSession, settings: Settings, clock: FixedClock) -> int:
    async with session.begin():
        return (await plan_all(session, settings=settings, clock=clock)).rows_written


async def _until_waiting_for_a_lock(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with asyncio.timeout(60):  # only ends a test that hangs
        while True:
            async with session_factory() as session:
                waiting = (await session.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))).scalar_one()
            if waiting:
                return
            await asyncio.sleep(0.01)


async def test_a_reminder_for_an_assignment_that_does_not_exist_is_refused(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The key's guard, kept by a check per statement (migration 0011) rather than per row."""
    with pytest.raises(IntegrityError):
        async with session_scope(session_factory) as session:
            session.add(Reminder(assignment_id=424242, step="d0:2020-05-15", status="pending",
                                 fire_at=datetime(2020, 5, 15, 1, 0, tzinfo=UTC)))


async def test_a_start_up_puts_back_a_lone_overdue_step_or_escalation_deleted_by_hand(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    """Every step before the deadline still there: only the chains' digits say what is missing (on PostgreSQL they
    were once read with a fractional division, and a lone missing overdue step went unnoticed)."""
    _root, first, second, *_ = await district_with(session_factory, 3)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
    planned = await rows_of(session_factory)
    async with session_scope(session_factory) as session:
        for assignment, step in ((first, "late:2020-05-18"), (second, "esc:2020-05-18")):
            await session.execute(delete(Reminder).where(Reminder.assignment_id == assignment, Reminder.step == step))
    assert await start_up(session_factory, settings, clock) == 2
    assert await rows_of(session_factory) == planned


async def test_a_closed_assignments_rows_never_stand_in_for_an_open_ones(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    """The start-up check totals every row of the milestone's id range, less the closed assignments' rows: here a
    closed unit keeps exactly the steps an open one lost, so the range's totals alone would add up."""
    _root, first, second, *_ = await district_with(session_factory, 4)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        await session.execute(update(Assignment).where(Assignment.id == second).values(state=AssignmentState.done))
        kept_only_d3 = ["d7:2020-05-15", "d1:2020-05-15", "d0:2020-05-15"]
        await session.execute(delete(Reminder).where(Reminder.assignment_id == second, Reminder.step.in_(kept_only_d3)))
        await session.execute(update(Reminder).where(Reminder.assignment_id == second).values(status="sent"))
    planned = await rows_of(session_factory)
    async with session_scope(session_factory) as session:
        lost = ["d3:2020-05-15", "late:2020-05-18", "esc:2020-05-18"]
        await session.execute(delete(Reminder).where(Reminder.assignment_id == first, Reminder.step.in_(lost)))
    assert await start_up(session_factory, settings, clock) == 3
    assert await rows_of(session_factory) == planned


async def test_a_milestone_mostly_done_still_gets_its_open_units_rows_back(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    """Most of the id range closed: the check reads the open assignments' rows through a join instead."""
    _root, *grassroots = await district_with(session_factory, 5)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        await session.execute(update(Assignment).where(Assignment.id.in_(grassroots[:4]))
                              .values(state=AssignmentState.done))
    planned = await rows_of(session_factory)
    async with session_scope(session_factory) as session:
        await session.execute(delete(Reminder).where(Reminder.assignment_id == grassroots[4],
                                                     Reminder.step == "d1:2020-05-15"))
    assert await start_up(session_factory, settings, clock) == 1
    assert await rows_of(session_factory) == planned


async def test_a_root_units_escalation_never_stands_in_for_anothers(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> None:
    """A root unit wants no escalation (nobody above it): an escalation row of its own (planned when it still had a
    parent) is not counted for a unit that lost its row."""
    root, first, *_ = await district_with(session_factory, 3)
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
        session.add(Reminder(assignment_id=root, step="esc:2020-05-18", status="pending",
                             fire_at=datetime(2020, 5, 18, 1, 0, tzinfo=UTC)))
    planned = await rows_of(session_factory)
    async with session_scope(session_factory) as session:
        await session.execute(delete(Reminder).where(Reminder.assignment_id == first,
                                                     Reminder.step == "esc:2020-05-18"))
    assert await start_up(session_factory, settings, clock) == 1
    assert await rows_of(session_factory) == planned
