"""The `repeat:` mapping of a milestone in a plan file, validated into a `Repeat` rule (bot.plans.periods).

    repeat: {every: month, day: 20, from: 01/12/2026}          # trước ngày 20 hằng tháng
    repeat: {every: month, day: last_working}                  # ngày làm việc cuối cùng của tháng
    repeat: {every: quarter, day: 5, month: 4}                 # ngày 5 tháng đầu quý sau
    repeat: {dates: [15/6, 15/12]}                             # 6 tháng: trước 15/6 và 15/12 hằng năm

`from` / `until` may come from the milestone's phase instead (bot.plans.milestones completes them).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.i18n import N_
from bot.plans.dates import format_day
from bot.plans.fields import DueDay, StartDay
from bot.plans.periods import EVERY, LAST, LAST_WORKING, Repeat, dates_are_separated, separating_cadence
from bot.plans.problems import PlanValueError, nearest

_DAY_MONTH = re.compile(r"(\d{1,2})[/.-](\d{1,2})")
_MAX_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29/2: the 28th in a common year
_EVERY_NAMES = ", ".join(EVERY)


def _text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def parse_every(value: object) -> str:
    text = _text(value)
    if text in EVERY:
        return text
    suggestion = nearest(text, EVERY)
    if suggestion:
        raise PlanValueError(N_('unknown period "{value}" (did you mean "{suggestion}"?)'), value=text,
                             suggestion=suggestion)
    raise PlanValueError(N_('unknown period "{value}"; write one of: {periods}'), value=text, periods=_EVERY_NAMES)


def parse_repeat_day(value: object) -> int | str:
    text = _text(value)
    if text in (LAST, LAST_WORKING):
        return text
    if re.fullmatch(r"[0-9]{1,2}", text) and 1 <= int(text) <= 31:
        return int(text)
    raise PlanValueError(N_('field "{field}" must be a day of the month from 1 to 31, "last" or "last_working"'))


def parse_period_month(value: object) -> int:
    text = _text(value)
    if not re.fullmatch(r"[0-9]{1,2}", text) or int(text) == 0:
        raise PlanValueError(N_('field "{field}" must be a month of the period: 1, 2, …'))
    return int(text)


def parse_day_of_year(value: object) -> tuple[int, int]:
    """15/6 (day/month, no year): a date of every year."""
    text = _text(value)
    match = _DAY_MONTH.fullmatch(text)
    if match is None:
        raise PlanValueError(N_('"{value}" is not a day of the year: write day/month without the year, e.g. 15/6'),
                             value=text)
    day, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise PlanValueError(N_('date "{value}" does not exist (there is no month {month})'), value=text, month=month)
    if not 1 <= day <= _MAX_DAYS[month - 1]:
        raise PlanValueError(N_('date "{value}" does not exist (month {month} has at most {days} days)'), value=text,
                             month=month, days=_MAX_DAYS[month - 1])
    return day, month


Every = Annotated[str, BeforeValidator(parse_every)]
RepeatDay = Annotated[int | str, BeforeValidator(parse_repeat_day)]
PeriodMonth = Annotated[int, BeforeValidator(parse_period_month)]
DayOfYear = Annotated[tuple[int, int], BeforeValidator(parse_day_of_year)]


class RepeatSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    every: Every | None = None
    day: RepeatDay | None = None
    month: PeriodMonth | None = None
    dates: list[DayOfYear] = []
    start: StartDay | None = Field(default=None, alias="from")
    until: DueDay | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            keys = ["every", "day", "month", "dates", "from", "until"]
            for key in data:
                if key not in keys:
                    raise PlanValueError(N_('unknown key "{key}" in "repeat:"; the keys are: {keys}'), key=key,
                                         keys=", ".join(keys))
        return data

    @model_validator(mode="after")
    def _one_rule(self) -> RepeatSpec:
        if self.dates:
            if self.day is not None or self.month is not None:
                raise PlanValueError(N_('write either "dates:" or "day:" (with "month:"), not both'))
            if len(set(self.dates)) < len(self.dates):
                raise PlanValueError(N_('"dates:" lists the same date twice'))
            if self.every is not None and not dates_are_separated(self.every, tuple(self.dates)):
                raise PlanValueError(N_('two of the "dates:" fall in the same period of "every: {every}": each '
                                        'period has one due date'), every=self.every)
            if self.every is None and separating_cadence(tuple(self.dates)) is None:
                raise PlanValueError(N_('two of the "dates:" fall in the same month: each period has one due date'))
        else:
            if self.every is None:
                raise PlanValueError(N_('"repeat:" needs "every:" ({periods}) and "day:", or "dates:"'),
                                     periods=_EVERY_NAMES)
            if self.day is None:
                raise PlanValueError(N_('"repeat:" needs "day:": a day from 1 to 31, "last" or "last_working"'))
            if self.month is not None and self.month > 2 * EVERY[self.every]:
                raise PlanValueError(N_('"month: {month}" is too far for "every: {every}": at most {max_month} '
                                        '(the months of the period, then those of the next)'),
                                     month=self.month, every=self.every, max_month=2 * EVERY[self.every])
        if self.start and self.until and self.until < self.start:
            raise PlanValueError(N_('the repetition ends on {until}, before it starts on {start}'),
                                 until=format_day(self.until), start=format_day(self.start))
        return self

    def rule(self, *, start: date, until: date | None) -> Repeat:
        """The rule, with defaults filled in: `start` and `until` as completed from the phase."""
        dates = tuple(sorted(self.dates, key=lambda day_month: (day_month[1], day_month[0])))
        every = self.every or separating_cadence(dates) or "month"
        # A quarterly, half-yearly or yearly report is due in the period's last month unless told otherwise.
        month = self.month or (1 if every == "month" else EVERY[every])
        return Repeat(every=every, start=start, until=until, day=None if dates else self.day,
                      month=1 if dates else month, dates=dates)
