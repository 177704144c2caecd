"""The weekly digest: every supervisor gets their subtree's progress on Monday morning (07:30 local).

On a day off (bot/workdays.py) nothing goes out: a holiday Monday moves the digest to the week's first working
day (Tuesday after a Monday in lieu, Thursday after Tết 2027); a week with no working day at all has none.

The database decides, not the scheduler: the engine's sweep (every minute) queues the digests due this week in
the outbox (bot/outbox.py), one per supervisor and week — its key is unique, so a restart, a second sweep or a
second process never queues a second copy — with an Event(kind="digest") each; the engine sends them, retries
them and lists in /loi one that failed for good, so a digest is neither lost nor sent twice. A bot that was down at
07:30 queues them later that day, but never outside that day's window nor in the quiet hours; the text is written
when it is sent, from the progress as it stands then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.db import serialize
from bot.models import Event, Member, Membership, Role, Unit
from bot.outbox import Message, MessageKind, queue_messages
from bot.timeutil import local_datetime
from bot.workdays import WorkingCalendar, default_calendar, load_calendar

DIGEST_TIME = time(7, 30)


@dataclass
class DigestDue:
    member: Member
    roots: list[Unit] = field(default_factory=list)


def digest_week(now: datetime, tz: ZoneInfo, quiet_from: time, calendar: WorkingCalendar | None = None) -> date | None:
    """This week's Monday when `now` is inside the sending window (07:30 until the quiet hours) of the week's
    first working day, else None."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    first = (calendar or default_calendar()).working_day_on_or_after(monday)
    if local.date() == first and DIGEST_TIME <= local.time() < quiet_from:
        return monday
    return None


async def already_sent(*, session: AsyncSession, monday: date, tz: ZoneInfo) -> set[int]:
    since = local_datetime(monday, time(0), tz)
    statement = select(Event.details).where(Event.kind == "digest", col(Event.at) >= since,
                                            col(Event.at) < since + timedelta(days=7))
    sent: set[int] = set()
    for details in (await session.execute(statement)).scalars().all():
        try:
            sent.add(int(json.loads(details or "{}")["member_id"]))
        except (KeyError, TypeError, ValueError):
            continue
    return sent


def weekly_key(member_id: int, monday: date) -> str:
    """The outbox key of a supervisor's digest of one week: at most one is ever queued."""
    return f"weekly:{member_id}:{monday.isoformat()}"


async def queue_weekly_digests(*, session: AsyncSession, now: datetime, tz: ZoneInfo, quiet_from: time,
                               calendar: WorkingCalendar | None = None) -> list[DigestDue]:
    """Queues the digests due now and not queued yet this week (bot/outbox.py), each logged as an Event(kind=
    "digest"); returns them. The caller commits; the engine sends them."""
    monday = digest_week(now, tz, quiet_from, calendar or await load_calendar(session=session))
    if monday is None:
        return []
    await serialize(session, "weekly-digest")
    statement = (select(Member, Unit)
                 .join(Membership, col(Membership.member_id) == Member.id)
                 .join(Unit, col(Unit.id) == Membership.unit_id)
                 .where(Membership.role == Role.supervisor, col(Member.active).is_(True), col(Unit.active).is_(True))
                 .order_by(col(Member.id), col(Unit.depth), col(Unit.code)))
    due: dict[int, DigestDue] = {}
    for member, unit in (await session.execute(statement)).all():
        assert member.id is not None  # read from the table
        entry = due.setdefault(member.id, DigestDue(member=member))
        if not any(unit.path.startswith(root.path) for root in entry.roots):  # a subtree already covered
            entry.roots.append(unit)
    sent = await already_sent(session=session, monday=monday, tz=tz)
    waiting = [entry for member_id, entry in due.items() if member_id not in sent]
    ids = await queue_messages(session, [_weekly_message(entry, monday) for entry in waiting], now=now)
    queued = [entry for entry, message_id in zip(waiting, ids, strict=True) if message_id is not None]
    for entry in queued:
        session.add(Event(at=now, kind="digest", actor_label="weekly digest", unit_id=entry.roots[0].id,
                          details=json.dumps({"member_id": entry.member.id, "week": monday.isoformat(),
                                              "units": [root.code for root in entry.roots]})))
    await session.flush()
    return queued


def _weekly_message(entry: DigestDue, monday: date) -> Message:
    """A supervisor's digest of the week, filed under their first unit (where /loi shows a failure)."""
    unit_id, member_id = entry.roots[0].id, entry.member.id
    assert unit_id is not None and member_id is not None  # read from their tables
    return Message(kind=MessageKind.weekly, unit_id=unit_id, recipients=[entry.member],
                   params={"week": monday.isoformat(), "roots": [root.id for root in entry.roots]},
                   once_key=weekly_key(member_id, monday))
