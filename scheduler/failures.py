"""Sends that failed for good, for the admins (`/loi` in the bot, and the CLI): nothing fails silently.

A failure is a ReminderDelivery row with status 'failed': who it was for, which unit and items, why — a reminder,
or any other message the bot sent on its own (a weekly digest, an urge, a notice: bot/outbox.py), named as such.
Units nobody has joined yet fail every morning ("no_recipient"); at national scale there are thousands, so
`/loi` lists the other failures one by one and counts those units apart (`unreached_units`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.i18n import Translator
from bot.models import Assignment, Member, Milestone, Reminder, ReminderDelivery, ReminderDigest, Unit
from scheduler.rows import chunked
from scheduler.states import DeliveryStatus, FailureReason, kind_label


@dataclass(frozen=True)
class Failure:
    delivery_id: int
    failed_at: datetime
    kind: str  # a DigestKind or a MessageKind value
    unit_code: str
    unit_name: str
    member_name: str | None  # None: there was nobody to send to
    chat_id: int | None
    reason: FailureReason | None
    error: str | None
    milestone_codes: tuple[str, ...]


UNREACHED_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Unreached:
    """Units whose reminders found nobody to send to: how many, and the first ones (codes, and names to show)."""

    count: int
    codes: tuple[str, ...]
    names: tuple[str, ...] = ()


async def list_failures(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    unit_path: str | None = None,
    limit: int = 50,
    with_unreached: bool = True,
) -> list[Failure]:
    """The latest permanent failures, newest first; `unit_path` keeps one subtree (a Unit.path prefix);
    without `with_unreached`, not the failures for lack of a recipient."""
    query = (
        select(ReminderDelivery, col(ReminderDigest.kind), col(Unit.code), col(Unit.name), col(Member.full_name))
        .join(ReminderDigest, col(ReminderDigest.id) == ReminderDelivery.digest_id)
        .join(Unit, col(Unit.id) == ReminderDigest.unit_id)
        .outerjoin(Member, col(Member.id) == ReminderDelivery.member_id)
        .where(col(ReminderDelivery.status) == DeliveryStatus.failed.value)
        .order_by(col(ReminderDelivery.finished_at).desc(), col(ReminderDelivery.id).desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(col(ReminderDelivery.finished_at) >= since)
    if unit_path is not None:
        query = query.where(col(Unit.path).startswith(unit_path, autoescape=True))
    if not with_unreached:
        query = query.where(col(ReminderDelivery.reason).is_distinct_from(FailureReason.no_recipient.value))
    rows = (await session.execute(query)).all()
    digest_ids = {delivery.digest_id for delivery, *_rest in rows}
    codes = await _milestone_codes(session, digest_ids, _DIGEST_ITEMS)
    codes.update(await _milestone_codes(session, digest_ids - set(codes), _NOTICE_SUBJECT))
    failures = []
    for delivery, kind, unit_code, unit_name, member_name in rows:
        assert delivery.id is not None  # read from the table
        failures.append(Failure(
            delivery_id=delivery.id,
            failed_at=delivery.finished_at or delivery.created_at,
            kind=kind,
            unit_code=unit_code,
            unit_name=unit_name,
            member_name=member_name,
            chat_id=delivery.chat_id,
            reason=FailureReason(delivery.reason) if delivery.reason in FailureReason._value2member_map_ else None,
            error=delivery.last_error,
            milestone_codes=codes.get(delivery.digest_id, ()),
        ))
    return failures


async def unreached_units(session: AsyncSession, *, now: datetime, window: timedelta = UNREACHED_WINDOW,
                          sample: int = 10) -> Unreached:
    """Units with a reminder that found nobody to send to within `window` before `now` (a unit that has been
    joined since drops out once its last failure is older)."""
    since = now - window
    unreached = (
        select(col(Unit.code), col(Unit.name), col(Unit.short_name))
        .join(ReminderDigest, col(ReminderDigest.unit_id) == Unit.id)
        .join(ReminderDelivery, col(ReminderDelivery.digest_id) == ReminderDigest.id)
        .where(col(ReminderDelivery.status) == DeliveryStatus.failed.value,
               col(ReminderDelivery.reason) == FailureReason.no_recipient.value,
               col(ReminderDelivery.finished_at) >= since)
        .distinct()
    )
    count = await session.scalar(select(func.count()).select_from(unreached.subquery()))
    first = (await session.execute(unreached.order_by(Unit.code).limit(sample))).all()
    return Unreached(count=int(count or 0), codes=tuple(row.code for row in first),
                     names=tuple(row.short_name or row.name for row in first))


# How a queued message is tied to its items: a reminder digest lists its reminders' assignments; a notice or an
# urge is about its own one assignment.
_DIGEST_ITEMS = (col(Reminder.digest_id), col(Reminder.assignment_id))
_NOTICE_SUBJECT = (col(ReminderDigest.id), col(ReminderDigest.assignment_id))


async def _milestone_codes(session: AsyncSession, digest_ids: set[int],
                           link: tuple[Any, Any]) -> dict[int, tuple[str, ...]]:
    """The codes of the milestones each message is about, through `link` (digest id, assignment id)."""
    digest_id_of, assignment_id_of = link
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in chunked(sorted(digest_ids)):
        rows = await session.execute(
            select(digest_id_of, col(Milestone.code))
            .join(Assignment, col(Assignment.id) == assignment_id_of)
            .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
            .where(digest_id_of.in_(chunk))
            .order_by(digest_id_of, col(Milestone.code))
        )
        for digest_id, code in rows:
            assert digest_id is not None  # one of `chunk`
            if code not in found[digest_id]:
                found[digest_id].append(code)
    return {digest_id: tuple(codes) for digest_id, codes in found.items()}


def render_failures(failures: Sequence[Failure], *, tr: Translator, tz: ZoneInfo,
                    unreached: Unreached | None = None) -> str:
    """Plain text, one failure per line, for `/loi` and the CLI; then the units nobody has joined, counted."""
    lines = [tr.gettext("Failed sends (newest first):") if failures else tr.gettext("No failed sends.")]
    for failure in failures:
        who = failure.member_name or tr.gettext("nobody")
        why = tr.gettext(failure.reason.label) if failure.reason else (failure.error or "?")
        items = f" [{', '.join(failure.milestone_codes)}]" if failure.milestone_codes else ""
        unit = f"{failure.unit_name} ({failure.unit_code})"  # names first; the code is what /moi takes
        label = kind_label(failure.kind)  # a reminder needs no word; a digest, an urge or a notice is named
        what = f"{tr.gettext(label)}: " if label else ""
        lines.append(f"• {tr.datetime(failure.failed_at, tz)} — {what}{unit}{items} → {who}: {why}")
    if unreached is not None and unreached.count:
        more = unreached.count - len(unreached.codes)
        pairs = zip(unreached.names, unreached.codes, strict=False)  # names may be missing: the codes then
        named = [f"{name} ({code})" for name, code in pairs] or unreached.codes
        codes = ", ".join(named) + (tr.gettext(" and {count} more").format(count=more) if more else "")
        lines.append(tr.ngettext("Nobody to send to in {count} unit: {codes}. Invite its secretary with /moi.",
                                 "Nobody to send to in {count} units: {codes}. Invite their secretaries with /moi.",
                                 unreached.count).format(count=tr.number(unreached.count), codes=codes))
    return "\n".join(lines)
