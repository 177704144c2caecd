"""What the reminder engine will send, and when: the rows behind `nhacviec schedule`.

An admin checks a plan before its first reminder goes out. For every open assignment of an active milestone of
an active plan (optionally one unit's subtree, one plan):

* its pending reminder rows: what the sweep will send — the engine's own truth;
* an assignment with no pending row (never planned: the planner writes rows at start-up and after an import,
  a re-plan or a calendar change) gets what the planner would write for it now — the ladder's steps it has no
  row of yet, and the first overdue reminder and escalation — and is marked as not planned yet.

Each is listed at the time the engine would send it (`send_times`): its fire time when the send window is open
then, on a working day; otherwise the next opening (a backlog after downtime, a step planned before its day was
declared off). Rows that go out in one sweep fold as the engine folds them: one step per assignment and audience,
the newest. The overdue chain is lazy: only its next step is listed, since each next one is made when the one
before is sent. A step nobody can receive yet (no active secretary in the unit; for an escalation, no supervisor
in the parent unit) is marked: the engine would record it as undeliverable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import (
    Assignment,
    AssignmentState,
    Member,
    Membership,
    Milestone,
    Plan,
    PlanStatus,
    Reminder,
    Role,
    Unit,
)
from bot.settings import Settings
from bot.status import due_date_of
from bot.units import in_subtree
from bot.workdays import WorkingCalendar
from scheduler.ladder import (
    Audience,
    PlannedStep,
    StepKind,
    before_steps,
    chain_steps,
    newest_per_audience,
    step_date,
    step_kind,
)
from scheduler.planner import policy_for
from scheduler.rows import chunked
from scheduler.states import ReminderStatus
from scheduler.window import SendWindow


@dataclass(frozen=True)
class Candidate:
    """A reminder step of one assignment: a pending row, or one the planner would write."""

    assignment_id: int
    step: str
    fire_at: datetime


@dataclass(frozen=True)
class PlannedSend:
    """One line of the schedule: a step of one assignment, at the time it will go out."""

    send_at: datetime  # UTC
    step: str
    unit_code: str
    plan_code: str
    milestone_code: str
    due_date: date
    recipient_unit_code: str  # the unit, or its parent for an escalation
    reachable: bool  # somebody will receive it
    planned: bool  # a row exists (False: the planner would write it)

    @property
    def kind(self) -> StepKind:
        return step_kind(self.step)


class UnknownCode(LookupError):
    """A unit or plan code that names nothing."""

    def __init__(self, what: str, code: str) -> None:
        super().__init__(f"{what} {code}")
        self.what = what
        self.code = code


def send_times(candidates: Iterable[Candidate], *, now: datetime, window: SendWindow,
               calendar: WorkingCalendar) -> list[tuple[Candidate, datetime]]:
    """Pure: when each step goes out, folding those one sweep sends together as the engine does
    (`newest_per_audience`); the folded-away ones are left out."""
    by_sweep: dict[tuple[int, datetime], list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        send_at = window.next_open(max(candidate.fire_at, now), calendar)
        by_sweep[(candidate.assignment_id, send_at)].append(candidate)
    sends: list[tuple[Candidate, datetime]] = []
    for (_assignment_id, send_at), group in by_sweep.items():
        keep, _older = newest_per_audience((index, c.step, c.fire_at) for index, c in enumerate(group))
        sends.extend((group[index], send_at) for index in sorted(keep))
    return sends


@dataclass(frozen=True)
class _Row:
    assignment_id: int
    unit: Unit
    milestone: Milestone
    plan_code: str
    due_date: date  # the unit's own: an approved extension moves it (bot.status.due_date_of)


async def planned_sends(
    session: AsyncSession, *, settings: Settings, now: datetime, calendar: WorkingCalendar,
    unit_code: str | None = None, plan_code: str | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> list[PlannedSend]:
    """The schedule between `start` (included) and `end` (excluded), in sending order."""
    rows = await _open_assignments(session, unit_code=unit_code, plan_code=plan_code)
    pending, recorded = await _reminder_rows(session, [row.assignment_id for row in rows])
    window = SendWindow(opens=time(settings.reminder_hour), closes=settings.quiet_from, tz=settings.tz)
    by_id = {row.assignment_id: row for row in rows}
    ladders: dict[tuple[int, date], list[PlannedStep]] = {}
    candidates: list[Candidate] = []
    not_planned: set[int] = set()
    for row in rows:
        if row.assignment_id in pending:
            candidates.extend(c for c in pending[row.assignment_id] if _still_wanted(c.step, row))
            continue
        key = (row.milestone.id or 0, row.due_date)
        if key not in ladders:  # one ladder per milestone (and extended due date), as the planner computes it
            policy = policy_for(row.milestone, settings, calendar)
            ladders[key] = (before_steps(due_date=row.due_date, policy=policy)
                            + chain_steps(due_date=row.due_date, now=now, policy=policy))
        done = recorded.get(row.assignment_id, set())
        for step in ladders[key]:
            if step.step in done or (step.kind is StepKind.escalation and row.unit.parent_id is None):
                continue
            candidates.append(Candidate(row.assignment_id, step.step, step.fire_at))
            not_planned.add(row.assignment_id)
    reachable = await _reachable(session, rows)
    parents = await _parent_codes(session, {row.unit.parent_id for row in rows if row.unit.parent_id is not None})
    sends = []
    for candidate, send_at in send_times(candidates, now=now, window=window, calendar=calendar):
        if (start is not None and send_at < start) or (end is not None and send_at >= end):
            continue
        row = by_id[candidate.assignment_id]
        escalation = step_kind(candidate.step).audience is Audience.parent
        target = row.unit.parent_id if escalation else row.unit.id
        sends.append(PlannedSend(
            send_at=send_at,
            step=candidate.step,
            unit_code=row.unit.code,
            plan_code=row.plan_code,
            milestone_code=row.milestone.code,
            due_date=row.due_date,
            recipient_unit_code=parents.get(target, "") if escalation else row.unit.code,  # type: ignore[arg-type]
            reachable=(target, Role.supervisor if escalation else Role.secretary) in reachable,
            planned=candidate.assignment_id not in not_planned,
        ))
    sends.sort(key=lambda send: (send.send_at, send.recipient_unit_code, send.unit_code, send.plan_code,
                                 send.milestone_code, send.step))
    return sends


def _still_wanted(step: str, row: _Row) -> bool:
    """The sweep's re-check, on what an edit can leave behind: a step of an earlier due date, or an escalation
    for a unit now at the root. (A later due date's old steps are checked when they fire; few linger.)"""
    kind = step_kind(step)
    if kind is StepKind.before:
        return step_date(step) == row.due_date
    if kind is StepKind.escalation and row.unit.parent_id is None:
        return False
    return step_date(step) > row.due_date


async def _open_assignments(session: AsyncSession, *, unit_code: str | None, plan_code: str | None) -> list[_Row]:
    query = (
        select(Assignment, Unit, Milestone, col(Plan.code))
        .join(Unit, col(Unit.id) == col(Assignment.unit_id))
        .join(Milestone, col(Milestone.id) == col(Assignment.milestone_id))
        .join(Plan, col(Plan.id) == col(Milestone.plan_id))
        .where(col(Assignment.active), col(Assignment.state) == AssignmentState.open, col(Milestone.active),
               col(Unit.active), col(Plan.status) == PlanStatus.active.value)
    )
    if unit_code is not None:
        root = (await session.execute(
            select(Unit).where(func.upper(col(Unit.code)) == unit_code.strip().upper()))).scalars().first()
        if root is None:
            raise UnknownCode("unit", unit_code)
        query = query.where(in_subtree(session, root))
    if plan_code is not None:
        plan_id = (await session.execute(
            select(col(Plan.id)).where(func.upper(col(Plan.code)) == plan_code.strip().upper()))).scalars().first()
        if plan_id is None:
            raise UnknownCode("plan", plan_code)
        query = query.where(col(Plan.id) == plan_id)
    result = await session.execute(query)
    return [_Row(assignment.id, unit, milestone, code, due_date_of(assignment, milestone))
            for assignment, unit, milestone, code in result.all() if assignment.id is not None]  # stored: it has one


async def _reminder_rows(
    session: AsyncSession, assignment_ids: list[int]
) -> tuple[dict[int, list[Candidate]], dict[int, set[str]]]:
    """Pending rows per assignment, and the steps each already has in another state (the planner's upsert
    leaves sent, queued, superseded and failed rows alone, and brings cancelled ones back)."""
    pending: dict[int, list[Candidate]] = defaultdict(list)
    recorded: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(assignment_ids):
        result = await session.execute(
            select(col(Reminder.assignment_id), col(Reminder.step), col(Reminder.fire_at), col(Reminder.status))
            .where(col(Reminder.assignment_id).in_(chunk), col(Reminder.status) != ReminderStatus.cancelled.value))
        for assignment_id, step, fire_at, status in result:
            if status == ReminderStatus.pending.value:
                pending[assignment_id].append(Candidate(assignment_id, step, fire_at))
            else:
                recorded[assignment_id].add(step)
    return pending, recorded


async def _reachable(session: AsyncSession, rows: list[_Row]) -> set[tuple[int, Role]]:
    """(unit id, role) pairs with at least one active member: who can receive a unit's or a parent's steps."""
    unit_ids = {row.unit.id for row in rows} | {row.unit.parent_id for row in rows if row.unit.parent_id}
    found: set[tuple[int, Role]] = set()
    for chunk in chunked(sorted(unit_id for unit_id in unit_ids if unit_id is not None)):
        result = await session.execute(
            select(col(Membership.unit_id), col(Membership.role))
            .join(Member, col(Member.id) == col(Membership.member_id))
            .where(col(Membership.unit_id).in_(chunk), col(Member.active)).distinct())
        found.update((unit_id, Role(role)) for unit_id, role in result)
    return found


async def _parent_codes(session: AsyncSession, unit_ids: set[int | None]) -> dict[int, str]:
    codes: dict[int, str] = {}
    for chunk in chunked(sorted(unit_id for unit_id in unit_ids if unit_id is not None)):
        result = await session.execute(select(col(Unit.id), col(Unit.code)).where(col(Unit.id).in_(chunk)))
        codes.update({unit_id: code for unit_id, code in result if unit_id is not None})
    return codes
