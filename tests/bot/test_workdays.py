"""The working calendar pinned at its edges, with the dates written out by hand.

Public holidays are the Labor Code 2019 (art. 112) days as the `holidays` package computes them. For Tết 2027
(Tết Đinh Mùi, mùng 1 = Saturday 06/02/2027) no government announcement was known when this was written: the
days below are the package's — 29 Tết to mùng 4 plus the days in lieu of the two weekend days. If the official
announcement differs, it is declared (`nhacviec calendar add`), and these tests still hold for the package.
The declared days used here are fixtures written out in this file, not official decisions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import CalendarDay, Event
from bot.workdays import (
    DeclaredDay,
    WorkingCalendar,
    declare_days,
    default_calendar,
    load_calendar,
    remove_declared_day,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 10, 9, 0, tzinfo=VN)

TET_2027 = [date(2027, 2, 4), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
            date(2027, 2, 9), date(2027, 2, 10)]  # Thursday 29 Tết … Wednesday (in lieu of mùng 2, a Sunday)
# Fixtures, not official decisions: Thursday 15/04/2027 (the eve of Giỗ Tổ) off, Saturday 24/04/2027 worked for it.
EXTRA_DAY_OFF = DeclaredDay(date(2027, 4, 15), working=False, note="Nghỉ thêm (ví dụ trong test)")
MAKE_UP_SATURDAY = DeclaredDay(date(2027, 4, 24), working=True, note="Làm bù cho 15/4 (ví dụ trong test)")


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_tet_2027_is_off_from_29_tet_to_the_wednesday_after() -> None:
    calendar = default_calendar()
    assert [day for day in days(date(2027, 1, 28), date(2027, 2, 16)) if not calendar.is_working_day(day)] == [
        date(2027, 1, 30), date(2027, 1, 31), *TET_2027, date(2027, 2, 13), date(2027, 2, 14)]
    assert calendar.reason(date(2027, 2, 6)) == "Tết Nguyên Đán"
    assert calendar.reason(date(2027, 2, 4)) == "29 Tết"
    assert calendar.previous_working_day(date(2027, 2, 11)) == date(2027, 2, 3)  # Wednesday before 29 Tết
    assert calendar.next_working_day(date(2027, 2, 3)) == date(2027, 2, 11)  # back on Thursday
    assert calendar.working_day_on_or_after(date(2027, 2, 6)) == date(2027, 2, 11)
    assert calendar.working_day_on_or_before(date(2027, 2, 10)) == date(2027, 2, 3)
    assert calendar.last_working_day_of_month(2027, 2) == date(2027, 2, 26)


def test_30_4_1_5_and_2_9_of_2027() -> None:
    calendar = default_calendar()
    # Friday 30/4 and Saturday 1/5, with Monday 3/5 in lieu of the Saturday.
    assert [day for day in days(date(2027, 4, 29), date(2027, 5, 4)) if not calendar.is_working_day(day)] == [
        date(2027, 4, 30), date(2027, 5, 1), date(2027, 5, 2), date(2027, 5, 3)]
    assert calendar.reason(date(2027, 5, 3)) == "Ngày Quốc tế Lao động (nghỉ bù)"
    assert calendar.last_working_day_of_month(2027, 4) == date(2027, 4, 29)
    # Quốc khánh: Thursday 2/9 and Friday 3/9.
    assert [day for day in days(date(2027, 9, 1), date(2027, 9, 6)) if not calendar.is_working_day(day)] == [
        date(2027, 9, 2), date(2027, 9, 3), date(2027, 9, 4), date(2027, 9, 5)]
    assert calendar.next_working_day(date(2027, 9, 1)) == date(2027, 9, 6)


def test_a_swap_the_package_knows_is_kept() -> None:
    # 2019: Monday 29/04 off, Saturday 04/05 worked in exchange (the 2019 announcement, listed by the package).
    calendar = default_calendar()
    assert not calendar.is_working_day(date(2019, 4, 29))
    assert calendar.is_working_day(date(2019, 5, 4)) and calendar.reason(date(2019, 5, 4)) is None
    assert calendar.next_working_day(date(2019, 5, 3)) == date(2019, 5, 4)


def test_weekends_and_a_sunday_due_date() -> None:
    calendar = default_calendar()
    sunday = date(2027, 3, 14)
    assert not calendar.is_working_day(sunday) and calendar.reason(sunday) == "Chủ nhật"
    assert calendar.reason(date(2027, 3, 13)) == "Thứ Bảy"
    assert calendar.working_day_on_or_before(sunday) == date(2027, 3, 12)
    assert calendar.next_working_day(sunday) == date(2027, 3, 15)
    # A year the package does not compute: weekends only, never an error.
    assert calendar.is_working_day(date(2101, 1, 3)) and not calendar.is_working_day(date(2101, 1, 2))


def test_declared_days_win_over_weekdays_and_the_package() -> None:
    calendar = WorkingCalendar([EXTRA_DAY_OFF, MAKE_UP_SATURDAY])
    assert not calendar.is_working_day(date(2027, 4, 15))
    assert calendar.reason(date(2027, 4, 15)) == "Nghỉ thêm (ví dụ trong test)"
    assert calendar.is_working_day(date(2027, 4, 24))  # a Saturday
    assert calendar.next_working_day(date(2027, 4, 23)) == date(2027, 4, 24)
    assert calendar.previous_working_day(date(2027, 4, 19)) == date(2027, 4, 14)  # over 15/4, Giỗ Tổ and a weekend
    # A declared working day may also be a holiday the government moved.
    moved = WorkingCalendar([DeclaredDay(date(2027, 5, 3), working=True)])
    assert moved.is_working_day(date(2027, 5, 3))
    assert default_calendar().is_working_day(date(2027, 4, 15))  # the default calendar knows no declaration
    special = {entry.day: entry for entry in calendar.special_days(2027)}
    assert special[date(2027, 4, 24)].working and special[date(2027, 4, 24)].declared
    assert not special[date(2027, 2, 6)].working and not special[date(2027, 2, 6)].declared
    assert calendar.working_days_in(2027) == default_calendar().working_days_in(2027)  # one off, one on


async def test_declared_days_are_stored_loaded_and_removed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(session_factory) as session:
        changes = await declare_days(session, [EXTRA_DAY_OFF, MAKE_UP_SATURDAY], now=NOW)
        assert [change.outcome for change in changes] == ["added", "added"]
    async with session_scope(session_factory) as session:
        calendar = await load_calendar(session=session)
        assert not calendar.is_working_day(date(2027, 4, 15)) and calendar.is_working_day(date(2027, 4, 24))
        again = await declare_days(session, [EXTRA_DAY_OFF, DeclaredDay(date(2027, 4, 24), working=False)], now=NOW)
        assert [change.outcome for change in again] == ["unchanged", "changed"]
    async with session_scope(session_factory) as session:
        assert not (await load_calendar(session=session)).is_working_day(date(2027, 4, 24))
        removed = await remove_declared_day(session, date(2027, 4, 15), now=NOW)
        assert removed == EXTRA_DAY_OFF
        assert await remove_declared_day(session, date(2027, 4, 15), now=NOW) is None
    async with session_factory() as session:
        calendar = await load_calendar(session=session)
        assert calendar.is_working_day(date(2027, 4, 15))
        assert [row.day for row in (await session.execute(select(CalendarDay))).scalars()] == [date(2027, 4, 24)]
        logged = (await session.execute(select(Event.details).where(Event.kind == "calendar"))).scalars().all()
        assert len(logged) == 4 and '"action": "removed"' in logged[-1]


@pytest.mark.parametrize("year", [2019, 2020, 2024, 2025, 2026, 2027])
def test_every_year_has_a_plausible_number_of_working_days(year: int) -> None:
    # About 52 weeks × 5 days less 11 holidays (12 from 2026): a broken table (weekends working, holidays lost,
    # the year cached for another) lands far outside.
    assert 240 <= default_calendar().working_days_in(year) <= 252
