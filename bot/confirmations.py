"""Confirming an assignment done, undoing it, and the two-step accept / return of reported work.

Every action writes an Event, and queues in the same transaction the notice those concerned get (bot/outbox.py):
the supervisors above hear of a confirmation, the unit of an acceptance or a return. Reminders are the engine's:
the caller tells it the assignment changed (scheduler.assignments_changed), in the same transaction. Authorisation
is checked here too, whatever the caller checked: a service never trusts an old button.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.access import Access
from bot.acted import Acted
from bot.members import members_with_role
from bot.models import Assignment, AssignmentState, Event, Milestone, Role, Unit
from bot.outbox import Message, MessageKind, queue_message


class Outcome(str, enum.Enum):
    done = "done"  # confirmed, finished
    reported = "reported"  # confirmed, waiting for a supervisor's acceptance
    already = "already"  # nothing to do: it was already confirmed
    undone = "undone"
    accepted = "accepted"
    returned = "returned"
    not_found = "not_found"  # unknown, inactive, or not visible to this user (never says which)
    not_allowed = "not_allowed"  # visible but this user may not do this
    too_late = "too_late"  # the undo window has passed
    wrong_state = "wrong_state"  # e.g. accepting what was not reported
    future_date = "future_date"  # the day given as when it was done has not come yet
    before_start = "before_start"  # ... or is before the item started
    loaded = "loaded"  # internal: found and allowed, nothing done yet


@dataclass(frozen=True)
class Result(Acted[Outcome]):
    reason: str | None = None  # why a supervisor returned it

    @property
    def changed(self) -> bool:
        return self.outcome in (Outcome.done, Outcome.reported, Outcome.undone, Outcome.accepted, Outcome.returned)


async def load_assignment(session: AsyncSession, assignment_id: int) -> tuple[Assignment, Milestone, Unit] | None:
    statement = (select(Assignment, Milestone, Unit)
                 .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(Assignment.id == assignment_id, col(Assignment.active).is_(True),
                        col(Milestone.active).is_(True))
                 # Decide on the row as committed now, not as this session last saw it; on PostgreSQL also hold
                 # it until commit, so of two presses handled at once by two processes the second waits and
                 # then finds the item already confirmed.
                 .with_for_update(of=Assignment)
                 .execution_options(populate_existing=True))
    row = (await session.execute(statement)).first()
    return tuple(row) if row else None  # type: ignore[return-value]


async def load_for(session: AsyncSession, actor: Access, assignment_id: int,
                    allowed: Callable[[Access, Unit], bool]) -> Result:
    """The assignment if `actor` may act on it; else not_found (outside their view: nothing leaks) or not_allowed.

    A Result whose outcome is `Outcome.loaded` carries the rows to act on.
    """
    loaded = await load_assignment(session, assignment_id)
    if loaded is None or not actor.can_view(loaded[2]):
        return Result(Outcome.not_found)
    assignment, milestone, unit = loaded
    if not allowed(actor, unit):
        return Result(Outcome.not_allowed, assignment, milestone, unit)
    return Result(Outcome.loaded, assignment, milestone, unit)


def event_for(kind: str, actor: Access, assignment: Assignment, now: datetime, *, file_id: str | None = None,
           details: dict[str, str] | None = None) -> Event:
    member = actor.member
    return Event(at=now, kind=kind, actor_member_id=member.id if member else None,
                 actor_label=member.full_name if member else str(actor.telegram_user_id),
                 unit_id=assignment.unit_id, milestone_id=assignment.milestone_id, assignment_id=assignment.id,
                 file_id=file_id, details=json.dumps(details, ensure_ascii=False) if details else None)


async def notify(*, session: AsyncSession, kind: MessageKind, assignment: Assignment, unit_id: int | None,
                 role: Role, actor: Access, now: datetime, params: Mapping[str, object] | None = None) -> int:
    """Queues a notice of a change of `assignment` to the members holding `role` in unit `unit_id` (the actor is
    never told of their own act); returns how many were told."""
    if unit_id is None:
        return 0
    told = [member for member in await members_with_role(session=session, unit_id=unit_id, role=role)
            if member.telegram_user_id != actor.telegram_user_id]
    await queue_message(session, Message(kind=kind, unit_id=assignment.unit_id, recipients=told,
                                         assignment_id=assignment.id, params=params or {}), now=now)
    return len(told)


def done_on_problem(done_on: date, milestone: Milestone, today: date) -> Outcome | None:
    """Why `done_on` cannot be the day this milestone's work was done (None: it can)."""
    if done_on > today:
        return Outcome.future_date
    if milestone.start_date is not None and done_on < milestone.start_date:
        return Outcome.before_start
    return None


