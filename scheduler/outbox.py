"""The deliveries table as a work queue: claim rows, load what to say, record what happened.

Claiming is one UPDATE … WHERE status='pending' … RETURNING (FOR UPDATE SKIP LOCKED on PostgreSQL), so two
processes never send the same row; a claim older than `stale_before` belongs to a process that died and is
taken back. A restart therefore loses nothing and repeats at most the messages that were in flight.

Two clocks, which are one in production and two when FAKE_NOW freezes the plan's clock (tests, sandbox):
* the plan's clock (`now`) says when a reminder is due: a fresh delivery is claimable once its
  `next_attempt_at` (the instant it was composed) has come;
* the lease clock (`lease_now`, real time) times what is about processes and the network: claims
  (`claimed_at`, staleness, renewal) and the wait before a retry — a Telegram outage or a dead process
  lasts real seconds whatever day the plan believes it is. A retried row (attempts > 0) keeps its
  `next_attempt_at` on this clock.

The text is rendered when the row is sent, not when it was composed: an item confirmed in between is left
out, and a copy whose items are all confirmed is not sent at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.i18n import Translator, translator
from bot.models import (
    Assignment,
    AssignmentState,
    Member,
    Membership,
    Milestone,
    Reminder,
    ReminderDelivery,
    ReminderDigest,
    Role,
    Unit,
)
from bot.plan_views import view_labels
from bot.progress import in_active_plan
from bot.settings import Settings
from bot.status import Deadline, effective_due_date
from bot.workdays import WorkingCalendar, load_calendar
from scheduler.compose import delivery_row, failure_row
from scheduler.delivery import Result, SendOutcome
from scheduler.notices import NoticeContext, Renderers, render_notice
from scheduler.recipients import supervisors_around
from scheduler.render import ItemView, RenderedMessage, render_blocked, render_escalation, render_reminder
from scheduler.rows import chunked
from scheduler.states import DeliveryStatus, DigestKind, FailureReason, ReminderStatus

# Delays before the next try of a message that kept failing within its claim (`RetryPolicy`: a few quick
# tries), by attempt number, then it is given up on. The first is short: a blip of a few seconds should cost
# seconds, not minutes. About ten hours in all: a Telegram outage of an afternoon loses nothing.
RETRY_DELAYS = tuple(timedelta(seconds=seconds) for seconds in (15, 60, 300, 900, 3600, 10800, 21600))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# The Core tables, for bulk statements; SQLModel sets `__table__` on the class without declaring it.
DELIVERY = ReminderDelivery.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared
REMINDER = Reminder.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared
DIGEST = ReminderDigest.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared
MEMBER = Member.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared
UNIT = Unit.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, ready to send (`message`) or to close without sending (`skip`)."""

    delivery_id: int
    digest_id: int
    member_id: int | None
    chat_id: int | None
    attempts: int
    message: RenderedMessage | None = None
    skip: DeliveryStatus | None = None
    skip_reason: FailureReason | None = None


