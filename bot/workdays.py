"""The working calendar of Vietnam: the one place that says whether a day is a working day.

A day is off when it is a Saturday or a Sunday, a public holiday of the `holidays` package (VN: Tết Dương lịch,
Tết Nguyên Đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9, … with their days in lieu and the past swaps the package
already lists, such as 29/4/2019 off for Saturday 4/5/2019 worked), or a day the government declared off for
that year. A Saturday the package or a declaration makes a working day ("làm bù") is a working day. What admins
declare (`calendar_day` rows: `nhacviec calendar add|remove|import`) wins over the package.

Reminders, overdue repeats, escalations and the weekly digest ask this module, never `weekday()`. A calendar is
loaded once per planning run or sweep (`load_calendar`) and passed down; each year is worked out once, on first
use, into a dictionary of its days off, so every question after that is a lookup.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

ONE_DAY = timedelta(days=1)
WEEKEND = {5: "Thứ Bảy", 6: "Chủ nhật"}  # weekday() → how views name a weekend day off
# Names are Vietnamese, like the package's holiday names: calendar data shown as it is, not interface text.
DECLARED_OFF = "Ngày nghỉ theo thông báo"  # a declared day off without a note
WORKED = "Ngày làm bù"  # a weekend day worked in exchange, without a note
# A run of days off longer than this means a broken calendar (every day declared off), not a holiday.
MAX_DAYS_OFF_IN_A_ROW = 60


@dataclass(frozen=True)
class DeclaredDay:
    """A day the government declared for a year: off (`working=False`) or worked (`working=True`)."""

    day: date
    working: bool
    note: str | None = None


@dataclass(frozen=True)
class SpecialDay:
    """A day that is not what its weekday says, or a public holiday: for `nhacviec calendar list`."""

    day: date
    working: bool
    reason: str
    declared: bool  # from an admin's declaration, not from the `holidays` package


@lru_cache(maxsize=256)
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """The `holidays` package's public holidays of one year (Vietnamese names), and the weekend days it lists as
    worked in exchange. A year the package cannot compute (outside 1990..2100 or so) has none: weekends only."""
    import holidays

    try:
        days = holidays.country_holidays("VN", years=year, language="vi")
    except (NotImplementedError, ValueError, KeyError, OverflowError):
        return {}, frozenset()
    named = {day: name for day, name in days.items() if day.year == year}
    # The package keeps the swaps of other years in the same set (a swap may cross New Year): this year's only.
    worked = frozenset(day for day in getattr(days, "weekend_workdays", ()) if day.year == year)
    return named, worked


class WorkingCalendar:
    """Working days and days off; immutable once made (its per-year tables are filled on first use)."""

    def __init__(self, declared: Iterable[DeclaredDay] = ()) -> None:
        self._declared: dict[date, DeclaredDay] = {entry.day: entry for entry in declared}
        self._years: dict[int, dict[date, str]] = {}

    @property
    def declared(self) -> tuple[DeclaredDay, ...]:
        return tuple(sorted(self._declared.values(), key=lambda entry: entry.day))

    def _days_off(self, year: int) -> dict[date, str]:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._build_year(year)
        return table

    def _build_year(self, year: int) -> dict[date, str]:
        holidays, worked = _package_year(year)
        off: dict[date, str] = {}
        first = date(year, 1, 1).toordinal()
        for ordinal in range(first, first + (366 if month_calendar.isleap(year) else 365)):
            day = date.fromordinal(ordinal)  # by ordinal: 31/12/9999 has no day after it to step to
            if day.weekday() in WEEKEND and day not in worked:
                off[day] = WEEKEND[day.weekday()]
        off.update(holidays)  # a holiday's name over "Thứ Bảy"
        for entry in self._declared.values():
            if entry.day.year != year:
                continue
            if entry.working:
                off.pop(entry.day, None)
            else:
                off[entry.day] = entry.note or off.get(entry.day) or DECLARED_OFF
        return off

    def is_working_day(self, day: date) -> bool:
        return day not in self._days_off(day.year)

    def reason(self, day: date) -> str | None:
        """Why a day is off ("Tết Nguyên Đán", "Chủ nhật", a declaration's note); None for a working day."""
        return self._days_off(day.year).get(day)

    def working_day_on_or_before(self, day: date) -> date:
        return self._walk(day, -ONE_DAY)

    def working_day_on_or_after(self, day: date) -> date:
        return self._walk(day, ONE_DAY)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        return self._walk(day - ONE_DAY, -ONE_DAY)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self._walk(day + ONE_DAY, ONE_DAY)

    def last_working_day_of_month(self, year: int, month: int) -> date:
        return self.working_day_on_or_before(date(year, month, month_calendar.monthrange(year, month)[1]))

    def _walk(self, day: date, step: timedelta) -> date:
        for _ in range(MAX_DAYS_OFF_IN_A_ROW):
            if self.is_working_day(day):
                return day
            day += step
        raise ValueError(f"no working day within {MAX_DAYS_OFF_IN_A_ROW} days of {day - step * MAX_DAYS_OFF_IN_A_ROW}")

    def special_days(self, year: int) -> list[SpecialDay]:
        """The year's public holidays, declared days and worked weekend days, in date order."""
        holidays, worked = _package_year(year)
        days = set(holidays) | set(worked) | {day for day in self._declared if day.year == year}
        special = []
        for day in sorted(days):
            entry = self._declared.get(day)
            working = self.is_working_day(day)
            if entry is not None:
                reason = entry.note or (WORKED if entry.working else holidays.get(day, DECLARED_OFF))
            else:
                reason = holidays.get(day) or WORKED
            special.append(SpecialDay(day=day, working=working, reason=reason, declared=entry is not None))
        return special

    def working_days_in(self, year: int) -> int:
        days = 366 if month_calendar.isleap(year) else 365
        return days - len(self._days_off(year))


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """Weekends and the `holidays` package's public holidays, nothing declared (tests, and code with no database)."""
    return WorkingCalendar()


async def declared_days(connection: AsyncSession | AsyncConnection) -> list[DeclaredDay]:
    from sqlalchemy import select
    from sqlmodel import col

    from bot.models import CalendarDay

    rows = await connection.execute(select(col(CalendarDay.day), col(CalendarDay.working), col(CalendarDay.note)))
    return [DeclaredDay(day=day, working=bool(working), note=note) for day, working, note in rows.all()]


async def load_calendar(*, session: AsyncSession | AsyncConnection) -> WorkingCalendar:
    """The calendar with the days admins declared (one small query: a few days per year)."""
    return WorkingCalendar(await declared_days(session))


@dataclass(frozen=True)
class Change:
    """What storing one declared day did: "added", "changed" or "unchanged"."""

    entry: DeclaredDay
    outcome: str


async def declare_days(session: AsyncSession, days: Iterable[DeclaredDay], *, now: datetime,
                       actor: str = "cli") -> list[Change]:
    """Stores declared days (a day already declared takes the new kind and note); each change is logged as an
    event. The caller re-plans the reminders (scheduler.planner.replan_days) and commits."""
    from sqlalchemy import select
    from sqlmodel import col

    from bot.models import CalendarDay

    entries = list(days)
    existing = {row.day: row for row in (await session.execute(
        select(CalendarDay).where(col(CalendarDay.day).in_([entry.day for entry in entries])))).scalars()}
    changes = []
    for entry in entries:
        row = existing.get(entry.day)
        if row is None:
            session.add(CalendarDay(day=entry.day, working=entry.working, note=entry.note, created_at=now,
                                    updated_at=now))
            outcome = "added"
        elif (row.working, row.note) == (entry.working, entry.note):
            changes.append(Change(entry, "unchanged"))
            continue
        else:
            row.working, row.note, row.updated_at = entry.working, entry.note, now
            outcome = "changed"
        _log(session, now=now, actor=actor, action=outcome, entry=entry)
        changes.append(Change(entry, outcome))
    await session.flush()
    return changes


async def remove_declared_day(session: AsyncSession, day: date, *, now: datetime,
                              actor: str = "cli") -> DeclaredDay | None:
    """Removes a declaration (the day is then what the package and its weekday say); None if there was none."""
    from bot.models import CalendarDay

    row = await session.get(CalendarDay, day)
    if row is None:
        return None
    entry = DeclaredDay(day=row.day, working=row.working, note=row.note)
    await session.delete(row)
    _log(session, now=now, actor=actor, action="removed", entry=entry)
    await session.flush()
    return entry


def _log(session: AsyncSession, *, now: datetime, actor: str, action: str, entry: DeclaredDay) -> None:
    import json

    from bot.models import Event

    session.add(Event(at=now, kind="calendar", actor_label=actor, details=json.dumps(
        {"action": action, "day": entry.day.isoformat(), "working": entry.working, "note": entry.note},
        ensure_ascii=False)))
