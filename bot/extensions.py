"""Extensions ("xin gia hạn"): a unit's secretary asks for a later due date, with a reason; a supervisor above the
unit approves it (that unit's due date moves: `assignment.due_date_override`) or declines it, saying why.

One open request per assignment. Every step writes an Event (the original date stays in it) and queues, in the same
transaction, what the people concerned are told (bot/outbox.py): the supervisors above get the request, the unit
the decision, and the other supervisors' copies of the request are edited to show it. Authorisation is checked
here, whatever the caller checked: a service never trusts an old button. No Telegram here; the caller tells the
engine the assignment changed after an approval (scheduler.assignments_changed), which re-plans its reminders.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.access import Access
from bot.acted import Acted
from bot.confirmations import event_for, load_assignment, notify
from bot.members import members_with_role
from bot.models import Assignment, AssignmentState, Extension, ExtensionStatus, Member, Role, Unit
from bot.outbox import Message, MessageKind, latest_message, queue_message
from bot.plans.limits import FIRST_YEAR, LAST_YEAR
from bot.reasons import MAX_REASON as MAX_REASON, ReasonFault, clean_reason, reason_fault
from bot.status import due_date_of
from bot.units import ancestor_ids


class Outcome(str, enum.Enum):
    requested = "requested"
    approved = "approved"
    declined = "declined"
    may_ask = "may_ask"  # the caller may ask for this item now (nothing done yet)
    may_decide = "may_decide"  # the caller may decide this request now (nothing done yet)
    not_found = "not_found"  # unknown, inactive, or not visible to this user (never says which)
    not_allowed = "not_allowed"  # visible, but not theirs to ask (not the unit's secretary) or decide
    own_request = "own_request"  # nobody decides their own request
    not_open = "not_open"  # done or reported: there is no deadline left to move
    pending = "pending"  # a request for this item already waits for a decision
    decided = "decided"  # this request was decided already
    not_later = "not_later"  # the new date is not after the unit's current due date
    past = "past"  # the new date has already gone by
    out_of_range = "out_of_range"  # outside the years a plan may use (bot/plans/limits.py)
    no_reason = "no_reason"
    reason_too_long = "reason_too_long"


@dataclass(frozen=True)
class Result(Acted[Outcome]):
    extension: Extension | None = None
    told: int = 0  # how many supervisors a new request was sent to

    @property
    def due_date(self) -> date:
        """The unit's due date as it stands (after an approval: the new one)."""
        assert self.assignment is not None and self.milestone is not None
        return due_date_of(self.assignment, self.milestone)


def reason_problem(reason: str) -> Outcome | None:
    """The reason rule (bot/reasons.py) as this service's outcome."""
    fault = reason_fault(reason)
    if fault is None:
        return None
    return Outcome.no_reason if fault == ReasonFault.missing else Outcome.reason_too_long


async def pending_extension(*, session: AsyncSession, assignment_id: int) -> Extension | None:
    statement = select(Extension).where(Extension.assignment_id == assignment_id,
                                        Extension.status == ExtensionStatus.pending.value)
    return (await session.execute(statement)).scalars().first()


async def may_ask(*, session: AsyncSession, actor: Access, assignment_id: int) -> Result:
    """Whether `actor` may ask for more time on this assignment now (outcome `may_ask`), or why not."""
    loaded = await load_assignment(session, assignment_id)
    if loaded is None or not actor.can_view(loaded[2]):
        return Result(Outcome.not_found)
    assignment, milestone, unit = loaded
    if not actor.is_secretary_of(unit):
        return Result(Outcome.not_allowed, assignment, milestone, unit)
    if assignment.state != AssignmentState.open:
        return Result(Outcome.not_open, assignment, milestone, unit)
    waiting = await pending_extension(session=session, assignment_id=assignment_id)
    if waiting is not None:
        return Result(Outcome.pending, assignment, milestone, unit, waiting)
    return Result(Outcome.may_ask, assignment, milestone, unit)


async def request_extension(*, session: AsyncSession, actor: Access, assignment_id: int, new_date: date,
                            reason: str, now: datetime, today: date) -> Result:
    """A new request (pending) for `new_date`, after the unit's current due date and not already past."""
    found = await may_ask(session=session, actor=actor, assignment_id=assignment_id)
    if found.outcome != Outcome.may_ask:
        return found
    assignment, milestone, unit = found.assignment, found.milestone, found.unit
    assert assignment is not None and milestone is not None and unit is not None
    current = due_date_of(assignment, milestone)
    problem = reason_problem(reason)
    if not FIRST_YEAR <= new_date.year <= LAST_YEAR:
        problem = Outcome.out_of_range
    elif new_date <= current:
        problem = Outcome.not_later
    elif new_date < today:
        problem = Outcome.past
    if problem is not None:
        return Result(problem, assignment, milestone, unit)
    member_id = actor.member.id if actor.member else None
    extension = Extension(assignment_id=assignment_id, old_date=current, new_date=new_date, reason=clean_reason(reason),
                          requested_by_member_id=member_id, requested_at=now)
    session.add(extension)
    await session.flush()
    session.add(event_for("extension_request", actor, assignment, now, details=_details(extension)))
    asked = [member for member in await deciders(session=session, unit=unit)
             if member.telegram_user_id != actor.telegram_user_id]
    await queue_message(session, Message(kind=MessageKind.ext_request, unit_id=assignment.unit_id, recipients=asked,
                                         assignment_id=assignment_id, params={"extension": extension.id}), now=now)
    await session.flush()
    return Result(Outcome.requested, assignment, milestone, unit, extension, told=len(asked))


