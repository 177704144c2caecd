"""Dates and times as Vietnamese plans write them: 15/5/2020, 2020-05-15, "tháng 02/2020", 17:00, 17h30."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, time

from bot.i18n import N_
from bot.plans.limits import FIRST_YEAR, LAST_YEAR
from bot.plans.problems import PlanValueError

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# "tháng 10/2019", "trong tháng 02/2020": a whole month, read as its first or last day.
_MONTH = re.compile(r"(?:trong\s+)?tháng\s+(\d{1,2})[/.-](\d{4})", re.IGNORECASE)
_TIME = re.compile(r"(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})?", re.IGNORECASE)


def format_day(day: date) -> str:
    """15/05/2020, as Vietnamese documents write a date."""
    return day.strftime("%d/%m/%Y")


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def parse_day(value: object, *, month_end: bool) -> date:
    """A day of a plan; a whole month ("tháng 02/2020") means its last day for a deadline, else its first."""
    if isinstance(value, date):
        _check_year(format_day(value), value.year)
        return value
    if not isinstance(value, str):
        raise PlanValueError(N_('"{value}" is not a date: write day/month/year, e.g. 15/05/2020'), value=value)
    text = unicodedata.normalize("NFC", value.strip())
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _MONTH.fullmatch(text):
        month, year = (int(part) for part in match.groups())
        _check_year(text, year)
        _check_month(text, month)
        return date(year, month, days_in_month(year, month) if month_end else 1)
    else:
        raise PlanValueError(N_('"{value}" is not a date: write day/month/year, e.g. 15/05/2020'), value=text)
    _check_year(text, year)
    _check_month(text, month)
    if not 1 <= day <= days_in_month(year, month):
        raise PlanValueError(
            N_('date "{value}" does not exist (month {month} of {year} has {days} days)'),
            value=text, month=month, year=year, days=days_in_month(year, month),
        )
    return date(year, month, day)


def _check_year(text: str, year: int) -> None:
    # Also keeps year 0 (no such date) and 9999 (a week later overflows) away from the code after the validator.
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PlanValueError(N_('date "{value}" is not in the years {first_year} to {last_year} a plan may use'),
                             value=text, first_year=FIRST_YEAR, last_year=LAST_YEAR)


def _check_month(text: str, month: int) -> None:
    if not 1 <= month <= 12:
        raise PlanValueError(N_('date "{value}" does not exist (there is no month {month})'), value=text, month=month)


def parse_start_day(value: object) -> date:
    return parse_day(value, month_end=False)


def parse_due_day(value: object) -> date:
    return parse_day(value, month_end=True)


def parse_time_of_day(value: object) -> time:
    """17:00, 17h, 17h30 or 17 giờ 30."""
    if isinstance(value, time):
        return value
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise PlanValueError(N_('"{value}" is not a time of day: write hours:minutes, e.g. 17:00'), value=value)
    return time(int(match.group(1)), int(match.group(2) or 0))