async def claim_deliveries(
    session: AsyncSession,
    *,
    worker_id: str,
    now: datetime,
    stale_before: datetime,
    limit: int,
    lease_now: datetime | None = None,
    prompt_only: bool = False,
) -> list[int]:
    """Claims up to `limit` deliveries that are due, or whose claim went stale; returns their ids.

    `now` is the plan's clock (fresh rows); `lease_now` the real time of the claim (stamped in `claimed_at`,
    and the clock retries wait on), `now` when not given; `stale_before` is on the lease clock too.
    Prompt rows (bot/outbox.py: notices, urges, the weekly digest) come first, ahead of the morning's reminders;
    `prompt_only` (outside the reminder window) claims nothing else.
    """
    lease_now = now if lease_now is None else lease_now
    pending = DELIVERY.c.status == DeliveryStatus.pending.value
    stale = and_(DELIVERY.c.status == DeliveryStatus.sending.value, DELIVERY.c.claimed_at < stale_before)
    retry = and_(pending, DELIVERY.c.attempts > 0, DELIVERY.c.next_attempt_at <= lease_now)
    due = and_(pending, DELIVERY.c.attempts == 0, DELIVERY.c.next_attempt_at <= now)
    prompt = DELIVERY.c.prompt == true()  # `= true`, not `IS TRUE`: PostgreSQL's index takes only the first
    passes = [(and_(prompt, due), DELIVERY.c.next_attempt_at), (stale, DELIVERY.c.claimed_at),
              (retry, DELIVERY.c.next_attempt_at), (due, DELIVERY.c.next_attempt_at)]
    if prompt_only:
        passes = [(and_(prompt, condition), order) for condition, order in passes[1:]]
    claimed: list[int] = []
    for condition, order in passes:
        if len(claimed) >= limit:
            break
        ids = (
            select(DELIVERY.c.id)
            .where(condition)
            .order_by(order, DELIVERY.c.id)
            .limit(limit - len(claimed))
            .with_for_update(skip_locked=True)
        )
        result = await session.execute(
            update(DELIVERY)
            .where(DELIVERY.c.id.in_(ids))
            .values(
                status=DeliveryStatus.sending.value,
                claimed_by=worker_id,
                claimed_at=lease_now,
                attempts=DELIVERY.c.attempts + 1,
            )
            .returning(DELIVERY.c.id)
        )
        claimed.extend(result.scalars())
    return claimed


async def renew_claims(session: AsyncSession, *, worker_id: str, delivery_ids: list[int], lease_now: datetime) -> int:
    """Stamps this worker's claims on `delivery_ids` afresh (it is alive and still holds them); returns how many.

    A live process never loses a claim to the timeout, however long a message waits (a flood wait, a slow
    answer), so the timeout can be short and a dead process's rows come back soon. Rows locked meanwhile
    (their outcome is being written) are skipped, not waited for: no deadlock with the writer.
    """
    renewed = 0
    for chunk in chunked(sorted(delivery_ids)):
        held = (
            select(DELIVERY.c.id)
            .where(
                DELIVERY.c.id.in_(chunk),
                DELIVERY.c.claimed_by == worker_id,
                DELIVERY.c.status == DeliveryStatus.sending.value,
            )
            .with_for_update(skip_locked=True)
        )
        result = await session.execute(update(DELIVERY).where(DELIVERY.c.id.in_(held)).values(claimed_at=lease_now))
        renewed += result.rowcount  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
    return renewed


@dataclass(frozen=True)
class Views:
    """What every message of a round is rendered against: the plans' labels and the working calendar."""

    labels: dict[int, str]  # {} with one active plan: nothing extra is shown
    calendar: WorkingCalendar  # a due date on a day off is said to be one


async def load_views(session: AsyncSession) -> Views:
    return Views(labels=await view_labels(session=session), calendar=await load_calendar(session=session))


