"""The weekly digest: every supervisor gets their subtree's progress on Monday morning (07:30 local).

On a day off (bot/workdays.py) nothing goes out: a holiday Monday moves the digest to the week's first working
day (Tuesday after a Monday in lieu, Thursday after Tết 2027); a week with no working day at all has none.

The database decides, not the scheduler: a sweep (every few minutes) claims the digests due this week that
have no "digest" event yet, logs the event, and only then is anything sent — so a restart, a second sweep or a
second process does not send a second copy (one transaction claims; SQLite serialises writers). A bot that was
down at 07:30 catches up later that day, but never outside that day's window nor in the quiet hours.
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


async def claim_digests(*, session: AsyncSession, now: datetime, tz: ZoneInfo, quiet_from: time) -> list[DigestDue]:
    """The digests to send now, each logged as an Event(kind="digest"); the caller commits, then sends."""
    monday = digest_week(now, tz, quiet_from, await load_calendar(session=session))
    if monday is None:
        return []
    await serialize(session, "weekly-digest")
    statement = (select(Member, Unit)
                 .join(Membership, col(Membership.member_id) == Member.id)
                 .join(Unit, col(Unit.id) == Membership.unit_id)
                 .where(Membership.role == Role.supervisor, col(Member.active).is_(True), col(Unit.active).is_(True))
                 .order_by(Member.id, Unit.depth, Unit.code))
    due: dict[int, DigestDue] = {}
    for member, unit in (await session.execute(statement)).all():
        entry = due.setdefault(member.id, DigestDue(member=member))
        if not any(unit.path.startswith(root.path) for root in entry.roots):  # a subtree already covered
            entry.roots.append(unit)
    sent = await already_sent(session=session, monday=monday, tz=tz)
    claimed = [entry for member_id, entry in due.items() if member_id not in sent]
    for entry in claimed:
        session.add(Event(at=now, kind="digest", actor_label="weekly digest", unit_id=entry.roots[0].id,
                          details=json.dumps({"member_id": entry.member.id, "week": monday.isoformat(),
                                              "units": [root.code for root in entry.roots]})))
    await session.flush()
    return claimed