async def may_decide(*, session: AsyncSession, actor: Access, extension_id: int) -> Result:
    """Whether `actor` may decide this request now (outcome `may_decide`), or why not."""
    extension = await session.get(Extension, extension_id, with_for_update=True, populate_existing=True)
    loaded = await load_assignment(session, extension.assignment_id) if extension is not None else None
    if loaded is None or not actor.can_view(loaded[2]):
        return Result(Outcome.not_found)
    assignment, milestone, unit = loaded
    if not actor.can_accept(unit):
        return Result(Outcome.not_allowed, assignment, milestone, unit, extension)
    if actor.member is not None and actor.member.id == extension.requested_by_member_id:  # type: ignore[union-attr]
        return Result(Outcome.own_request, assignment, milestone, unit, extension)
    if extension.status != ExtensionStatus.pending:  # type: ignore[union-attr]
        return Result(Outcome.decided, assignment, milestone, unit, extension)
    return Result(Outcome.may_decide, assignment, milestone, unit, extension)


async def approve_extension(*, session: AsyncSession, actor: Access, extension_id: int, now: datetime) -> Result:
    """pending → approved: the unit's due date becomes the new date (its reminders: re-plan them)."""
    found = await may_decide(session=session, actor=actor, extension_id=extension_id)
    if found.outcome != Outcome.may_decide:
        return found
    assignment, milestone, unit, extension = found.assignment, found.milestone, found.unit, found.extension
    assert assignment is not None and milestone is not None and extension is not None
    if extension.new_date <= due_date_of(assignment, milestone):  # the plan moved the date since: not earlier
        return Result(Outcome.not_later, assignment, milestone, unit, extension)
    _decide(extension, ExtensionStatus.approved, actor, now)
    assignment.due_date_override = extension.new_date
    session.add_all([extension, assignment])
    session.add(event_for("extension_approve", actor, assignment, now, details=_details(extension)))
    await _tell_decision(session, MessageKind.ext_approved, actor, assignment, extension, now)
    await session.flush()
    return Result(Outcome.approved, assignment, milestone, unit, extension)


async def decline_extension(*, session: AsyncSession, actor: Access, extension_id: int, reason: str,
                            now: datetime) -> Result:
    """pending → declined, with the supervisor's reason; the due date stays."""
    found = await may_decide(session=session, actor=actor, extension_id=extension_id)
    if found.outcome != Outcome.may_decide:
        return found
    assignment, milestone, unit, extension = found.assignment, found.milestone, found.unit, found.extension
    assert assignment is not None and extension is not None
    problem = reason_problem(reason)
    if problem is not None:
        return Result(problem, assignment, milestone, unit, extension)
    _decide(extension, ExtensionStatus.declined, actor, now)
    extension.decision_reason = clean_reason(reason)
    session.add(extension)
    details = {**_details(extension), "decline_reason": extension.decision_reason}
    session.add(event_for("extension_decline", actor, assignment, now, details=details))
    await _tell_decision(session, MessageKind.ext_declined, actor, assignment, extension, now)
    await session.flush()
    return Result(Outcome.declined, assignment, milestone, unit, extension)


async def deciders(*, session: AsyncSession, unit: Unit) -> list[Member]:
    """Whom to ask: the supervisors of the nearest unit above with any registered (the unit's own at the top)."""
    for unit_id in [*reversed(ancestor_ids(unit)[:-1]), unit.id]:
        found = await members_with_role(session=session, unit_id=unit_id, role=Role.supervisor)  # type: ignore[arg-type]
        if found:
            return found
    return []


async def pending_for_unit(*, session: AsyncSession, unit_id: int, milestone_id: int) -> Extension | None:
    """The open request of this unit's assignment of this milestone, if any (/tuchoi names them by code)."""
    statement = (select(Extension).join(Assignment, col(Assignment.id) == Extension.assignment_id)
                 .where(Assignment.unit_id == unit_id, Assignment.milestone_id == milestone_id,
                        Extension.status == ExtensionStatus.pending.value))
    return (await session.execute(statement)).scalars().first()


async def _tell_decision(session: AsyncSession, kind: MessageKind, actor: Access, assignment: Assignment,
                         extension: Extension, now: datetime) -> None:
    """The unit's secretaries hear the decision; the other supervisors' copies of the request show it (and lose
    their buttons)."""
    params = {"extension": extension.id}
    await notify(session=session, kind=kind, assignment=assignment, unit_id=assignment.unit_id, role=Role.secretary,
                 actor=actor, now=now, params=params)
    request = await latest_message(session, kind=MessageKind.ext_request, assignment_id=assignment.id)  # type: ignore[arg-type]
    if request is not None:
        message_id, readers = request
        others = [member for member in readers if member.telegram_user_id != actor.telegram_user_id]
        await queue_message(session, Message(kind=MessageKind.ext_decided, unit_id=assignment.unit_id,
                                             recipients=others, assignment_id=assignment.id, params=params,
                                             edits=message_id), now=now)


def _decide(extension: Extension, status: ExtensionStatus, actor: Access, now: datetime) -> None:
    extension.status = status
    extension.decided_by_member_id = actor.member.id if actor.member else None
    extension.decided_at = now


def _details(extension: Extension) -> dict[str, str]:
    """The event's record: both dates (the original stays in the history) and the unit's reason."""
    return {"extension": str(extension.id), "from": extension.old_date.isoformat(),
            "to": extension.new_date.isoformat(), "reason": extension.reason}