async def load_outgoing(
    session: AsyncSession, *, delivery_ids: list[int], now: datetime, settings: Settings,
    renderers: Renderers | None = None, views: Views | None = None,
) -> list[Outgoing]:
    """Renders each claimed delivery in its reader's language, from the plan as it stands now; a queued message
    (bot/outbox.py) by the renderer of its kind (`renderers`, scheduler.notices). `views`: read once per round by
    the dispatcher (read here without it)."""
    # Plain columns, not ORM objects: this runs for every message of a morning's wave.
    heads = (
        await session.execute(
            select(DELIVERY.c.id, DELIVERY.c.digest_id, DELIVERY.c.member_id, DELIVERY.c.chat_id,
                   DELIVERY.c.attempts, DIGEST.c.kind, DIGEST.c.unit_id, DIGEST.c.subject_member_id,
                   MEMBER.c.id.label("reader_id"), MEMBER.c.chat_id.label("reader_chat_id"),
                   MEMBER.c.active.label("reader_active"), MEMBER.c.language, UNIT.c.name.label("unit_name"))
            .join(DIGEST, DIGEST.c.id == DELIVERY.c.digest_id)
            .outerjoin(MEMBER, MEMBER.c.id == DELIVERY.c.member_id)
            .outerjoin(UNIT, UNIT.c.id == DIGEST.c.unit_id)
            .where(DELIVERY.c.id.in_(delivery_ids))
        )
    ).all()
    ladder = sorted({head.digest_id for head in heads if head.kind in _ITEM_KINDS})
    items = await _open_items(session, ladder, now, settings, views)
    names = {head.unit_id: head.unit_name or "" for head in heads}
    subjects = await _member_names(session, {head.subject_member_id for head in heads if head.subject_member_id})
    held = await _held_roles(session, {head.member_id for head in heads if head.member_id})
    # A queued message's renderer gets its row and its reader as objects (rare: notices, urges, weekly digests).
    notices = {head.digest_id for head in heads if head.kind not in _LADDER_KINDS}
    digests, readers = await _notice_rows(session, notices, {head.member_id for head in heads
                                                             if head.digest_id in notices and head.member_id})

    outgoing = []
    for head in heads:
        base = Outgoing(
            delivery_id=head.id,
            digest_id=head.digest_id,
            member_id=head.member_id,
            chat_id=head.reader_chat_id if head.reader_id is not None else head.chat_id,
            attempts=head.attempts,
        )
        if head.reader_id is None or not head.reader_active:
            outgoing.append(replace(base, skip=DeliveryStatus.failed, skip_reason=FailureReason.inactive))
            continue
        role = _AUDIENCE_ROLE.get(head.kind)
        if role is not None and (head.reader_id, head.unit_id, role) not in held:
            # Removed from the unit (/thanhvien) since this copy was composed: nothing more for them.
            outgoing.append(replace(base, skip=DeliveryStatus.cancelled))
            continue
        tr = translator(head.language)
        message: RenderedMessage | FailureReason | None
        if head.kind in _LADDER_KINDS:
            message = _render(head.kind, head.unit_id, head.subject_member_id, items.get(head.digest_id, []), names,
                              subjects, tr)
        else:
            context = NoticeContext(session=session, settings=settings, now=now, reader=readers[head.reader_id],
                                    tr=tr)
            message = await render_notice(context, digests[head.digest_id], renderers or {})
        if isinstance(message, FailureReason):
            outgoing.append(replace(base, skip=DeliveryStatus.failed, skip_reason=message))
        elif message is None:  # every item was confirmed since, or the notice is no longer true: nothing to say
            outgoing.append(replace(base, skip=DeliveryStatus.cancelled))
        else:
            outgoing.append(replace(base, message=message))
    return outgoing


async def _notice_rows(session: AsyncSession, digest_ids: set[int],
                       member_ids: set[int]) -> tuple[dict[int, ReminderDigest], dict[int, Member]]:
    if not digest_ids:
        return {}, {}
    digests = (await session.execute(select(ReminderDigest).where(col(ReminderDigest.id).in_(sorted(digest_ids)))))
    members = (await session.execute(select(Member).where(col(Member.id).in_(sorted(member_ids)))))
    return ({digest.id: digest for digest in digests.scalars() if digest.id is not None},
            {member.id: member for member in members.scalars() if member.id is not None})


def _render(
    kind: str,
    unit_id: int,
    subject_member_id: int | None,
    items: list[ItemView],
    names: dict[int, str],
    subjects: dict[int, str],
    tr: Translator,
) -> RenderedMessage | None:
    unit_name = names.get(unit_id, "")
    if kind == DigestKind.blocked:
        return render_blocked(member_name=subjects.get(subject_member_id or 0, ""), unit_name=unit_name, tr=tr)
    if not items:
        return None
    if kind == DigestKind.escalation:
        return render_escalation(parent_name=unit_name, items=items, tr=tr)
    return render_reminder(unit_name=unit_name, items=items, tr=tr)


