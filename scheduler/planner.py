"""Planning: milestones → reminder rows in the database, in bulk and idempotently.

The ladder is computed once per milestone (all its assignments share the due date), then fanned out to
the assignments by INSERT … SELECT, so a national plan of a million assignments never passes through
Python row by row. Running a plan twice changes nothing.

* `plan_all` (startup): creates what is missing for every active milestone of an active (not closed) plan.
* `replan_milestones` (after an import, with the importer's `affected_milestone_ids`): the same, and also
  cancels what the edit made wrong — pending steps of a due date that changed, assignments closed or
  removed, milestones removed from the plan. Steps already sent stay sent and are never sent again.
* `replan_assignments` (after a confirmation was undone, a report returned or an extension approved): restarts
  their ladder.

An assignment with an approved extension (`assignment.due_date_override`) follows a ladder of its own date: the
milestone's ladder is fanned out to the others, and one more per extended date to those that have it.
* `replan_days` (after days were declared off or working): the milestones whose ladder those days can move.

Each loads the working calendar once (`bot.workdays.load_calendar`, unless given one) and hands it to every
milestone's ladder through its `LadderPolicy`.

None of them commits: the caller owns the transaction (an import and its re-plan succeed or fail together).
Even without a re-plan, the sweep re-checks every row against the milestone at firing time, so a stale row
is cancelled, never sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import SQLColumnExpression, and_, not_, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from bot.models import Assignment, AssignmentState, Milestone, Plan, PlanStatus, Reminder, Unit
from bot.plans.limits import MAX_REMINDER_DAYS
from bot.plans.report import ImportReport
from bot.settings import Settings
from bot.timeutil import Clock, local_today
from bot.workdays import MAX_DAYS_OFF_IN_A_ROW, WorkingCalendar, load_calendar
from scheduler.coverage import Found, Wanted, complete, lacking, open_span, untouched
from scheduler.ladder import CurrentSteps, LadderPolicy, before_steps, chain_steps, current_steps, step_name
from scheduler.rows import (
    CANCELLED,
    PENDING,
    chunked,
    insert_fresh,
    lock_bulk_planning,
    planning_settings,
    steps_of_kind,
    write_step,
)


@dataclass
class PlanResult:
    milestones: int = 0
    rows_written: int = 0  # created, revived or moved
    rows_cancelled: int = 0


def policy_for(milestone: Milestone, settings: Settings, calendar: WorkingCalendar | None = None) -> LadderPolicy:
    """The milestone's ladder settings; without a calendar, weekends and public holidays only (none declared)."""
    return LadderPolicy.for_milestone(
        milestone_days=milestone.reminder_days,
        default_days=settings.reminder_days,
        hour=settings.reminder_hour,
        tz=settings.tz,
        calendar=calendar,
    )


async def plan_all(session: AsyncSession, *, settings: Settings, clock: Clock,
                   calendar: WorkingCalendar | None = None) -> PlanResult:
    """Creates every missing reminder row of every active milestone of an active plan (idempotent; bulk)."""
    calendar = calendar or await load_calendar(session=session)
    milestones = (await session.execute(
        select(Milestone).join(Plan, col(Plan.id) == col(Milestone.plan_id))
        .where(col(Milestone.active), col(Plan.status) == PlanStatus.active.value))).scalars().all()
    result = PlanResult()
    async with _planning(session) as planning:
        for milestone in milestones:
            result.rows_written += await _create_missing(session, milestone, settings=settings, now=clock.now(),
                                                         calendar=calendar, planning=planning)
            result.milestones += 1
    return result


async def replan_milestones(
    session: AsyncSession, *, milestone_ids: Iterable[int], settings: Settings, clock: Clock,
    calendar: WorkingCalendar | None = None,
) -> PlanResult:
    """Brings the reminders of these milestones in line with the plan as it now stands."""
    ids = sorted(set(milestone_ids))
    result = PlanResult()
    if not ids:
        return result
    calendar = calendar or await load_calendar(session=session)
    async with _planning(session) as planning:
        for chunk in chunked(ids):
            rows = (await session.execute(
                select(Milestone, col(Plan.status)).join(Plan, col(Plan.id) == col(Milestone.plan_id))
                .where(col(Milestone.id).in_(chunk)))).all()
            for milestone, plan_status in rows:
                now = clock.now()
                plan_closed = plan_status != PlanStatus.active.value  # a closed plan is never reminded
                result.rows_cancelled += await _cancel_stale(session, milestone, settings=settings, now=now,
                                                             calendar=calendar, plan_closed=plan_closed)
                if milestone.active and not plan_closed:
                    result.rows_written += await _create_missing(session, milestone, settings=settings, now=now,
                                                                 calendar=calendar, planning=planning)
                result.milestones += 1
    return result


