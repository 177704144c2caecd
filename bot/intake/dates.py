"""Deadline phrases of Vietnamese plans -> (start, due).

    trước ngày 15/5/2020 · trước ngày 15 tháng 5 năm 2020 · xong trước ngày … · chậm nhất ngày …
    trong tháng 10/2019 (last day of the month) · trong quý I/2020 (last day of the quarter)
    từ ngày 01/10/2019 đến hết ngày 31/12/2019 (start and due; a phase window in a heading)
    bắt đầu từ tháng 4, hoàn thành trước ngày 15/6/2020 (start and due)
    trước ngày 01/7/2020 (by the end of 30/06/2020: "before the 1st" means the month before)

A date without a year takes it from the phase window or the heading above (`context`). A date that does not
exist (31/02/2020) is reported with the reason, never moved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.i18n import translator
from bot.plans.dates import days_in_month, parse_day
from bot.plans.problems import PlanValueError

_DAY = r"\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?|\d{1,2}\s*[.-]\s*\d{1,2}\s*[.-]\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?"
_MONTH = r"tháng\s+\d{1,2}(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?"
_QUARTER = r"quý\s+(?:IV|I{1,3}|[1-4])(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?"
_WHEN = rf"(?:ngày\s+)?(?:{_DAY})|{_MONTH}"

_PATTERNS = re.compile(
    rf"(?P<range>từ\s+(?P<r_from>{_WHEN})\s*(?:đến|tới|-|–)\s*(?:hết\s+)?(?P<r_to>{_WHEN}))"
    rf"|(?P<start>bắt\s+đầu\s+(?:từ\s+)?(?P<s_when>{_WHEN}))"
    rf"|(?P<before>(?:trước|chậm\s+nhất(?:\s+là)?(?:\s+vào)?|hạn\s+chót(?:\s+là)?|không\s+quá|đến\s+hết)"
    rf"\s+(?:ngày\s+)?(?P<b_day>{_DAY}))"
    rf"|(?P<month>(?:trong|chậm\s+nhất(?:\s+là)?(?:\s+trong)?|cuối|hết|xong)\s+(?P<m_when>{_MONTH}))"
    rf"|(?P<quarter>(?:trong|chậm\s+nhất(?:\s+là)?(?:\s+trong)?|cuối|hết|xong)\s+(?P<q_when>{_QUARTER}))",
    re.IGNORECASE,
)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


class DateError(ValueError):
    """A date phrase that names no real day; `str()` is the Vietnamese explanation."""


@dataclass(frozen=True)
class Context:
    """What a date without a year is read against: the phase window, else the year of the heading above."""

    window: tuple[date, date] | None = None
    year: int | None = None

    def year_for(self, month: int, day: int = 1) -> int | None:
        if self.window:
            for year in range(self.window[0].year, self.window[1].year + 1):
                try:
                    if self.window[0] <= date(year, month, min(day, 28)) <= self.window[1]:
                        return year
                except ValueError:
                    continue
            return self.window[0].year
        return self.year


@dataclass(frozen=True)
class Deadline:
    due: date
    start: date | None
    phrase: str  # as written
    position: int  # where the phrase starts in the text
    note: str | None = None  # how the phrase was read, when it is not literal


@dataclass
class Found:
    deadlines: list[Deadline] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # Vietnamese, one per phrase that names no real day


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _vi_error(error: PlanValueError) -> str:
    return error.message.render(translator("vi"))


def _day(text: str, context: Context, *, year_hint: int | None = None) -> date:
    text = " ".join(text.split())
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    day, month = numbers[0], numbers[1]
    year = numbers[2] if len(numbers) > 2 else (year_hint or context.year_for(month, day))
    if year is None:
        raise DateError(f'ngày "{text}" không ghi năm, và không có tiêu đề hay giai đoạn nào cho biết năm')
    written = re.sub(r"\s+", "", text) if len(numbers) > 2 and "/" in text else f"{day:02d}/{month:02d}/{year}"
    try:
        return parse_day(written, month_end=True)
    except PlanValueError as error:
        raise DateError(_vi_error(error)) from error


def _month(text: str, context: Context, *, end: bool, year_hint: int | None = None) -> date:
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    month = numbers[0]
    year = numbers[1] if len(numbers) > 1 else (year_hint or context.year_for(month))
    if year is None:
        raise DateError(f'"{" ".join(text.split())}" không ghi năm, và không có tiêu đề hay giai đoạn nào cho biết năm')
    try:
        return parse_day(f"tháng {month}/{year}", month_end=end)
    except PlanValueError as error:
        raise DateError(_vi_error(error)) from error


def _when(text: str, context: Context, *, end: bool, year_hint: int | None = None) -> date:
    """'ngày 01/10/2019', '15 tháng 5 năm 2020' or 'tháng 8/2019' (first or last day of the month)."""
    text = re.sub(r"^ngày\s+", "", text.strip(), flags=re.IGNORECASE)
    if re.match(r"tháng", text, re.IGNORECASE):
        return _month(text, context, end=end, year_hint=year_hint)
    return _day(text, context, year_hint=year_hint)


def _quarter(text: str, context: Context) -> date:
    match = re.match(r"quý\s+(\S+?)(?:\s*/\s*(\d{4})|\s+năm\s+(\d{4}))?$", " ".join(text.split()), re.IGNORECASE)
    assert match is not None
    number = _ROMAN.get(match.group(1).upper()) or int(match.group(1))
    month = number * 3
    year = int(match.group(2) or match.group(3) or 0) or context.year_for(month)
    if year is None:
        raise DateError(f'"{text}" không ghi năm, và không có tiêu đề hay giai đoạn nào cho biết năm')
    return date(year, month, days_in_month(year, month))


def _explicit_year(text: str) -> int | None:
    found = re.findall(r"\d{4}", text)
    return int(found[-1]) if found else None


def find_deadlines(text: str, context: Context = Context()) -> Found:
    """Every deadline phrase of `text` in order; a 'bắt đầu từ …' start goes to the next deadline."""
    text = normalise(text)
    found = Found()
    pending_start: tuple[str, int] | None = None  # the phrase, read once the deadline's year is known
    for match in _PATTERNS.finditer(text):
        phrase = " ".join(match.group(0).split())
        try:
            if match.group("range"):
                due = _when(match.group("r_to"), context, end=True)
                start = _when(match.group("r_from"), context, end=False, year_hint=_explicit_year(
                    match.group("r_from")) or due.year)
                found.deadlines.append(Deadline(due, start, phrase, match.start()))
                continue
            if match.group("start"):
                pending_start = (match.group("s_when"), match.start())
                continue
            note = None
            if match.group("before"):
                due = _day(match.group("b_day"), context)
                if due.day == 1 and match.group("before").lower().startswith("trước"):
                    note = f"{phrase} → hạn hết ngày {(due - timedelta(days=1)).strftime('%d/%m/%Y')}"
                    due -= timedelta(days=1)
            elif match.group("month"):
                due = _month(match.group("m_when"), context, end=True)
                note = f"{phrase} → hạn là ngày cuối tháng"
            else:
                due = _quarter(match.group("q_when"), context)
                note = f"{phrase} → hạn là ngày cuối quý"
            start = None
            if pending_start is not None:
                start = _when(pending_start[0], context, end=False,
                              year_hint=_explicit_year(pending_start[0]) or due.year)
                phrase = text[pending_start[1]:match.end()]
                phrase = " ".join(phrase.split())
                pending_start = None
            found.deadlines.append(Deadline(due, start, phrase, match.start(), note))
        except DateError as error:
            found.errors.append(str(error))
    return found


def parse_window(heading: str, context: Context = Context()) -> tuple[date, date] | None:
    """The window of a phase heading: '2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019' -> (01/10, 31/12)."""
    for deadline in find_deadlines(heading, context).deadlines:
        if deadline.start is not None:
            return deadline.start, deadline.due
    return None