async def _open_items(
    session: AsyncSession, digest_ids: list[int], now: datetime, settings: Settings, views: Views | None = None
) -> dict[int, list[ItemView]]:
    items: dict[int, list[ItemView]] = defaultdict(list)
    if not digest_ids:
        return items
    views = views or await load_views(session)
    for chunk in chunked(digest_ids):
        rows = await session.execute(
            select(col(Reminder.digest_id), col(Assignment.id), col(Milestone.code), col(Milestone.title),
                   col(Milestone.due_date), col(Milestone.due_time), col(Milestone.plan_id), col(Unit.name),
                   col(Assignment.due_date_override))
            .join(Assignment, col(Assignment.id) == Reminder.assignment_id)
            .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
            .join(Unit, col(Unit.id) == Assignment.unit_id)
            .where(
                col(Reminder.digest_id).in_(chunk),
                # Through these assignments' keys: SQLite, without statistics, would otherwise read every open
                # assignment for each batch (a national plan's 1.2 M) and look for its rows in the digests.
                col(Assignment.id).in_(select(col(Reminder.assignment_id)).where(col(Reminder.digest_id).in_(chunk))),
                col(Assignment.state) == AssignmentState.open,
                col(Assignment.active),
                col(Milestone.active),
                in_active_plan(),  # a plan closed since the digest was composed: its items are not sent
            )
            .order_by(col(Reminder.digest_id), effective_due_date(), col(Milestone.sort_order), col(Milestone.code))
        )
        for digest_id, assignment_id, code, title, milestone_due, due_time, plan_id, unit_name, override in rows:
            assert digest_id is not None and assignment_id is not None  # one of `chunk`; a primary key
            due_date = override or milestone_due  # an approved extension's date is the unit's deadline
            deadline = Deadline(due_date, due_time, settings.tz, settings.workday_end)
            items[digest_id].append(
                ItemView(
                    assignment_id=assignment_id,
                    code=code,
                    title=title,
                    unit_name=unit_name,
                    due_date=due_date,
                    due_time=due_time,
                    days_left=deadline.days_left(now),
                    plan=views.labels.get(plan_id, ""),
                    due_day_off=not views.calendar.is_working_day(due_date),
                )
            )
    return items


_AUDIENCE_ROLE = {DigestKind.reminder.value: Role.secretary, DigestKind.escalation.value: Role.supervisor}
_LADDER_KINDS = frozenset(kind.value for kind in DigestKind)  # the engine's own texts (scheduler/render.py)
_ITEM_KINDS = frozenset((DigestKind.reminder.value, DigestKind.escalation.value))  # those listing assignments


async def _held_roles(session: AsyncSession, member_ids: set[int]) -> set[tuple[int, int, Role]]:
    """(member, unit, role) of every membership these members hold now."""
    held: set[tuple[int, int, Role]] = set()
    for chunk in chunked(sorted(member_ids)):
        rows = await session.execute(select(col(Membership.member_id), col(Membership.unit_id), col(Membership.role))
                                     .where(col(Membership.member_id).in_(chunk)))
        held.update((member_id, unit_id, role) for member_id, unit_id, role in rows)
    return held