async def replan_assignments(
    session: AsyncSession, *, assignment_ids: Iterable[int], settings: Settings, clock: Clock,
    calendar: WorkingCalendar | None = None,
) -> PlanResult:
    """Re-plans the milestones of these assignments (a reopened assignment gets its ladder back)."""
    ids = sorted(set(assignment_ids))
    milestone_ids: set[int] = set()
    for chunk in chunked(ids):
        rows = await session.execute(select(col(Assignment.milestone_id)).where(col(Assignment.id).in_(chunk)))
        milestone_ids.update(rows.scalars())
    return await replan_milestones(session, milestone_ids=milestone_ids, settings=settings, clock=clock,
                                   calendar=calendar)


async def replan_days(
    session: AsyncSession, *, days: Iterable[date], settings: Settings, clock: Clock,
    calendar: WorkingCalendar | None = None,
) -> PlanResult:
    """After days were declared off or working (or such a declaration removed): re-plans the milestones whose
    reminders those days can move — the steps before a deadline up to the longest ladder (and a holiday) after
    the day, and the overdue chains when the day is close enough for their next steps to reach it."""
    changed = sorted(set(days))
    if not changed:
        return PlanResult()
    reach = timedelta(days=MAX_REMINDER_DAYS + MAX_DAYS_OFF_IN_A_ROW)
    soon = local_today(clock.now(), settings.tz) + timedelta(days=2 * MAX_DAYS_OFF_IN_A_ROW)
    window = [and_(col(Milestone.due_date) >= day - timedelta(days=1), col(Milestone.due_date) <= day + reach)
              for day in changed]
    # Units an extension gave another date: their own ladders move too.
    override = col(Assignment.due_date_override)
    window.append(col(Milestone.id).in_(select(col(Assignment.milestone_id)).where(override.is_not(None), or_(
        *(and_(override >= day - timedelta(days=1), override <= day + reach) for day in changed)))))
    if changed[0] <= soon:  # an overdue chain's next steps are at most a week or two (and a holiday) ahead
        window.append(col(Milestone.due_date) < changed[-1])
    ids = [milestone_id for milestone_id in (await session.execute(
        select(col(Milestone.id)).join(Plan, col(Plan.id) == col(Milestone.plan_id))
        .where(col(Milestone.active), col(Plan.status) == PlanStatus.active.value, or_(*window)))).scalars()
        if milestone_id is not None]
    return await replan_milestones(session, milestone_ids=ids, settings=settings, clock=clock, calendar=calendar)


@dataclass
class _Planning:
    """What one planning call shares across its milestones."""

    roots: set[int]  # units with nobody above them: no escalation
    locked: bool = False  # holds the bulk-planning lock (until the transaction ends)


@asynccontextmanager
async def _planning(session: AsyncSession) -> AsyncIterator[_Planning]:
    roots = {unit_id for unit_id in (await session.execute(select(col(Unit.id)).where(col(Unit.parent_id).is_(None))))
             .scalars() if unit_id is not None}
    async with planning_settings(session):
        yield _Planning(roots)


@dataclass(frozen=True)
class _Ladder:
    """One due date of a milestone and which of its assignments follow it."""

    due_date: date
    where: tuple[SQLColumnExpression[bool], ...] = ()


async def _ladders(session: AsyncSession, milestone: Milestone) -> list[_Ladder]:
    """The milestone's own date, and one ladder per date an approved extension gave some of its units
    (`assignment.due_date_override`: few, found through a partial index)."""
    override = col(Assignment.due_date_override)
    overrides = [day for day in (await session.execute(
        select(override).distinct().where(col(Assignment.milestone_id) == milestone.id, override.is_not(None))))
        .scalars() if day is not None]
    if not overrides:  # the usual case: no extra condition on the fan-out over every assignment
        return [_Ladder(milestone.due_date)]
    return [_Ladder(milestone.due_date, (col(Assignment.due_date_override).is_(None),)),
            *(_Ladder(day, (col(Assignment.due_date_override) == day,)) for day in sorted(overrides))]


