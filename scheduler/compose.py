"""Due reminder rows → digests (one message per unit, or per parent unit for escalations) → deliveries.

One call is one transaction over a batch of audiences (units, or parent units):

1. claim every due pending row of those audiences (UPDATE … RETURNING; FOR UPDATE SKIP LOCKED on
   PostgreSQL, so two replicas never take the same row);
2. re-check each row against the plan as it is now — confirmed, removed, edited rows are cancelled;
3. per assignment keep only the newest due step: after downtime a unit gets one message, not the ladder
   replayed (the older steps are 'superseded');
4. make the next overdue / escalation step of each chain that fired (lazily: one pending row per chain);
5. fold the kept rows into digests (at most MAX_ITEMS each, so a message stays under Telegram's 4096
   characters) and create one delivery per recipient chat. Nobody to send to is recorded as a failure.

Because all of it commits together, a crash leaves the rows pending and the next sweep starts again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import (
    Assignment,
    AssignmentState,
    Milestone,
    Reminder,
    ReminderDelivery,
    ReminderDigest,
    Role,
    Unit,
)
from bot.settings import Settings
from bot.workdays import WorkingCalendar, load_calendar
from scheduler.ladder import (
    Audience,
    CurrentSteps,
    StepKind,
    current_steps,
    newest_per_audience,
    next_escalation_step,
    next_overdue_step,
    step_kind,
)
from scheduler.planner import policy_for
from scheduler.recipients import Recipient, recipients_by_unit
from scheduler.rows import chunked, steps_of_kind, upsert_steps
from scheduler.states import DeliveryStatus, DigestKind, FailureReason, ReminderStatus

MAX_ITEMS = 15  # items per digest message: 15 truncated titles stay well under 4096 characters

# The Core tables, for bulk statements (no ORM object per row: a morning composes tens of thousands of digests).
DIGEST = ReminderDigest.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared
REMINDER = Reminder.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared
DELIVERY = ReminderDelivery.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared


@dataclass
class ComposeResult:
    claimed: int = 0
    digests: int = 0
    deliveries: int = 0
    superseded: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class _Due:
    id: int
    assignment_id: int
    step: str
    fire_at: datetime


@dataclass(frozen=True)
class _Digest:
    id: int
    unit_id: int  # its audience: the unit, or the parent unit of an escalation


@dataclass(frozen=True)
class _Context:
    unit_id: int
    parent_id: int | None
    milestone: Milestone
    why_not: str | None  # set when the row must not be sent
    due_date: date  # the unit's: an approved extension moves it (bot.status.due_date_of)


async def compose_batch(
    session: AsyncSession,
    *,
    audience: Audience,
    now: datetime,
    settings: Settings,
    oldest: datetime | None = None,
    max_audiences: int = 200,
    calendar: WorkingCalendar | None = None,
) -> ComposeResult:
    """Composes the due rows of up to `max_audiences` units; returns what it did (claimed == 0: all done).

    `oldest` holds back rows that fired before it. On a day off the engine composes nothing (`scheduler.window`).
    """
    due = _due_conditions(audience=audience, now=now, oldest=oldest)
    if audience is Audience.parent:
        await _cancel_rootless_escalations(session, due)
    keys = await _pick_audiences(session, audience=audience, due=due, limit=max_audiences)
    if not keys:
        return ComposeResult()
    rows = await _claim(session, audience=audience, due=due, keys=keys)
    contexts = await _load_contexts(session, {row.assignment_id for row in rows}, settings=settings, now=now)
    result = ComposeResult(claimed=len(rows))
    calendar = calendar or await load_calendar(session=session)  # the next steps of the chains skip days off

    current = _current_steps(contexts, settings=settings, now=now, calendar=calendar)
    valid: dict[int, list[_Due]] = defaultdict(list)
    cancelled: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        context = contexts[row.assignment_id]
        assert context.milestone.id is not None  # read from the table
        in_ladder = row.step in current[(context.milestone.id, context.due_date)]
        why_not = context.why_not or (None if in_ladder else "replanned")
        if why_not:
            cancelled[why_not].append(row.id)
        else:
            valid[row.assignment_id].append(row)

    kept: list[_Due] = []
    superseded: list[int] = []
    for assignment_rows in valid.values():
        keep, older = newest_per_audience((row.id, row.step, row.fire_at) for row in assignment_rows)
        kept.extend(row for row in assignment_rows if row.id in keep)
        superseded.extend(older)

    await _continue_chains(session, valid, contexts, settings=settings, now=now, calendar=calendar)
    for why, ids in cancelled.items():
        await _set_status(session, ids, ReminderStatus.cancelled, last_error=why)
    await _set_status(session, superseded, ReminderStatus.superseded)
    result.cancelled = sum(len(ids) for ids in cancelled.values())
    result.superseded = len(superseded)

    digests = await _make_digests(session, audience=audience, kept=kept, contexts=contexts, now=now)
    result.digests = len(digests)
    result.deliveries = await _make_deliveries(session, audience=audience, digests=digests, now=now)
    return result


def _due_conditions(*, audience: Audience, now: datetime, oldest: datetime | None) -> list[Any]:
    escalation = steps_of_kind(StepKind.escalation)
    conditions = [
        Reminder.status == ReminderStatus.pending.value,
        Reminder.fire_at <= now,
        escalation if audience is Audience.parent else not_(escalation),
    ]
    if oldest is not None:
        conditions.append(Reminder.fire_at >= oldest)
    return conditions


def _audience_column(audience: Audience) -> Any:
    return Unit.parent_id if audience is Audience.parent else Assignment.unit_id


def _due_rows(audience: Audience, due: list[Any], *columns: Any) -> Any:
    query = select(*columns).select_from(Reminder).join(Assignment, col(Assignment.id) == Reminder.assignment_id)
    if audience is Audience.parent:
        query = query.join(Unit, col(Unit.id) == Assignment.unit_id)
    return query.where(*due)


async def _cancel_rootless_escalations(session: AsyncSession, due: list[Any]) -> None:
    # Planning skips root units; a unit moved to the root since then has nobody above it either.
    rootless = (
        select(col(Reminder.id))
        .join(Assignment, col(Assignment.id) == Reminder.assignment_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .where(*due, col(Unit.parent_id).is_(None))
    )
    await session.execute(
        update(Reminder)
        .where(col(Reminder.id).in_(rootless))
        .values(status=ReminderStatus.cancelled.value, last_error="no parent unit")
        .execution_options(synchronize_session=False)
    )


async def _pick_audiences(session: AsyncSession, *, audience: Audience, due: list[Any], limit: int) -> list[int]:
    column = _audience_column(audience)
    query = _due_rows(audience, due, column).where(column.is_not(None)).distinct().limit(limit)
    return list((await session.execute(query)).scalars())


async def _claim(session: AsyncSession, *, audience: Audience, due: list[Any], keys: list[int]) -> list[_Due]:
    claimed: list[_Due] = []
    for chunk in chunked(keys):
        ids = (
            _due_rows(audience, due, Reminder.id)
            .where(_audience_column(audience).in_(chunk))
            .with_for_update(skip_locked=True, of=Reminder)
        )
        result = await session.execute(
            update(Reminder)
            .where(col(Reminder.id).in_(ids))
            .values(status=ReminderStatus.queued.value)
            .returning(col(Reminder.id), col(Reminder.assignment_id), col(Reminder.step), col(Reminder.fire_at))
            .execution_options(synchronize_session=False)
        )
        for reminder_id, assignment_id, step, fire_at in result:
            assert reminder_id is not None  # returned by the table
            claimed.append(_Due(reminder_id, assignment_id, step, fire_at))
    return claimed


async def _load_contexts(
    session: AsyncSession, assignment_ids: set[int], *, settings: Settings, now: datetime
) -> dict[int, _Context]:
    contexts: dict[int, _Context] = {}
    milestones: dict[int, Milestone] = {}  # a batch's assignments share a few milestones: one object each
    for chunk in chunked(sorted(assignment_ids)):
        rows = (await session.execute(
            select(col(Assignment.id), col(Assignment.milestone_id), col(Assignment.state), col(Assignment.active),
                   col(Assignment.due_date_override), col(Unit.id), col(Unit.parent_id), col(Unit.active))
            .join(Unit, col(Unit.id) == Assignment.unit_id)
            .where(col(Assignment.id).in_(chunk))
        )).all()
        missing = sorted({row[1] for row in rows} - milestones.keys())
        if missing:
            found = await session.execute(select(Milestone).where(col(Milestone.id).in_(missing)))
            milestones.update((milestone.id, milestone) for milestone in found.scalars() if milestone.id is not None)
        for assignment_id, milestone_id, state, active, override, unit_id, parent_id, unit_active in rows:
            assert assignment_id is not None and unit_id is not None  # read from their tables
            milestone = milestones[milestone_id]
            contexts[assignment_id] = _Context(
                unit_id=unit_id,
                parent_id=parent_id,
                milestone=milestone,
                why_not=_why_closed(state, active and milestone.active, unit_active),
                due_date=override or milestone.due_date,  # bot.status.due_date_of, from the columns
            )
    return contexts


def _why_closed(state: str, in_plan: bool, unit_active: bool) -> str | None:
    if state != AssignmentState.open:
        return "confirmed"
    if not in_plan:
        return "removed from plan"
    if not unit_active:
        return "unit inactive"
    return None


def _current_steps(contexts: dict[int, _Context], *, settings: Settings, now: datetime,
                   calendar: WorkingCalendar) -> dict[tuple[int, date], CurrentSteps]:
    """One ladder check per milestone and due date of the batch (its assignments share it, but those an
    extension gave a date of their own)."""
    current: dict[tuple[int, date], CurrentSteps] = {}
    for context in contexts.values():
        milestone = context.milestone
        assert milestone.id is not None
        if (milestone.id, context.due_date) not in current:
            policy = policy_for(milestone, settings, calendar)
            current[(milestone.id, context.due_date)] = current_steps(due_date=context.due_date, now=now,
                                                                      policy=policy)
    return current


async def _continue_chains(
    session: AsyncSession,
    valid: dict[int, list[_Due]],
    contexts: dict[int, _Context],
    *,
    settings: Settings,
    now: datetime,
    calendar: WorkingCalendar,
) -> None:
    """Each overdue or escalation step that fired (sent or superseded) makes the next one of its chain."""
    rows: list[dict[str, Any]] = []
    for assignment_id, assignment_rows in valid.items():
        kinds = {step_kind(row.step) for row in assignment_rows}
        policy = policy_for(contexts[assignment_id].milestone, settings, calendar)
        if StepKind.late in kinds:
            rows.append(_step_row(assignment_id, next_overdue_step(now=now, policy=policy)))
        if StepKind.escalation in kinds:
            rows.append(_step_row(assignment_id, next_escalation_step(now=now, policy=policy)))
    await upsert_steps(session, rows)


def _step_row(assignment_id: int, planned: Any) -> dict[str, Any]:
    return {"assignment_id": assignment_id, "step": planned.step, "fire_at": planned.fire_at}


async def _set_status(
    session: AsyncSession, ids: list[int], status: ReminderStatus, *, last_error: str | None = None
) -> None:
    for chunk in chunked(sorted(ids)):
        await session.execute(
            update(Reminder)
            .where(col(Reminder.id).in_(chunk))
            .values(status=status.value, last_error=last_error)
            .execution_options(synchronize_session=False)
        )


async def _make_digests(
    session: AsyncSession,
    *,
    audience: Audience,
    kept: list[_Due],
    contexts: dict[int, _Context],
    now: datetime,
) -> list[_Digest]:
    by_key: dict[int, list[_Due]] = defaultdict(list)
    for row in kept:
        context = contexts[row.assignment_id]
        key = context.parent_id if audience is Audience.parent else context.unit_id
        assert key is not None
        by_key[key].append(row)
    kind = DigestKind.escalation if audience is Audience.parent else DigestKind.reminder
    units: list[int] = []
    groups: list[list[_Due]] = []
    for key, key_rows in sorted(by_key.items()):
        key_rows.sort(key=lambda row: (contexts[row.assignment_id].due_date, row.assignment_id))
        for start in range(0, len(key_rows), MAX_ITEMS):
            units.append(key)
            groups.append(key_rows[start : start + MAX_ITEMS])
    if not units:
        return []
    # Multi-row INSERT … RETURNING, no ORM object per digest. Not `sort_by_parameter_order`: SQLite then inserts a
    # row at a time. A unit's digests are alike until their items are linked, so each takes any id of its unit.
    made = await session.execute(
        insert(DIGEST).returning(DIGEST.c.id, DIGEST.c.unit_id),
        [{"kind": kind.value, "unit_id": unit_id, "created_at": now} for unit_id in units],
    )
    ids_of: dict[int, list[int]] = defaultdict(list)
    for digest_id, unit_id in made:
        ids_of[unit_id].append(digest_id)
    digests = [_Digest(id=ids_of[unit_id].pop(), unit_id=unit_id) for unit_id in units]
    await session.execute(
        update(REMINDER).where(REMINDER.c.id == bindparam("row_id")).values(digest_id=bindparam("digest")),
        [{"row_id": row.id, "digest": digest.id} for digest, group in zip(digests, groups, strict=True)
         for row in group],
    )
    return digests


async def _make_deliveries(
    session: AsyncSession, *, audience: Audience, digests: list[_Digest], now: datetime
) -> int:
    role = Role.supervisor if audience is Audience.parent else Role.secretary
    recipients = await recipients_by_unit(session, unit_ids={d.unit_id for d in digests}, role=role)
    rows: list[dict[str, Any]] = []
    unreachable: list[int] = []
    for digest in digests:
        for recipient in recipients.get(digest.unit_id, []):
            rows.append(delivery_row(digest.id, recipient, now=now))
        if not recipients.get(digest.unit_id):
            unreachable.append(digest.id)
            rows.append(failure_row(digest.id, FailureReason.no_recipient, now=now))
    if rows:
        await session.execute(insert(DELIVERY), rows)
    for chunk in chunked(unreachable):
        await session.execute(
            update(Reminder)
            .where(col(Reminder.digest_id).in_(chunk))
            .values(status=ReminderStatus.failed.value, last_error=FailureReason.no_recipient.value)
            .execution_options(synchronize_session=False)
        )
    return len(rows) - len(unreachable)


def delivery_row(digest_id: int, recipient: Recipient, *, now: datetime) -> dict[str, Any]:
    return {
        "digest_id": digest_id,
        "member_id": recipient.member_id,
        "chat_id": recipient.chat_id,
        "status": DeliveryStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        # The keys of `failure_row` too: one executemany INSERT takes its columns from the first row.
        "finished_at": None,
        "reason": None,
        "last_error": None,
    }


def failure_row(digest_id: int, reason: FailureReason, *, now: datetime) -> dict[str, Any]:
    """A delivery that never had anyone to go to: recorded so the admins see it (nothing fails silently)."""
    return {
        "digest_id": digest_id,
        "member_id": None,
        "chat_id": None,
        "status": DeliveryStatus.failed.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "finished_at": now,
        "reason": reason.value,
        "last_error": reason.label,
    }
