"""The weekly digest: Monday's window, one per supervisor per week (from the event log), nested roots folded."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.digest import digest_week, queue_weekly_digests
from bot.models import Event, Role
from tests.bot.services_fixtures import import_sample, member_with
from tests.conftest import VN

MONDAY = datetime(2020, 5, 11, 7, 30, tzinfo=VN)
QUIET = time(21, 0)


def test_window_is_monday_from_0730_until_quiet_hours() -> None:
    assert digest_week(MONDAY, VN, QUIET) == MONDAY.date()
    assert digest_week(MONDAY - timedelta(minutes=1), VN, QUIET) is None
    assert digest_week(MONDAY.replace(hour=20, minute=59), VN, QUIET) == MONDAY.date()
    assert digest_week(MONDAY.replace(hour=21), VN, QUIET) is None
    assert digest_week(MONDAY + timedelta(days=1), VN, QUIET) is None  # Tuesday
    # 00:30 UTC on Monday is 07:30 in Hà Nội.
    assert digest_week(datetime(2020, 5, 11, 0, 30, tzinfo=ZoneInfo("UTC")), VN, QUIET) == MONDAY.date()


async def test_one_digest_per_supervisor_per_week(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await import_sample(session, clock.now())
        boss = await member_with(session, 2001, MONDAY, ("TU", Role.supervisor), ("HU-DIENBIEN", Role.supervisor))
        district = await member_with(session, 2002, MONDAY, ("HU-TUANGIAO", Role.supervisor))
        await member_with(session, 3001, MONDAY, ("HU-DIENBIEN", Role.secretary))  # secretaries get none

        early = MONDAY - timedelta(minutes=5)
        assert await queue_weekly_digests(session=session, now=early, tz=VN, quiet_from=QUIET) == []
        first = await queue_weekly_digests(session=session, now=MONDAY, tz=VN, quiet_from=QUIET)
        assert {d.member.telegram_user_id: [u.code for u in d.roots] for d in first} == {
            2001: ["TU"], 2002: ["HU-TUANGIAO"]}  # HU-DIENBIEN lies inside TU: not twice
        later = MONDAY + timedelta(hours=3)
        assert await queue_weekly_digests(session=session, now=later, tz=VN, quiet_from=QUIET) == []
        events = (await session.execute(select(Event).where(Event.kind == "digest"))).scalars().all()
        assert len(events) == 2
        next_week = await queue_weekly_digests(session=session, now=MONDAY + timedelta(days=7), tz=VN, quiet_from=QUIET)
        assert sorted(d.member.id for d in next_week) == sorted([boss.member.id, district.member.id])  # type: ignore[union-attr]
