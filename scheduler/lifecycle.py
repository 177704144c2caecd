"""The one door to the reminders' lifecycle: whatever changes assignments tells the engine here, in its own
transaction, and their reminder rows follow. Nothing outside scheduler/ writes reminder rows or their states.

    await assignments_changed(session, assignment_ids=[...], settings=..., clock=...)  # confirmed, undone, accepted,
                                                                                        # returned, extended
    await assignments_changed(session, milestone_ids=[...], settings=..., clock=...)   # all of these milestones':
                                                                                        # plan closed or reopened,
                                                                                        # units retired
    run_import(..., after=replan_after_import(settings=..., clock=...))                 # an import, in its transaction
    await calendar_changed(session, days=[...], settings=..., clock=...)                # days declared off or working

An assignment no longer open (done, reported, removed) has its pending reminders cancelled, by its own rows: on a
deadline's day confirmations come by the thousand, and each must cost little. One open again (undone, returned) or
given another date (an approved extension) gets its ladder back: its milestone is re-planned (scheduler/planner.py),
which also fans the ladder of an extended date out to the units that have it. Even a change nobody reported here is
caught when the row fires: the sweep re-checks each against the plan (scheduler/compose.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import Assignment, AssignmentState, Reminder
from bot.plans.report import ImportReport
from bot.settings import Settings
from bot.timeutil import Clock
from bot.workdays import WorkingCalendar
from scheduler import planner
from scheduler.planner import PlanResult
from scheduler.rows import chunked
from scheduler.states import ReminderStatus


async def assignments_changed(
    session: AsyncSession, *, settings: Settings, clock: Clock, assignment_ids: Iterable[int] = (),
    milestone_ids: Iterable[int] = (), calendar: WorkingCalendar | None = None,
) -> PlanResult:
    """Brings the reminders of these assignments, and of every assignment of these milestones, in line with them
    as they now stand. Does not commit: the change and its reminders succeed or fail together."""
    result = PlanResult()
    replan = set(milestone_ids)
    for chunk in chunked(sorted(set(assignment_ids))):
        rows = await session.execute(select(col(Assignment.id), Assignment.milestone_id, Assignment.state,
                                            Assignment.active).where(col(Assignment.id).in_(chunk)))
        closed: list[int] = []
        for assignment_id, milestone_id, state, active in rows:
            if active and state == AssignmentState.open:
                replan.add(milestone_id)
            else:
                assert assignment_id is not None  # one of `chunk`
                closed.append(assignment_id)
        result.rows_cancelled += await _cancel_pending(session, closed)
    if replan:
        planned = await planner.replan_milestones(session, milestone_ids=replan, settings=settings, clock=clock,
                                                  calendar=calendar)
        result.milestones += planned.milestones
        result.rows_written += planned.rows_written
        result.rows_cancelled += planned.rows_cancelled
    return result


async def calendar_changed(session: AsyncSession, *, days: Iterable[date], settings: Settings, clock: Clock,
                           calendar: WorkingCalendar | None = None) -> PlanResult:
    """After days were declared off or working (or such a declaration removed): the ladders those days move."""
    return await planner.replan_days(session, days=days, settings=settings, clock=clock, calendar=calendar)


def replan_after_import(*, settings: Settings, clock: Clock) -> Callable[[AsyncSession, ImportReport], Awaitable[None]]:
    """The hook `run_import(after=...)` takes: the milestones an import touched follow it, in its transaction."""
    return planner.replan_after_import(settings=settings, clock=clock)


async def _cancel_pending(session: AsyncSession, assignment_ids: list[int]) -> int:
    if not assignment_ids:
        return 0
    cancelled = await session.execute(
        update(Reminder)
        .where(col(Reminder.assignment_id).in_(assignment_ids), col(Reminder.status) == ReminderStatus.pending.value)
        .values(status=ReminderStatus.cancelled.value, last_error="closed")
        .execution_options(synchronize_session=False))
    return max(cancelled.rowcount or 0, 0)  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