async def confirm_assignment(*, session: AsyncSession, actor: Access, assignment_id: int, now: datetime,
                             note: str | None = None, file_id: str | None = None, done_on: date | None = None,
                             today: date | None = None) -> Result:
    """open → done (or → reported when the milestone asks for acceptance). Twice is harmless: `already`.

    `done_on`: the day the unit says the work was done (`today`, the local date now, bounds it); the grid judges
    on time or late by it, and the event keeps it beside when it was reported."""
    found = await load_for(session, actor, assignment_id, Access.can_confirm)
    if found.outcome != Outcome.loaded:
        return found
    assignment, milestone, unit = found.rows
    if done_on is not None:
        assert today is not None, "a done date is checked against today"
        problem = done_on_problem(done_on, milestone, today)
        if problem is not None:
            return Result(problem, assignment, milestone, unit)
    if assignment.state != AssignmentState.open:
        if file_id and assignment.evidence_file_id is None:
            assignment.evidence_file_id = file_id
            session.add(event_for("evidence", actor, assignment, now, file_id=file_id))
            await session.flush()
        return Result(Outcome.already, assignment, milestone, unit)
    member_id = actor.member.id if actor.member else None
    assignment.reported_at = now
    assignment.reported_by_member_id = member_id
    if note:
        assignment.note = note
    if file_id:
        assignment.evidence_file_id = file_id
    assignment.done_on = done_on
    if milestone.requires_acceptance:
        assignment.state = AssignmentState.reported
        outcome = Outcome.reported
    else:
        assignment.state = AssignmentState.done
        assignment.confirmed_at = now
        assignment.confirmed_by_member_id = member_id
        outcome = Outcome.done
    session.add(assignment)
    details = {"note": note} if note else {}
    if done_on is not None:  # the event's own time is when it was reported
        details["done_on"] = done_on.isoformat()
    session.add(event_for("confirm", actor, assignment, now, file_id=file_id, details=details or None))
    kind = MessageKind.reported if outcome == Outcome.reported else MessageKind.completed
    await notify(session=session, kind=kind, assignment=assignment, unit_id=unit.parent_id, role=Role.supervisor,
                 actor=actor, now=now)
    await session.flush()
    return Result(outcome, assignment, milestone, unit)


async def undo_confirmation(*, session: AsyncSession, actor: Access, assignment_id: int, now: datetime,
                            undo_minutes: int) -> Result:
    """Back to open, within `undo_minutes` of the report. Accepted work is not undone here."""
    found = await load_for(session, actor, assignment_id, Access.can_confirm)
    if found.outcome != Outcome.loaded:
        return found
    assignment, milestone, unit = found.rows
    if assignment.state == AssignmentState.open:
        return Result(Outcome.wrong_state, assignment, milestone, unit)
    reported_at = assignment.reported_at or assignment.confirmed_at
    accepted = milestone.requires_acceptance and assignment.state == AssignmentState.done
    if accepted or reported_at is None or now - reported_at > timedelta(minutes=undo_minutes):
        return Result(Outcome.too_late, assignment, milestone, unit)
    assignment.state = AssignmentState.open
    assignment.reported_at = assignment.confirmed_at = None
    assignment.reported_by_member_id = assignment.confirmed_by_member_id = None
    assignment.done_on = None
    session.add(assignment)
    session.add(event_for("undo", actor, assignment, now))
    await session.flush()
    return Result(Outcome.undone, assignment, milestone, unit)


async def accept_assignment(*, session: AsyncSession, actor: Access, assignment_id: int, now: datetime) -> Result:
    """reported → done, by a supervisor at or above the unit."""
    found = await load_for(session, actor, assignment_id, Access.can_accept)
    if found.outcome != Outcome.loaded:
        return found
    assignment, milestone, unit = found.rows
    if assignment.state == AssignmentState.done:
        return Result(Outcome.already, assignment, milestone, unit)
    if assignment.state != AssignmentState.reported:
        return Result(Outcome.wrong_state, assignment, milestone, unit)
    assignment.state = AssignmentState.done
    assignment.confirmed_at = now
    assignment.confirmed_by_member_id = actor.member.id if actor.member else None
    session.add(assignment)
    session.add(event_for("accept", actor, assignment, now))
    await notify(session=session, kind=MessageKind.accepted, assignment=assignment, unit_id=unit.id,
                 role=Role.secretary, actor=actor, now=now)
    await session.flush()
    return Result(Outcome.accepted, assignment, milestone, unit)


async def returnable(*, session: AsyncSession, actor: Access, assignment_id: int) -> Result:
    """Whether `actor` may return this assignment now (outcome `loaded`), or why not."""
    found = await load_for(session, actor, assignment_id, Access.can_accept)
    if found.outcome == Outcome.loaded and found.assignment.state != AssignmentState.reported:  # type: ignore[union-attr]
        return Result(Outcome.wrong_state, found.assignment, found.milestone, found.unit)
    return found


async def return_assignment(*, session: AsyncSession, actor: Access, assignment_id: int, now: datetime,
                            reason: str) -> Result:
    """reported → open with the supervisor's reason: the unit has more to do."""
    found = await returnable(session=session, actor=actor, assignment_id=assignment_id)
    if found.outcome != Outcome.loaded:
        return found
    assignment, milestone, unit = found.rows
    assignment.state = AssignmentState.open
    assignment.reported_at = None
    assignment.reported_by_member_id = None
    assignment.done_on = None  # reported again later, with the day that report gives
    session.add(assignment)
    session.add(event_for("return", actor, assignment, now, details={"reason": reason}))
    await notify(session=session, kind=MessageKind.returned, assignment=assignment, unit_id=unit.id,
                 role=Role.secretary, actor=actor, now=now, params={"reason": reason})
    await session.flush()
    return Result(Outcome.returned, assignment, milestone, unit, reason=reason)


async def find_unit_assignment(*, session: AsyncSession, unit_ids: list[int], milestone_code: str) -> Assignment | None:
    """The assignment of a milestone (by code) for the first of these units that has it."""
    statement = (select(Assignment).join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .where(col(Assignment.unit_id).in_(unit_ids), Milestone.code == milestone_code.strip().upper(),
                        col(Assignment.active).is_(True), col(Milestone.active).is_(True)))
    found = {a.unit_id: a for a in (await session.execute(statement)).scalars().all()}
    return next((found[u] for u in unit_ids if u in found), None)
