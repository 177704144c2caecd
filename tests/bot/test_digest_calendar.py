"""The weekly digest on the working calendar: a holiday Monday moves it to the week's first working day; a week
with no working day has none. The declared day off is a fixture of this file, not an official decision."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.db import session_scope
from bot.digest import digest_week, queue_weekly_digests
from bot.models import Role
from bot.workdays import DeclaredDay, declare_days
from tests.bot.services_fixtures import import_sample, member_with
from tests.conftest import VN

QUIET = time(21, 0)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=VN)


def test_a_holiday_monday_moves_the_digest_to_the_next_working_day() -> None:
    # Tết 2027: Monday 08/02 to Wednesday 10/02 are days off; the week's digest goes out on Thursday 11/02.
    for day in (date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 12)):
        assert digest_week(at(day), VN, QUIET) is None, day
    assert digest_week(at(date(2027, 2, 11)), VN, QUIET) == date(2027, 2, 8)
    assert digest_week(datetime(2027, 2, 11, 7, 29, tzinfo=VN), VN, QUIET) is None
    # Monday 03/05/2027, in lieu of 1/5: Tuesday.
    assert digest_week(at(date(2027, 5, 3)), VN, QUIET) is None
    assert digest_week(at(date(2027, 5, 4)), VN, QUIET) == date(2027, 5, 3)
    # Tết 2026 took Monday 16/02 to Friday 20/02: no digest that week; the next one on Monday 23/02.
    for day in (date(2026, 2, 16), date(2026, 2, 20), date(2026, 2, 21)):
        assert digest_week(at(day), VN, QUIET) is None, day
    assert digest_week(at(date(2026, 2, 23)), VN, QUIET) == date(2026, 2, 23)


async def test_a_declared_day_off_holds_the_digest(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    monday, tuesday = date(2027, 6, 7), date(2027, 6, 8)
    async with session_scope(session_factory) as session:
        await import_sample(session, clock.now())
        await member_with(session, 2001, at(monday), ("TU", Role.supervisor))
        await declare_days(session, [DeclaredDay(monday, working=False, note="Nghỉ (ví dụ trong test)")],
                           now=at(monday, 7))
    async with session_scope(session_factory) as session:
        assert await queue_weekly_digests(session=session, now=at(monday), tz=VN, quiet_from=QUIET) == []
        (due,) = await queue_weekly_digests(session=session, now=at(tuesday), tz=VN, quiet_from=QUIET)
        assert due.member.telegram_user_id == 2001
        assert await queue_weekly_digests(session=session, now=at(tuesday, 15), tz=VN, quiet_from=QUIET) == []