async def _member_names(session: AsyncSession, member_ids: set[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(col(Member.id), col(Member.full_name)).where(col(Member.id).in_(sorted(member_ids))))
    return {key: value for key, value in rows if key is not None}  # a primary key: never None


async def record_outcomes(
    session: AsyncSession,
    results: list[tuple[Outgoing, SendOutcome | None]],
    *,
    worker_id: str,
    now: datetime,
    lease_now: datetime | None = None,
) -> None:
    """Writes what became of each claimed delivery, and what follows from it (blocked, migrated, done).

    Only rows still claimed by this worker are written: a claim taken back by another process is its now.
    `now` (the plan's clock) stamps sends and failures; a retry is timed from `lease_now` (real time; `now`
    when not given).
    """
    retry_from = now if lease_now is None else lease_now
    await _update_many(
        session,
        DELIVERY,
        [
            (
                {"id": outgoing.delivery_id, "claimed_by": worker_id, "status": DeliveryStatus.sending.value},
                _delivery_values(outgoing, outcome, now, retry_from),
            )
            for outgoing, outcome in results
        ],
    )
    for outgoing, outcome in results:
        if outcome is None:
            continue
        if outcome.migrated_from is not None:
            await session.execute(
                update(Member).where(col(Member.chat_id) == outcome.migrated_from).values(chat_id=outcome.chat_id)
            )
        if outcome.reason is FailureReason.blocked and outgoing.member_id is not None:
            await _deactivate(session, member_id=outgoing.member_id, now=now)
    await _finish_digests(session, {outgoing.digest_id for outgoing, _outcome in results}, now=now)


async def _update_many(session: AsyncSession, table: Any, rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """UPDATE table SET values WHERE key columns match, one executemany per shape of row (fast under load)."""
    shapes: dict[tuple[tuple[str, ...], tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
    for where, values in rows:
        shape = (tuple(sorted(where)), tuple(sorted(values)))
        shapes[shape].append({**{f"w_{k}": v for k, v in where.items()}, **{f"v_{k}": v for k, v in values.items()}})
    for (where_keys, value_keys), params in shapes.items():
        statement = (
            update(table)
            .where(*(table.c[key] == bindparam(f"w_{key}") for key in where_keys))
            .values({key: bindparam(f"v_{key}") for key in value_keys})
        )
        await session.execute(statement, params)


def _delivery_values(
    outgoing: Outgoing, outcome: SendOutcome | None, now: datetime, retry_from: datetime
) -> dict[str, Any]:
    if outcome is None:  # closed without sending
        reason = outgoing.skip_reason.value if outgoing.skip_reason else None
        error = outgoing.skip_reason.label if outgoing.skip_reason else None
        status = (outgoing.skip or DeliveryStatus.cancelled).value
        return {"status": status, "reason": reason, "last_error": error, "finished_at": now}
    if outcome.result is Result.sent:
        return {
            "status": DeliveryStatus.sent.value,
            "sent_at": now,
            "finished_at": now,
            "chat_id": outcome.chat_id,
            "message_id": outcome.message_id,
            "last_error": None,
        }
    if outcome.result is Result.retry and outgoing.attempts < MAX_ATTEMPTS:
        delay = RETRY_DELAYS[min(outgoing.attempts, len(RETRY_DELAYS)) - 1]
        delay = max(delay, timedelta(seconds=outcome.retry_after or 0))
        return {
            "status": DeliveryStatus.pending.value,
            "next_attempt_at": retry_from + delay,
            "chat_id": outcome.chat_id,
            "last_error": outcome.error,
        }
    reason = outcome.reason or FailureReason.retries_exhausted
    return {
        "status": DeliveryStatus.failed.value,
        "chat_id": outcome.chat_id,
        "reason": reason.value,
        "last_error": outcome.error,
        "finished_at": now,
    }


async def _deactivate(session: AsyncSession, *, member_id: int, now: datetime) -> None:
    """Marks a member who blocked the bot inactive, and tells the supervisors of each of their units once."""
    changed = await session.execute(
        update(Member).where(col(Member.id) == member_id, col(Member.active)).values(active=False))
    if not changed.rowcount:  # type: ignore[attr-defined]  # an UPDATE's Result is a CursorResult
        return  # already known: told once
    unit_ids = (
        await session.execute(select(col(Membership.unit_id)).where(col(Membership.member_id) == member_id).distinct())
    ).scalars()
    for unit_id in sorted(unit_ids):
        digest = ReminderDigest(
            kind=DigestKind.blocked.value, unit_id=unit_id, subject_member_id=member_id, created_at=now
        )
        session.add(digest)
        await session.flush()
        assert digest.id is not None
        supervisors = await supervisors_around(session, unit_id=unit_id, exclude_member_id=member_id)
        rows = [delivery_row(digest.id, recipient, now=now) for recipient in supervisors]
        await session.execute(
            insert(ReminderDelivery), rows or [failure_row(digest.id, FailureReason.no_recipient, now=now)]
        )


async def _finish_digests(session: AsyncSession, digest_ids: set[int], *, now: datetime) -> None:
    """Once every copy of a digest is settled, its reminder rows say sent (with the first copy) or failed."""
    for chunk in chunked(sorted(digest_ids)):
        rows = await session.execute(
            select(DELIVERY.c.digest_id, DELIVERY.c.id, DELIVERY.c.status, DELIVERY.c.sent_at, DELIVERY.c.chat_id,
                   DELIVERY.c.message_id, DELIVERY.c.attempts, DELIVERY.c.reason)
            .where(DELIVERY.c.digest_id.in_(chunk))
        )
        by_digest: dict[int, list[Any]] = defaultdict(list)
        for copy in rows:
            by_digest[copy.digest_id].append(copy)
        updates = []
        for digest_id, copies in by_digest.items():
            values = _reminder_values(copies)
            if values is not None:
                updates.append(({"digest_id": digest_id, "status": ReminderStatus.queued.value}, values))
        await _update_many(session, REMINDER, updates)


_UNSETTLED = frozenset((DeliveryStatus.pending.value, DeliveryStatus.sending.value))


def _reminder_values(copies: list[Any]) -> dict[str, Any] | None:
    """What a digest's reminder rows say once its copies (rows of reminder_delivery's columns) are settled."""
    if any(copy.status in _UNSETTLED for copy in copies):
        return None
    sent = [copy for copy in copies if copy.status == DeliveryStatus.sent.value]
    if sent:
        first = min(sent, key=lambda copy: (copy.sent_at, copy.id))
        return {
            "status": ReminderStatus.sent.value,
            "sent_at": first.sent_at,
            "chat_id": first.chat_id,
            "message_id": first.message_id,
            "attempts": max(copy.attempts for copy in copies),
        }
    failed = [copy for copy in copies if copy.status == DeliveryStatus.failed.value]
    if failed:
        reasons = sorted({copy.reason or "" for copy in failed})
        return {"status": ReminderStatus.failed.value, "last_error": ", ".join(reasons)}
    return {"status": ReminderStatus.cancelled.value, "last_error": "confirmed before sending"}


async def pending_work_at(session: AsyncSession) -> datetime | None:
    """The earliest instant a pending reminder or delivery is due (possibly in the past).

    Stale claims are not counted: the every-minute sweep takes them back. A retry's instant is on the lease
    clock (real time), which is the plan's clock in production.
    """
    reminder = (
        await session.execute(
            select(func.min(col(Reminder.fire_at))).where(col(Reminder.status) == ReminderStatus.pending.value))
    ).scalar()
    delivery = (
        await session.execute(
            select(func.min(ReminderDelivery.next_attempt_at)).where(
                col(ReminderDelivery.status) == DeliveryStatus.pending.value
            )
        )
    ).scalar()
    candidates = [instant for instant in (reminder, delivery) if instant is not None]
    return min(candidates) if candidates else None


async def prompt_work_at(session: AsyncSession) -> datetime | None:
    """The earliest instant a pending prompt delivery (bot/outbox.py) is due: it goes at any hour."""
    return (await session.execute(
        select(func.min(DELIVERY.c.next_attempt_at))
        .where(DELIVERY.c.prompt == true(), DELIVERY.c.status == DeliveryStatus.pending.value))).scalar()
