"""The calendar file: the days the government declares for a year, as admins keep them (plans/README.md,
"Tệp lịch làm việc"), read for `nhacviec calendar import`.

    days_off:                       # days off beyond the public holidays ("nghỉ bù", a day off moved)
      - {date: 02/01/2027, note: Nghỉ bù Tết Dương lịch}
      - 03/01/2027                  # a date alone: no note
    working_days:                   # weekend days worked in exchange ("làm bù")
      - {date: 09/01/2027, note: Làm bù cho ngày 02/01/2027}

The same safe YAML reader as plan files (bot/plans/loader.py); every problem is reported with its line, all at
once, and nothing is stored while one remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.i18n import N_
from bot.plans.dates import parse_day
from bot.plans.limits import MAX_PLAN_BYTES
from bot.plans.loader import LineList, LineMap, parse_yaml, too_large_problem
from bot.plans.problems import PlanValueError, Problem, did_you_mean, error
from bot.workdays import DeclaredDay

SECTIONS = {"days_off": False, "working_days": True}  # key → the days are working days
DAY_KEYS = ("date", "note")
MAX_NOTE = 255  # calendar_day.note
_ONE_DAY = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def parse_calendar_day(value: object) -> date:
    """One day, written 15/05/2020 (or 2020-05-15); a whole month ("tháng 5/2020") is not a day. Raises
    PlanValueError with the reason (e.g. 31/02/2027 does not exist)."""
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not _ONE_DAY.fullmatch(text):
        raise PlanValueError(N_('"{value}" is not a date: write day/month/year, e.g. 15/05/2020'), value=value)
    return parse_day(text, month_end=False)


@dataclass
class CalendarFile:
    days: list[DeclaredDay] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_calendar(text: str) -> CalendarFile:
    data, problems = parse_yaml(text)
    result = CalendarFile(problems=list(problems))
    if problems:
        return result
    if not isinstance(data, LineMap):
        result.problems.append(error(None, N_("a calendar file is a mapping with days_off: and/or working_days:")))
        return result
    seen: dict[date, int] = {}
    for key, section in data.items():
        line = data.line_of(key)
        if key not in SECTIONS:
            result.problems.append(error(line, N_("unknown key {key}: a calendar file has days_off: and working_days:"),
                                         *did_you_mean(key, SECTIONS), key=key))
            continue
        if section is None:
            continue
        if not isinstance(section, LineList):
            result.problems.append(error(line, N_("{key}: must be a list of days"), key=key))
            continue
        for index, item in enumerate(section):
            entry = _read_day(item, section.lines[index], SECTIONS[key], result.problems)
            if entry is None:
                continue
            if entry.day in seen:
                result.problems.append(error(section.lines[index], N_("{day} is listed twice (first on line {line})"),
                                             day=entry.day.strftime("%d/%m/%Y"), line=seen[entry.day]))
                continue
            seen[entry.day] = section.lines[index]
            result.days.append(entry)
    if not data and not result.problems:  # empty lists are fine (a template), a file without sections is not
        result.problems.append(error(None, N_("the calendar file lists no day")))
    return result


def _read_day(item: object, line: int, working: bool, problems: list[Problem]) -> DeclaredDay | None:
    note: object = None
    if isinstance(item, LineMap):
        for key in item:
            if key not in DAY_KEYS:
                problems.append(error(item.line_of(key), N_("unknown key {key} in a day: use date: and note:"),
                                      key=key))
                return None
        if item.get("date") is None:
            problems.append(error(line, N_("date: is missing")))
            return None
        value, note = item["date"], item.get("note")
    elif isinstance(item, str):
        value = item
    else:
        problems.append(error(line, N_("a day is a date (15/05/2020) or a mapping with date: and note:")))
        return None
    try:
        day = parse_calendar_day(value)
    except PlanValueError as bad:
        problems.append(Problem(line, (bad.message,)))
        return None
    if note is not None and not isinstance(note, str):
        problems.append(error(line, N_("a day is a date (15/05/2020) or a mapping with date: and note:")))
        return None
    if note is not None and len(note) > MAX_NOTE:
        problems.append(error(line, N_("the note is longer than {max} characters"), max=MAX_NOTE))
        return None
    return DeclaredDay(day=day, working=working, note=(note or "").strip() or None)


def read_calendar_file(path: Path) -> CalendarFile:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)  # bounded: the file may be huge, or endless (/dev/zero)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return CalendarFile(problems=[error(None, N_("file not found"))])
    if len(data) > MAX_PLAN_BYTES:
        return CalendarFile(problems=[too_large_problem()])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CalendarFile(problems=[error(None, N_("the file is not UTF-8 text"))])
    return read_calendar(text)
