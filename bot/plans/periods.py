"""Periodic milestones ("trước ngày 20 hằng tháng"): the rule and the arithmetic of its periods (no database).

    rule = Repeat(every="month", day=20, start=date(2026, 11, 1))
    upcoming(rule, today=date(2026, 12, 21))   # [Period "2027-01" due 20/01/2027, Period "2027-02" due 20/02/2027]

A period is one month, quarter, half year or year, named by a key ("2026-12", "2026-Q4", "2027-H1", "2027"). Its
due date is the rule's day in the rule's month of the period (`month` counts from the period's first month, and
may run into the following period: a quarterly report due on the 5th of the month after the quarter is `month:
4`), or, with `dates`, the one date of the year that falls in it. The periods that exist are "the current and the
next": the first period not yet due (due today or later) and the one after it — within `start` .. `until`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.plans.dates import days_in_month
from bot.plans.limits import LAST_YEAR

# Months per period of each cadence.
EVERY = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
LAST = "last"  # the last day of the month
LAST_WORKING = "last_working"  # the last working day of the month (the working calendar says which)
# A period key as it ends a period's code ("BC-2026-12"): a plain milestone must not look like one.
PERIOD_KEY_PATTERN = r"\d{4}(?:-(?:\d{2}|Q[1-4]|H[12]))?"
# How many periods exist ahead of time: the current one (the first not yet due) and the next.
AHEAD = 2
_ROMAN = ("I", "II", "III", "IV")


class MonthEnds(Protocol):
    """What a rule needs of the working calendar (bot.workdays.WorkingCalendar has it)."""

    def last_working_day_of_month(self, year: int, month: int) -> date: ...


@dataclass(frozen=True)
class Repeat:
    every: str  # a key of EVERY
    start: date  # the first due date a period may have ("from:")
    until: date | None = None  # the last one
    day: int | str | None = None  # 1..31 (a shorter month: its last day), LAST or LAST_WORKING; None with `dates`
    month: int = 1  # the month of the period the day falls in, counting from 1
    dates: tuple[tuple[int, int], ...] = ()  # (day, month) of each year, instead of day/month

    @property
    def needs_calendar(self) -> bool:
        return self.day == LAST_WORKING

    def to_json(self) -> str:
        """The stored form (Milestone.repeat): stable, so re-importing an unchanged file changes nothing."""
        return json.dumps({"every": self.every, "day": self.day, "month": self.month,
                           "dates": [f"{day}/{month}" for day, month in self.dates],
                           "from": self.start.isoformat(), "until": self.until.isoformat() if self.until else None},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Repeat:
        data = json.loads(text)
        dates = tuple((int(day), int(month)) for day, month in (item.split("/") for item in data["dates"]))
        return cls(every=data["every"], day=data["day"], month=data["month"], dates=dates,
                   start=date.fromisoformat(data["from"]),
                   until=date.fromisoformat(data["until"]) if data["until"] else None)


@dataclass(frozen=True)
class Period:
    key: str  # "2026-12", "2026-Q4", "2027-H1", "2027"
    label: str  # "tháng 12/2026", "quý IV/2026", "6 tháng đầu năm 2027", "năm 2027"
    first_day: date
    due: date


def period_index(every: str, day: date) -> tuple[int, int]:
    """(year, number within the year, from 1) of the period holding this day."""
    return day.year, (day.month - 1) // EVERY[every] + 1


def shift(every: str, year: int, index: int, count: int) -> tuple[int, int]:
    per_year = 12 // EVERY[every]
    ordinal = year * per_year + index - 1 + count
    return ordinal // per_year, ordinal % per_year + 1


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    ordinal = year * 12 + month - 1 + count
    return ordinal // 12, ordinal % 12 + 1


def _first_month(every: str, index: int) -> int:
    return (index - 1) * EVERY[every] + 1


def period_key(every: str, year: int, index: int) -> str:
    return {"month": f"{year}-{index:02d}", "quarter": f"{year}-Q{index}", "half_year": f"{year}-H{index}",
            "year": f"{year}"}[every]


def period_label(every: str, year: int, index: int) -> str:
    """How Vietnamese reports name the period (the plan's own language, like its titles)."""
    if every == "month":
        return f"tháng {index:02d}/{year}"
    if every == "quarter":
        return f"quý {_ROMAN[index - 1]}/{year}"
    if every == "half_year":
        return f"6 tháng {'đầu' if index == 1 else 'cuối'} năm {year}"
    return f"năm {year}"


def _day_in(year: int, month: int, day: int | str | None, calendar: MonthEnds | None) -> date:
    last = days_in_month(year, month)
    if day == LAST_WORKING:
        if calendar is None:
            raise ValueError("the last working day needs the working calendar")
        return calendar.last_working_day_of_month(year, month)
    if day == LAST or day is None:
        return date(year, month, last)
    return date(year, month, min(int(day), last))  # day 31 of a 30-day month is its last day


def due_of(rule: Repeat, year: int, index: int, calendar: MonthEnds | None = None) -> date | None:
    """The due date of that period, or None when a `dates` rule has no date in it."""
    if rule.dates:
        months = range(_first_month(rule.every, index), _first_month(rule.every, index) + EVERY[rule.every])
        found = [(day, month) for day, month in rule.dates if month in months]
        if not found:
            return None
        day, month = found[0]  # the validator keeps one date per period
        return _day_in(year, month, day, calendar)
    due_year, due_month = _add_months(year, _first_month(rule.every, index), rule.month - 1)
    return _day_in(due_year, due_month, rule.day, calendar)


def make_period(rule: Repeat, year: int, index: int, calendar: MonthEnds | None = None) -> Period | None:
    due = due_of(rule, year, index, calendar)
    if due is None:
        return None
    return Period(key=period_key(rule.every, year, index), label=period_label(rule.every, year, index),
                  first_day=date(year, _first_month(rule.every, index), 1), due=due)


def periods_from(rule: Repeat, day: date, calendar: MonthEnds | None = None) -> Iterator[Period]:
    """The rule's periods in order of due date, from the first due on or after `day` (and `start`), until
    `until` (or the last year a plan may use)."""
    reference = max(day, rule.start)
    # A period's due date lies in it or in the period after it (`month` is at most twice the period's length):
    # starting two periods back finds the first one due on or after the reference.
    year, index = shift(rule.every, *period_index(rule.every, reference), -2)
    while year <= LAST_YEAR:
        period = make_period(rule, year, index, calendar)
        if period is not None and period.due >= reference:
            if rule.until is not None and period.due > rule.until:
                return
            yield period
        year, index = shift(rule.every, year, index, 1)


def upcoming(rule: Repeat, today: date, calendar: MonthEnds | None = None, *, count: int = AHEAD) -> list[Period]:
    """The periods that should exist today: the current one (the first not yet due) and the next."""
    found: list[Period] = []
    for period in periods_from(rule, today, calendar):
        found.append(period)
        if len(found) == count:
            break
    return found


def separating_cadence(dates: tuple[tuple[int, int], ...]) -> str | None:
    """The longest cadence whose periods each hold at most one of these dates (15/6 and 15/12: half_year)."""
    for every in ("year", "half_year", "quarter", "month"):
        if dates_are_separated(every, dates):
            return every
    return None


def dates_are_separated(every: str, dates: tuple[tuple[int, int], ...]) -> bool:
    indexes = [(month - 1) // EVERY[every] for _day, month in dates]
    return len(set(indexes)) == len(indexes)


def period_title(title: str, label: str) -> str:
    """The period's own title: "{period}" in the series' title replaced by the label, else the label appended —
    over the words they share ("Báo cáo tháng" + "tháng 12/2026" → "Báo cáo tháng 12/2026")."""
    if "{period}" in title:
        return title.replace("{period}", label)
    words, label_words = title.split(), label.split()
    for shared in range(min(len(words), len(label_words) - 1), 0, -1):
        if [word.casefold() for word in words[-shared:]] == [word.casefold() for word in label_words[:shared]]:
            return " ".join([*words, *label_words[shared:]])
    return f"{title} {label}"


def period_code(series_code: str, key: str) -> str:
    return f"{series_code}-{key}"