async def _create_missing(session: AsyncSession, milestone: Milestone, *, settings: Settings, now: datetime,
                          calendar: WorkingCalendar, planning: _Planning) -> int:
    """Writes what the milestone's ladders want and its open assignments lack: nothing, when nothing is missing."""
    assert milestone.id is not None
    policy = policy_for(milestone, settings, calendar)
    written = 0
    for ladder in await _ladders(session, milestone):
        late, escalation = chain_steps(due_date=ladder.due_date, now=now, policy=policy)
        wanted = Wanted(tuple(before_steps(due_date=ladder.due_date, policy=policy)), late, escalation)
        where: list[SQLColumnExpression[bool]] = [col(Assignment.milestone_id) == milestone.id, *ladder.where,
                                                  col(Assignment.active),
                 col(Assignment.state) == AssignmentState.open]
        while True:
            span = await open_span(session, where, planning.roots)
            if span is None:
                break  # nobody to plan
            # A ladder never planned (a new milestone, the first start-up) takes all its rows at once, unchecked;
            # one whose totals add up lacks nothing; else each of its assignments is looked at.
            fresh = await untouched(session, span)
            found = Found()
            if not fresh and not await complete(session, where=where, span=span, wanted=wanted, roots=planning.roots):
                found = await lacking(session, where=where, wanted=wanted, roots=planning.roots)
            if (fresh or found.fresh) and not planning.locked:
                planning.locked = True
                if await lock_bulk_planning(session):
                    continue  # another process may have planned them while this one waited: look again
            break
        if span is None:
            continue
        if fresh:
            written += await insert_fresh(session, wanted.steps, every=where, roots=planning.roots,
                                          escalation=escalation.step)
        elif found.fresh:  # none of them is a root unit's (its escalation is never missing)
            written += await insert_fresh(session, wanted.steps, assignment_ids=found.fresh)
        short = [lack.assignment_id for lack in found.partial if lack.before < len(wanted.before)]
        for step in wanted.before:
            written += await write_step(session, short, step)
        written += await write_step(session, [lack.assignment_id for lack in found.partial if not lack.late], late)
        written += await write_step(session, [lack.assignment_id for lack in found.partial if not lack.escalation],
                                    escalation)
    return written


async def _cancel_stale(session: AsyncSession, milestone: Milestone, *, settings: Settings, now: datetime,
                        calendar: WorkingCalendar, plan_closed: bool = False) -> int:
    """Cancels pending rows the plan no longer wants; returns how many."""
    assert milestone.id is not None
    of_milestone = select(col(Assignment.id)).where(col(Assignment.milestone_id) == milestone.id)
    cancelled = 0
    if plan_closed:
        cancelled += await _cancel_where(session, col(Reminder.assignment_id).in_(of_milestone), "plan closed")
    elif milestone.active:
        closed = select(col(Assignment.id)).where(
            col(Assignment.milestone_id) == milestone.id,
            or_(not_(col(Assignment.active)), col(Assignment.state) != AssignmentState.open),
        )
        cancelled += await _cancel_where(session, col(Reminder.assignment_id).in_(closed), "closed")
        for ladder in await _ladders(session, milestone):
            current = current_steps(due_date=ladder.due_date, now=now,
                                    policy=policy_for(milestone, settings, calendar))
            followers = of_milestone.where(*ladder.where)
            stale = and_(col(Reminder.assignment_id).in_(followers), _not_current(current))
            cancelled += await _cancel_where(session, stale, "replanned")
    else:
        cancelled += await _cancel_where(session, col(Reminder.assignment_id).in_(of_milestone), "removed from plan")
    return cancelled


def _not_current(current: CurrentSteps) -> ColumnElement[bool]:
    """SQL for `step not in current`: the bounds compare strings of one shape ('late:YYYY-MM-DD')."""
    chains = []
    for kind, latest in current.latest.items():
        bounds = [steps_of_kind(kind), col(Reminder.step) > step_name(kind, current.deadline),
                  col(Reminder.step) <= step_name(kind, latest)]
        if current.days_off:  # a few days: today's and the next week or two's days off
            bounds.append(col(Reminder.step).not_in(sorted(step_name(kind, day) for day in current.days_off)))
        chains.append(and_(*bounds))
    return not_(or_(col(Reminder.step).in_(sorted(current.before)), *chains))


async def _cancel_where(session: AsyncSession, condition: object, why: str) -> int:
    result = await session.execute(
        update(Reminder)
        .where(and_(col(Reminder.status) == PENDING, condition))  # type: ignore[arg-type]
        .values(status=CANCELLED, last_error=why)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


def replan_after_import(*, settings: Settings, clock: Clock) -> Callable[[AsyncSession, ImportReport], Awaitable[None]]:
    """The hook `run_import(after=...)` takes: re-plans the milestones an import touched, in its transaction."""

    async def after(session: AsyncSession, report: ImportReport) -> None:
        if not report.affected_milestone_ids:
            return
        if session.get_bind().dialect.name == "postgresql":
            # A big import leaves the planner blind (no statistics yet for what this transaction wrote): it would
            # anti-join reminders row by row. ANALYZE counts this transaction's own rows; `reminder` is left out,
            # since statistics saying it is empty are worse than none.
            await session.execute(text("ANALYZE unit, milestone, assignment"))
        await replan_milestones(session, milestone_ids=report.affected_milestone_ids, settings=settings,
                                clock=clock)

    return after
