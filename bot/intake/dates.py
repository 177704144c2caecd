"""The one date grammar of plan intake: Vietnamese deadline phrases -> (start, due), periodic rules and times.

In sentences a date counts only after a word that makes it a deadline or an appointment:
    trước ngày 15/5/2020 · xong trước 10/4 · chậm nhất ngày … · hạn chót: 31.03.2025 · đến hết ngày 30-4-2025
    trước ngày 5 tháng 3 năm 2025 · trong tháng 10/2019 (last day) · trong quý I/2020 (last day of the quarter)
    trong 6 tháng đầu năm 2025 (30/6) · trong năm 2025 (31/12) · trong tháng 5 - tháng 8/2025 (1/5 … 31/8)
    tháng 4 và tháng 5/2025 (1/4 … 31/5) · từ ngày 01/10/2019 đến hết ngày 31/12/2019 (start and due)
    Tuần 1 (từ 02/9 đến 07/9/2024) · bắt đầu từ tháng 4, hoàn thành trước ngày 15/6/2020 (start and due)
    7h30 ngày 28/9/2024 (a meeting: due that day, at that time) · Thời gian: ngày 28/9/2024
    trước ngày 01/7/2020 (by the end of 30/06/2020: "before the 1st" means the month before)
In a table's date column (`cell=True`) the bare forms count too: "Quý III/2025", "Tháng 9/2025", "Năm 2025",
"6 tháng đầu năm 2025", "31/3/2025", "Tháng 5 - tháng 8/2025"; so do they as a label's value in a sentence
("thời gian hoàn thành: Quý III/2025", "Đợt 2 (ôn tập nâng cao): tháng 4 và tháng 5/2025"), not a period's
("Kỳ báo cáo: Quý I/2025"). In a task's sentence (`task=True`) a phrase that does not itself say "by then"
("trong năm 2025", "từ tháng 6 đến tháng 10") counts only in a clause that states an action, and never after
"thường xuyên".

Periodic deadlines become the plan file's `repeat:` (plans/README.md, "Mốc định kỳ"), never one-off dates:
    trước ngày 20 hằng tháng -> {every: month, day: 20} · trước ngày 15/6 và 15/12 hằng năm -> {dates: [15/6, 15/12]}
    hằng quý, trước ngày 15 tháng cuối quý -> {every: quarter, day: 15} · trước ngày 10/12 hằng năm -> {every: year …}
    định kỳ 6 tháng trước ngày 15/6 và báo cáo năm trước ngày 15/12 -> {dates: [15/6, 15/12]}
    with its bounds in the same sentence: "từ tháng 6 đến tháng 8/2025" -> from 01/06, until 31/08; "Kể từ năm 2025"

Never a deadline: the date of a cited document ("Nghị định số 30/2020/NĐ-CP ngày 05/3/2020"), the document's
own date ("Hà Nội, ngày 5 tháng 3 năm 2025"), data cut-offs ("số liệu tính đến ngày …"), signature stamps
("Thời gian ký: …"): none of them follows a deadline word, and the words before a date are checked for them.

A date without a year takes it from the phase window (certain), else from the nearest heading (unless that puts it
before the document's own date: a heading's year may be the subject's, "quyết toán năm 2024"), else from the
document's date, the first such day on or after it (both guesses: `year_guessed`, shown for review). A date that does
not exist (31/02/2020) is reported with the reason, never moved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.i18n import translator
from bot.intake.wording import (
    DAY_BEFORE,
    END_OF_MONTH,
    END_OF_PERIOD,
    END_OF_QUARTER,
    END_OF_YEAR,
    NO_YEAR,
    READ_AS,
    YEAR_GUESSED,
    vi,
)
from bot.plans.dates import days_in_month, format_day, parse_day
from bot.plans.problems import PlanValueError

_Y = r"(?:19|20)\d{2}"
_OF_YEAR = rf"(?:\s*/\s*{_Y}|\s+năm\s+{_Y})"
# "15/6/2025", "15/6 năm 2025" (its year written: never a guess), "31.03.2025", "30-4-2025", "30–4–2025", "5 tháng 3
# năm 2025" — but not "tuần 2 tháng 3", "thứ 2 tháng 3", "lần 2 tháng 3": a week, a weekday, a round, not a day.
_DAY = (rf"\d{{1,2}}\s*/\s*\d{{1,2}}(?:\s*/\s*{_Y}|\s+năm\s+{_Y})?(?!\s*/?\s*\d)"
        rf"|\d{{1,2}}\s*\.\s*\d{{1,2}}\s*\.\s*{_Y}|\d{{1,2}}\s*[-–]\s*\d{{1,2}}\s*[-–]\s*{_Y}"
        rf"|(?<!tuần\s)(?<!thứ\s)(?<!lần\s)(?<!đợt\s)(?<!kỳ\s)\d{{1,2}}\s+tháng\s+\d{{1,2}}(?:\s+năm\s+{_Y})?")
_MONTH = rf"tháng\s+\d{{1,2}}{_OF_YEAR}?(?!\s*/?\s*\d)"
# "tháng 5 - tháng 8/2025", "tháng 5-8/2025", "tháng 4 và tháng 5/2025": from the first month to the last
_MONTHS = rf"tháng\s+\d{{1,2}}{_OF_YEAR}?\s*(?:-|–|đến|tới|và|,)\s*(?:tháng\s+)?\d{{1,2}}{_OF_YEAR}"
_QUARTER = r"quý\s+(?:IV|I{1,3}|[1-4])"
_QUARTERS = rf"{_QUARTER}(?:\s*(?:-|–|đến|và|,)\s*(?:quý\s+)?(?:IV|I{{1,3}}|[1-4]))?{_OF_YEAR}?(?![\w/])"
_HALF = rf"(?:6|sáu|9|chín)\s+tháng\s+(?:đầu|cuối)\s+năm(?:\s+{_Y})?"
_YEAR = rf"năm\s+{_Y}"
_WHEN = rf"(?:ngày\s+)?(?:{_DAY})|{_MONTH}"
_SPAN = rf"{_MONTHS}|{_QUARTERS}|{_HALF}|{_MONTH}"
# "7h30", "7h30'", "8 giờ 00 phút", "14:30", "7g30"
_TIME = r"\d{1,2}\s*(?:h|giờ)\s*(?:\d{2}\s*(?:phút|')?)?|\d{1,2}\s*g\s*\d{2}(?!\d)|\d{1,2}\s*:\s*\d{2}(?![\d/])"
_WEEKDAY = r"(?:(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s+nhật)\s*,?\s*)"
_PART_OF_DAY = r"(?:(?:buổi\s+)?(?:sáng|chiều|tối|trưa)\s+)?"
# "từ ngày 01 - 05/9/2025", "các ngày 10 và 11/4/2025": days of one month, the month written once
_DAYS = rf"(?P<d_first>\d{{1,2}})\s*(?:-|–|đến|tới|và|,)\s*(?:ngày\s+)?(?P<d_last>{_DAY})"
_BEFORE = (r"trước|chậm\s+nhất(?:\s+là)?(?:\s+vào)?|hạn\s+chót(?:\s+là)?\s*:?"
           r"|hạn\s+cuối(?:\s+là)?\s*:?|không\s+quá|không\s+muộn\s+hơn|(?:đến|tới)\s+hết|hết\s+ngày|(?:đến|tới)")
_IN = (r"trong(?:\s+thời\s+gian)?|chậm\s+nhất(?:\s+là)?(?:\s+trong)?|cuối|hết|xong|vào|hoàn\s+thành(?:\s+trong)?"
       r"|đến\s+hết")
_LABEL = (r"(?:thời\s+gian|thời\s+hạn|hạn(?:\s+(?:cuối|chót))?)(?:\s+(?:hoàn\s+thành|thực\s+hiện|nộp|gửi|tổ\s+chức)"
          r"(?:\s+(?!là\b)[^\W\d_]+){0,6}?)?\s*(?::|\s+là(?=\s+ngày))")

_SENTENCE = re.compile(
    rf"(?P<week>tuần\s+(?:thứ\s+)?\d{{1,2}}\s+(?:của\s+)?tháng\s+\d{{1,2}}{_OF_YEAR}?)"
    rf"|(?P<days>(?:từ\s+)?(?:các\s+)?ngày\s+{_DAYS})"
    rf"|(?P<range>từ\s+(?:{_TIME}\s*,?\s*)?(?P<r_from>{_WHEN})\s*(?:đến|tới|-|–)\s*(?:hết\s+)?"
    rf"(?:{_TIME}\s*,?\s*)?(?P<r_to>{_WHEN}))"
    rf"|(?P<start>bắt\s+đầu\s+(?:từ\s+)?(?P<s_when>{_WHEN}))"
    rf"|(?P<timed>(?:vào\s+)?(?:(?:lúc|hồi)\s+)?(?P<t_time>{_TIME})\s*,?\s*{_WEEKDAY}?(?:ngày\s+)?(?P<t_day>{_DAY}))"
    rf"|(?P<before>(?:{_BEFORE})\s+{_WEEKDAY}?(?:ngày\s+)?(?P<b_day>{_DAY}))"
    rf"|(?P<span>(?:{_IN})\s+(?P<s_span>{_SPAN}))"
    rf"|(?P<label>{_LABEL}\s*(?:ngày\s+)?(?P<l_day>{_DAY}))"
    rf"|(?P<l_span>{_LABEL}\s*(?:(?P<l_months>{_SPAN})|(?P<l_year>{_YEAR})))"
    rf"|(?P<at>(?:vào|dự\s+kiến(?:\s+vào)?)\s+{_PART_OF_DAY}{_WEEKDAY}?ngày\s+(?P<a_day>{_DAY}))"
    rf"|(?P<in_year>(?:trong|hoàn\s+thành(?:\s+trong)?|xong(?:\s+trong)?)\s+(?P<y_year>{_YEAR})(?!\s*[-–]))",
    re.IGNORECASE,
)
# A date column's cell: the same, plus the bare forms.
_CELL = re.compile(
    rf"(?P<week>tuần\s+(?:thứ\s+)?\d{{1,2}}\s+(?:của\s+)?tháng\s+\d{{1,2}}{_OF_YEAR}?)"
    rf"|(?P<days>(?:từ\s+)?(?:các\s+)?(?:ngày\s+)?{_DAYS})"
    rf"|(?P<range>(?:từ\s+)?(?P<r_from>{_WHEN})\s*(?:đến|tới|-|–)\s*(?:hết\s+)?(?P<r_to>{_WHEN}))"
    rf"|(?P<timed>(?P<t_time>{_TIME})\s*,?\s*{_WEEKDAY}?(?:ngày\s+)?(?P<t_day>{_DAY}))"
    rf"|(?P<before>(?:(?:{_BEFORE})\s+)?{_WEEKDAY}?(?:ngày\s+)?(?P<b_day>{_DAY}))"
    rf"|(?P<span>(?:(?:{_IN})\s+)?(?P<s_span>{_SPAN}))"
    rf"|(?P<in_year>(?:(?:{_IN})\s+)?(?P<y_year>{_YEAR}))",
    re.IGNORECASE,
)
PHRASES = _SENTENCE  # for titles: the deadline phrases a title leaves out
_PATTERNS = _SENTENCE

# Words just before a date that make it something else than a deadline.
_NOT_A_DEADLINE = re.compile(
    r"(?:\btính|\bkể|hiệu\s+lực(?:\s+thi\s+hành)?|ký\s+ngày|ngày\s+ký|thời\s+gian\s+ký"
    r"|\b\d+[\w.]*[/-][\w./-]*[^\W\d_][\w./-]*\s*,?\s*(?:ngày)?|đến\s+ngày\s*:)\s*$", re.IGNORECASE)
# "số liệu … 31/5" is the data's cut-off; but "báo cáo số liệu 6 tháng đầu năm … trước ngày 20/7/2025" is a deadline
# for the data: a phrase that itself says "by then" is not a cut-off.
_DATA = re.compile(r"số\s+liệu[^.;:]{0,60}$", re.IGNORECASE)
# A label naming the period a task looks at, not its time frame: "Thời kỳ giám sát: từ ngày 01/01/2023 đến ngày
# 30/6/2024", "Kỳ báo cáo: 6 tháng đầu năm 2025", "Phạm vi số liệu: …" ("Thời gian giám sát: tháng 9/2024" is one).
_SUBJECT_PERIOD = re.compile(
    r"(?:thời\s+kỳ|kỳ|phạm\s+vi|thời\s+điểm|giai\s+đoạn)\s+(?:được\s+)?(?:giám\s+sát|kiểm\s+tra|thanh\s+tra|"
    r"báo\s+cáo|đánh\s+giá|rà\s+soát|tổng\s+kết|sơ\s+kết|thống\s+kê|(?:lấy\s+|chốt\s+)?số\s+liệu)"
    r"[^.;:\n]{0,40}:\s*$", re.IGNORECASE)
_BY_THEN = re.compile(r"(?:trước|chậm\s+nhất|hạn\s+chót|hạn\s+cuối|không\s+quá|không\s+muộn\s+hơn)\b", re.IGNORECASE)

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
PERIODIC_WORD = re.compile(r"\b(?:hằng|hàng|mỗi)\s+(?:tháng|quý|năm)\b|\bđịnh\s+kỳ\b|tháng\s+(?:cuối|đầu)\s+quý",
                            re.IGNORECASE)


class DateError(ValueError):
    """A date phrase that names no real day; `str()` is the Vietnamese explanation."""


@dataclass(frozen=True)
class Context:
    """What a date without a year is read against: the phase window, else the nearest heading's year unless that
    puts the day before the document's own date, else the document's date (the first such day on or after it)."""

    window: tuple[date, date] | None = None
    year: int | None = None  # of the nearest heading above
    document: date | None = None  # the document's own date
    school_year: int | None = None  # "năm học 2024 - 2025": 2024 (September to December), 2025 (January to July)

    def year_for(self, month: int, day: int = 1) -> tuple[int | None, bool]:
        """The year, and whether it is a guess (True unless the window decides it)."""
        if self.window:
            for year in range(self.window[0].year, self.window[1].year + 1):
                if self.window[0] <= date(year, month, min(day, 28)) <= self.window[1]:
                    return year, False
            if self.window[0].year == self.window[1].year:
                return self.window[0].year, False
        if self.school_year is not None:
            return (self.school_year if month >= 8 else self.school_year + 1), True
        if self.year is not None and (self.document is None
                                      or date(self.year, month, min(day, 28)) >= self.document):
            return self.year, True
        if self.document is not None:
            # the first such day on or after the document's: "trước 10/1" in a plan of December is next January, and
            # "trước ngày 28/02" in a dispatch of January 2025 on the 2024 accounts (a heading "… năm 2024") is 2025
            year = self.document.year
            if date(year, month, min(day, 28)) < self.document:
                year += 1
            return year, True
        return None, False


@dataclass(frozen=True)
class Deadline:
    due: date | None  # None for a periodic rule
    start: date | None
    phrase: str  # as written
    position: int  # where the phrase starts in the text
    note: str | None = None  # how the phrase was read, when it is not literal
    year_guessed: bool = False
    time: str | None = None  # "07:30" of an appointment
    repeat: dict[str, object] | None = None  # the plan file's `repeat:` mapping (without `from`)
    end: int = 0  # where the phrase ends in the text


@dataclass
class Found:
    deadlines: list[Deadline] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # Vietnamese, one per phrase that names no real day


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _vi_error(error: PlanValueError) -> str:
    return error.message.render(translator("vi"))


@dataclass
class _Read:
    guessed: bool = False


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _year(text: str) -> int | None:
    found = re.findall(_Y, text)
    return int(found[-1]) if found else None


def _no_year(text: str) -> DateError:
    return DateError(vi(NO_YEAR, phrase=" ".join(text.split())))


def _pick_year(text: str, month: int, day: int, context: Context, hint: int | None, read: _Read) -> int:
    if hint is not None:
        return hint
    year, guessed = context.year_for(month, day)
    if year is None:
        raise _no_year(text)
    read.guessed = read.guessed or guessed
    return year


def _day(text: str, context: Context, read: _Read, *, hint: int | None = None) -> date:
    text = " ".join(re.sub(r"^ngày\s+", "", text.strip(), flags=re.IGNORECASE).split())
    numbers = _numbers(text)
    day, month = numbers[0], numbers[1]
    year = numbers[2] if len(numbers) > 2 else _pick_year(text, month, day, context, hint, read)
    try:
        return parse_day(f"{day:02d}/{month:02d}/{year}", month_end=True)
    except PlanValueError:
        if len(numbers) > 2:  # as written: 'ngày "31/02/2020" không tồn tại …'
            written = re.sub(r"\s+", "", text) if "/" in text else f"{day:02d}/{month:02d}/{year}"
            try:
                parse_day(written, month_end=True)
            except PlanValueError as exact:
                error = exact
        raise DateError(_vi_error(error)) from error


def _month(month: int, year: int, *, end: bool, text: str) -> date:
    try:
        return parse_day(f"tháng {month}/{year}", month_end=end)
    except PlanValueError as error:
        raise DateError(_vi_error(error)) from error


def _when(text: str, context: Context, read: _Read, *, end: bool, hint: int | None = None) -> date:
    """'ngày 01/10/2019', '15 tháng 5 năm 2020' or 'tháng 8/2019' (first or last day of the month)."""
    text = re.sub(r"^ngày\s+", "", text.strip(), flags=re.IGNORECASE)
    if re.match(r"tháng", text, re.IGNORECASE):
        numbers = _numbers(text)
        year = numbers[1] if len(numbers) > 1 else _pick_year(text, numbers[0], 1, context, hint, read)
        return _month(numbers[0], year, end=end, text=text)
    return _day(text, context, read, hint=hint)


def _span(text: str, context: Context, read: _Read) -> tuple[date | None, date, str]:
    """(start, due, how) of a month, months, quarter(s) or half year."""
    flat = " ".join(text.split())
    lower = flat.lower()
    year_written = _year(flat)
    start: date | None
    if lower.startswith(("6 ", "sáu", "9 ", "chín")):
        months = 6 if lower.startswith(("6", "sáu")) else 9
        first = "đầu" in lower
        year = year_written or _pick_year(flat, 6, 30, context, None, read)
        last = (6 if first else 12) if months == 6 else (9 if first else 12)
        return None, date(year, last, days_in_month(year, last)), vi(END_OF_PERIOD)
    if lower.startswith("quý"):
        numbers = [_ROMAN.get(part.upper()) or int(part) for part in re.findall(r"\b(IV|I{1,3}|[1-4])\b(?!\d)",
                                                                              re.sub(_Y, "", flat), re.IGNORECASE)]
        last = numbers[-1] * 3
        year = year_written or _pick_year(flat, last, 28, context, None, read)
        start = date(year, numbers[0] * 3 - 2, 1) if len(numbers) > 1 else None
        return start, date(year, last, days_in_month(year, last)), vi(END_OF_QUARTER)
    numbers = [n for n in _numbers(re.sub(_Y, "", flat))]
    last = numbers[-1]
    year = year_written or _pick_year(flat, last, 28, context, None, read)
    due = _month(last, year, end=True, text=flat)
    start = None
    if len(numbers) > 1:  # "tháng 11/2024 đến tháng 02/2025", "tháng 11 đến tháng 02/2025": over the new year
        years = re.findall(_Y, flat)
        first_year = int(years[0]) if len(years) > 1 else year - (numbers[0] > last)
        start = _month(numbers[0], first_year, end=False, text=flat)
    return start, due, vi(END_OF_MONTH)


# Words before a month, quarter or year that name a part of it ("đầu", "giữa", "thượng tuần", "trung tuần").
_PART_OF = re.compile(r"(?<!\w)(?:đầu|giữa|thượng\s+tuần|trung\s+tuần)\s*$", re.IGNORECASE)


def _excluded(text: str, start: int) -> bool:
    """A cited document's date, a data cut-off, an effective or signing date: not a deadline."""
    before = text[max(0, start - 80):start]
    if _NOT_A_DEADLINE.search(before) is not None:
        return True
    if _SUBJECT_PERIOD.search(before) is not None and _BY_THEN.match(text, start) is None:
        return True
    return _DATA.search(before) is not None and _BY_THEN.match(text, start) is None


def _time(text: str) -> str:
    numbers = _numbers(text)
    return f"{numbers[0]:02d}:{numbers[1] if len(numbers) > 1 else 0:02d}"


def find_deadlines(text: str, context: Context = Context(), *, cell: bool = False, task: bool = False) -> Found:
    """Every deadline phrase of `text` in order; a 'bắt đầu từ …' start goes to the next deadline.

    `cell`: the text is a table's date column, where a bare date is a deadline. `task`: the text is a task's
    sentence, where a phrase that does not itself say "by then" ("trong năm 2025", "từ tháng 6 đến tháng 10")
    counts only in a clause that states an action (`_acted`)."""
    text = normalise(text)
    found = Found()
    periodic = find_repeats(text, context)
    found.deadlines.extend(periodic)
    taken = [(d.position, d.end) for d in periodic]
    for deadline in periodic:
        taken.extend(_bounds(text, deadline, context))
    pending_start: tuple[str, int] | None = None  # read once the deadline's year is known
    years: list[Deadline] = []  # whole-year readings ("trong năm 2025"): maybe the task's subject, not its time
    days: list[Deadline] = []  # readings of one stated day
    matches = list((_CELL if cell else _SENTENCE).finditer(text))
    if not cell:
        if task:
            matches = [m for m in matches if not _weak(m) or _acted(text, m.start(), m.end())]
        matches += _after_colons(text, [(m.start(), m.end()) for m in matches] + taken)
        if task:
            matches += _after_comma(text, [(m.start(), m.end()) for m in matches] + taken)
        matches.sort(key=lambda m: m.start())
    for match in matches:
        groups = match.groupdict()

        def group(name: str, groups: dict[str, str | None] = groups) -> str:
            return groups.get(name) or ""

        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        if _excluded(text, match.start()) and not group("timed"):
            continue
        if (group("span") or group("in_year") or group("l_span")) and _PART_OF.search(text, 0, match.start()):
            continue  # "Đầu tháng 5/2025", "giữa năm 2025": some day within, not its last; no date beats a wrong one
        phrase = " ".join(match.group(0).split())
        read = _Read()
        note: str | None = None
        start: date | None = None
        time: str | None = None
        if group("week"):
            continue  # "Tuần 2 tháng 3/2025": a week no grammar here can date exactly; not the month's end either
        try:
            if group("days"):
                due = _day(group("d_last"), context, read)
                first = int(group("d_first"))
                start = due.replace(day=first) if first < due.day else None
            elif group("range"):
                due = _when(group("r_to"), context, read, end=True)
                start = _when(group("r_from"), context, _Read(), end=False,
                              hint=_year(group("r_from")) or due.year)
                if start > due and _year(group("r_from")) is None:  # "từ 15/12 đến 15/01/2025": the year before
                    start = _when(group("r_from"), context, _Read(), end=False, hint=due.year - 1)
            elif not cell and group("start"):
                pending_start = (group("s_when"), match.start())
                continue
            elif group("timed"):
                due = _day(group("t_day"), context, read)
                time = _time(group("t_time"))
            elif group("before"):
                due = _day(group("b_day"), context, read)
                if due.day == 1 and "trước" in group("before").lower():
                    note = vi(READ_AS, phrase=phrase, how=vi(DAY_BEFORE, day=format_day(due - timedelta(days=1))))
                    due -= timedelta(days=1)
            elif group("span"):
                start, due, how = _span(group("s_span"), context, read)
                note = vi(READ_AS, phrase=phrase, how=how)
            elif group("in_year"):
                year = int(_year(group("y_year")) or 0)
                due, note = date(year, 12, 31), vi(READ_AS, phrase=phrase, how=vi(END_OF_YEAR))
            elif group("label"):
                due = _day(group("l_day"), context, read)
            elif group("l_span") and group("l_months"):
                start, due, how = _span(group("l_months"), context, read)
                note = vi(READ_AS, phrase=phrase, how=how)
            elif group("l_span"):
                due, note = (date(int(_year(group("l_year")) or 0), 12, 31),
                             vi(READ_AS, phrase=phrase, how=vi(END_OF_YEAR)))
            else:
                due = _day(group("a_day"), context, read)
            if pending_start is not None:
                start = _when(pending_start[0], context, _Read(), end=False,
                              hint=_year(pending_start[0]) or due.year)
                phrase = " ".join(text[pending_start[1]:match.end()].split())
                pending_start = None
            if read.guessed:
                note = (f"{note}; " if note else "") + vi(YEAR_GUESSED, year=due.year)
            found.deadlines.append(Deadline(due, start, phrase, match.start(), note, read.guessed, time,
                                            end=match.end()))
            if group("in_year") or (group("l_span") and not group("l_months")):
                years.append(found.deadlines[-1])
            elif group("timed") or group("before") or group("label") or group("at") or group("days"):
                days.append(found.deadlines[-1])
        except DateError as error:
            found.errors.append(str(error))
    if task:
        found.deadlines = [d for d in found.deadlines if not any(d is y for y in years) or not _year_of_subject(
            text, d, days)]
    found.deadlines.sort(key=lambda d: d.position)
    return found


def _year_of_subject(text: str, year: Deadline, days: list[Deadline]) -> bool:
    """A whole year read as a task's deadline that only tells what the task is about: in a gloss ("(… dự án hoàn
    thành trong năm 2025)"), or in a clause that states its own day ("…, hạn chót: 25.7.2024"). No date is better
    than the year's last day invented."""
    if text.count("(", 0, year.position) > text.count(")", 0, year.position):
        return True
    left = text.rfind(";", 0, year.position)
    right = text.find(";", year.position)
    right = len(text) if right < 0 else right
    return any(left < d.position < right for d in days)


# What a task does (or the event it is): a date read from a weak phrase ("trong năm 2025", "từ tháng 6 đến tháng
# 10") is a deadline only in a clause that has one ("Tổ chức tập huấn trong tháng 5/2025"), not in one that states a
# fact ("Đây là nhiệm vụ trọng tâm của xã trong năm 2025", "mùa mưa bão từ tháng 6 đến tháng 10").
_ACTION = re.compile(
    r"\b(?:xây\s+dựng|tổ\s+chức|thành\s+lập|phân\s+công|tham\s+mưu|phê\s+duyệt|duyệt|chỉ\s+đạo|hoàn\s+thành|"
    r"hoàn\s+chỉnh|hoàn\s+thiện|kiểm\s+tra|báo\s+cáo|bố\s+trí|thực\s+hiện|triển\s+khai|chuẩn\s+bị|trình|"
    r"rà\s+soát|tổng\s+hợp|tổng\s+kết|sơ\s+kết|ban\s+hành|gửi|chọn|lãnh\s+đạo|hướng\s+dẫn|đôn\s+đốc|theo\s+dõi|"
    r"quán\s+triệt|lấy\s+ý\s+kiến|phối\s+hợp|chủ\s+trì|giới\s+thiệu|bầu|họp|nộp|cử|đăng\s+ký|hoàn\s+tất|xong|"
    r"tập\s+huấn|bồi\s+dưỡng|giám\s+sát|khảo\s+sát|tuyên\s+truyền|ôn\s+tập|thi|nâng\s+cấp|số\s+hóa|đánh\s+giá|"
    r"công\s+bố|thẩm\s+định|thẩm\s+tra|xử\s+lý|kiện\s+toàn|diễn\s+tập|dự\s+trữ|mở|cập\s+nhật|tham\s+gia|trao|"
    r"kết\s+nạp|vận\s+động|biên\s+soạn|phát\s+hành|đăng\s+tải|phát\s+sóng|cấp|thu\s+gom|hỗ\s+trợ|khám|"
    r"tiếp\s+xúc|công\s+nhận|phân\s+bổ|lập|khai\s+giảng|khai\s+mạc|tiến\s+hành|nghiệm\s+thu|sửa\s+chữa|"
    r"mua\s+sắm|phát\s+động|ký\s+kết|tiếp\s+nhận|chi\s+trả|giải\s+ngân|trồng|thu|điều\s+tra|thống\s+kê|"
    r"bàn\s+giao|quyết\s+toán|đào\s+tạo|khởi\s+công|thanh\s+tra|tuyển\s+sinh|tuyển\s+dụng|sắp\s+xếp|di\s+dời|"
    r"cải\s+tạo|lắp\s+đặt|vệ\s+sinh|kiểm\s+kê|chuyển|ra\s+quân|xét|chấm|đón|tặng|khen\s+thưởng|biểu\s+dương|"
    r"đăng|phổ\s+biến|học\s+tập|rút\s+kinh\s+nghiệm|đề\s+xuất|xác\s+minh|thẩm\s+định|đo\s+đạc|kiểm\s+định|"
    r"luyện\s+tập|hội\s+diễn|giao\s+lưu|khảo\s+sát|đối\s+thoại|tiếp\s+dân|thăm(?:\s+hỏi)?|động\s+viên|"
    r"làm\s+việc|gặp\s+mặt|"
    r"hội\s+nghị|hội\s+thảo|hội\s+thi|cuộc\s+thi|kỳ\s+thi|kỳ\s+họp|đại\s+hội|lễ|ngày\s+hội|tọa\s+đàm|hội\s+chợ|"
    r"chiến\s+dịch|đợt|giai\s+đoạn|tuần)\b", re.IGNORECASE)
_STRONG = re.compile(r"^(?:trước|chậm\s+nhất|hạn|không|đến\s+hết|tới\s+hết|hết|xong|hoàn\s+thành)", re.IGNORECASE)
_STANDING = re.compile(r"thường\s+xuyên\s*(?:,\s*)?$", re.IGNORECASE)


def _weak(match: re.Match[str]) -> bool:
    """A date phrase that does not itself say "by then": a span after "trong"/"vào", a range, a year."""
    group = match.groupdict().get
    if group("timed") or group("before") or group("label") or group("l_span"):
        return False
    return not _STRONG.match(match.group(0))


def _acted(text: str, start: int, end: int) -> bool:
    """The clause holding text[start:end] states an action; "thường xuyên trong năm 2025" is no deadline."""
    left = max(text.rfind(mark, 0, start) for mark in ".;!?\n")
    right = min((i for i in (text.find(mark, end) for mark in ".;!?\n") if i >= 0), default=len(text))
    before = text[left + 1:start]
    if _STANDING.search(before):
        return False
    if before.strip(" -+•*,(") == "":  # "Trong tháng 3/2020, ban thường vụ … duyệt xong": the clause after
        return _ACTION.search(text[end:right]) is not None
    return _ACTION.search(before) is not None


# A label whose value is a period, not a deadline: "Kỳ báo cáo: Quý I/2025", "Năm học: 2024 - 2025".
_PERIOD_LABEL = re.compile(r"(?:kỳ\s+báo\s+cáo|năm\s+học|nhiệm\s+kỳ|giai\s+đoạn|kỳ|ngày|ban\s+hành|hiệu\s+lực)\s*$",
                           re.IGNORECASE)


def _after_colons(text: str, taken: list[tuple[int, int]]) -> list[re.Match[str]]:
    """A value after a colon that is a date, as in a table's date column: "Đợt 2 (ôn tập nâng cao): tháng 4 và
    tháng 5/2025.", "Thời gian: Quý III/2025"."""
    found = []
    for colon in re.finditer(r":\s*", text):
        end = min((i for i in (text.find(mark, colon.end()) for mark in ".;\n") if i >= 0), default=len(text))
        if any(colon.end() < b and a < end for a, b in taken) or _PERIOD_LABEL.search(text, 0, colon.start()):
            continue
        value = _CELL.fullmatch(text, colon.end(), end)
        if value is None:
            value = _CELL.fullmatch(text.rstrip(" )"), colon.end(), len(text[:end].rstrip(" )")))
        if value is not None and not re.fullmatch(r"\s*\d{1,2}\s*/\s*\d{1,2}\s*", value.group(0)):
            found.append(value)
    return found


def _after_comma(text: str, taken: list[tuple[int, int]]) -> list[re.Match[str]]:
    """A period with its year written that closes a task's sentence after a comma, as a date column would: "Kiểm
    tra … trong cao điểm du lịch hè, Tháng 5 - tháng 8/2025." — when the sentence has no other date and its clause
    states an action."""
    found = []
    for comma in re.finditer(r",\s*", text):
        end = min((i for i in (text.find(mark, comma.end()) for mark in ".;\n") if i >= 0), default=len(text))
        begin = max(text.rfind(mark, 0, comma.start()) for mark in ".;\n") + 1
        if any(begin < b and a < end for a, b in taken):
            continue
        value = _CELL.fullmatch(text.rstrip(" )"), comma.end(), len(text[:end].rstrip(" )")))
        if value is not None and (value.group("s_span") or value.group("range")) and _year(value.group(0)) \
                is not None and _acted(text, value.start(), value.end()) and not _excluded(text, value.start()):
            found.append(value)
    return found


def parse_window(heading: str, context: Context = Context()) -> tuple[date, date] | None:
    """The window of a phase heading: '2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019' -> (01/10, 31/12)."""
    for deadline in find_deadlines(heading, context).deadlines:
        if deadline.start is not None and deadline.due is not None:
            return deadline.start, deadline.due
    return None


# Periodic rules. Each pattern gives the span it covers; the one-off grammar skips what they took.
_EVERY = r"(?:hằng|hàng|mỗi|các|của\s+các|của\s+mỗi|của\s+hằng|của\s+hàng)"
_DM = r"\d{1,2}\s*/\s*\d{1,2}(?!\s*/\s*\d)"
_DEADLINE_WORD = r"(?:trước|chậm\s+nhất|vào)\s+(?:ngày\s+)?"
_REPEATS: list[tuple[str, re.Pattern[str]]] = [
    # định kỳ 6 tháng trước ngày 15/6 và báo cáo năm trước ngày 15/12: one report, two dates a year
    ("pair", re.compile(rf"định\s+kỳ[^.;]{{0,60}}?{_DEADLINE_WORD}(?P<first>{_DM})[^.;]{{0,60}}?{_DEADLINE_WORD}"
                        rf"(?P<second>{_DM})", re.IGNORECASE)),
    # trước ngày 15/6 và 15/12 hằng năm; định kỳ 6 tháng trước ngày 15/6 và 15/12
    ("dates", re.compile(rf"(?:(?:trước|chậm\s+nhất|vào|hạn)\s+(?:các\s+)?(?:ngày\s+)?|(?:các\s+)?ngày\s+)"
                         rf"(?P<dates>{_DM}(?:\s*(?:,|và|;)\s*"
                         rf"(?:ngày\s+)?{_DM})+)(?:\s+{_EVERY}\s+năm)?", re.IGNORECASE)),
    # trước ngày 10/12 hằng năm
    ("year", re.compile(rf"(?:(?:trước|chậm\s+nhất|vào)\s+)?ngày\s+(?P<dm>{_DM})\s+{_EVERY}\s+năm", re.IGNORECASE)),
    # trước ngày 15 tháng cuối quý; trước ngày 5 của tháng đầu quý sau
    ("quarter", re.compile(r"(?:(?:trước|chậm\s+nhất|vào)\s+)?ngày\s+(?P<day>\d{1,2})\s+(?:của\s+)?tháng\s+"
                           r"(?P<which>cuối|đầu|thứ\s+(?:hai|2))\s+(?:của\s+)?(?:mỗi\s+|hằng\s+)?quý"
                           r"(?P<next>\s+(?:sau|tiếp\s+theo|kế\s+tiếp))?", re.IGNORECASE)),
    # trước ngày 20 hằng tháng; ngày cuối cùng hằng tháng
    ("month", re.compile(rf"(?:(?:trước|chậm\s+nhất|vào)\s+)?ngày\s+(?P<day>\d{{1,2}}|cuối(?:\s+cùng)?)\s+{_EVERY}\s+"
                         r"tháng", re.IGNORECASE)),
    # hằng tháng, trước ngày 20 / định kỳ hằng quý … trước ngày 15
    ("after", re.compile(r"(?P<every>hằng|hàng|mỗi)\s+(?P<period>tháng|quý)\b[^.;]{0,100}?(?:trước|chậm\s+nhất|vào)\s+"
                         r"ngày\s+(?P<day>\d{1,2})(?!\s*(?:/|tháng|\.\d|-\d))", re.IGNORECASE)),
    # hằng năm, trước ngày 15/12
    ("year", re.compile(rf"(?:hằng|hàng|mỗi)\s+năm\b[^.;]{{0,100}}?(?:trước|chậm\s+nhất|vào)\s+ngày\s+(?P<dm>{_DM})",
                        re.IGNORECASE)),
]


# A periodic item's bounds: "(từ tháng 6 đến tháng 10/2025)", "từ tháng 6 đến tháng 8/2025", "Kể từ năm 2025".
_MONTH_RANGE = re.compile(rf"(?:từ\s+)?tháng\s+(?P<first>\d{{1,2}})(?:(?:\s*/\s*|\s+năm\s+)(?P<first_year>{_Y}))?\s*"
                          rf"(?:đến|tới|-|–)\s*(?:hết\s+)?tháng\s+(?P<last>\d{{1,2}})"
                          rf"(?:(?:\s*/\s*|\s+năm\s+)(?P<year>{_Y}))?", re.IGNORECASE)
_SINCE = re.compile(rf"(?:kể\s+)?từ\s+(?:(?P<month_word>tháng)\s+(?P<month>\d{{1,2}})\s*(?:/|\s+năm\s+)|năm\s+)"
                    rf"(?P<year>{_Y})", re.IGNORECASE)
# A period the series runs within: "Trong năm 2025, … trước ngày 05 hằng tháng", "trong Quý III/2025", "trong 6
# tháng cuối năm 2025", "trong năm" (the document's year); bare ("Năm 2025") only as a whole table cell.
_WITHIN = r"(?:trong|suốt|trong\s+suốt)\s+(?:cả\s+)?"
_PERIOD = rf"(?P<p_span>{_QUARTERS}|{_HALF})|năm(?:\s+(?P<p_year>{_Y})(?![\w/])|(?:\s+nay)?(?=\s*[,.;)]|\s*$))"
_WITHIN_PERIOD = re.compile(rf"{_WITHIN}(?:{_PERIOD})", re.IGNORECASE)
_CELL_PERIOD = re.compile(rf"\s*(?:{_WITHIN})?(?:(?P<p_months>{_MONTHS})|(?:{_PERIOD}))\s*\.?\s*", re.IGNORECASE)
# A bound that opens its sentence ("Kể từ năm 2025, …", "Từ tháng 7/2025, …") bounds every rule of the sentence.
_OPENING = re.compile(r"\s*[-+•*]?\s*(?:[a-zđ]\)\s*)?")


def _bounds(text: str, periodic: Deadline, context: Context) -> list[tuple[int, int]]:
    """Sets `from`/`until` of a periodic item from a month range or "kể từ …" in its own clause, else from one that
    opens its sentence (never from a neighbouring clause's); their spans."""
    left = max(text.rfind(mark, 0, periodic.position) for mark in ".;")
    right = min((i for i in (text.find(mark, periodic.end) for mark in ".;") if i >= 0), default=len(text))
    assert periodic.repeat is not None
    spans = _clause_bounds(text, left, right, periodic, context)
    if "from" not in periodic.repeat and text[left:left + 1] == ";":
        sentence = text.rfind(".", 0, left) + 1
        opening = _OPENING.match(text, sentence).end()  # type: ignore[union-attr]
        since = _SINCE.match(text, opening)
        if since is not None and re.match(r"\s*,", text[since.end():]) and _since(since) is not None:
            periodic.repeat["from"] = _since(since)
        within = _WITHIN_PERIOD.match(text, opening)
        if "from" not in periodic.repeat and within is not None and re.match(r"\s*,", text[within.end():]):
            spans += _set_period(periodic, within, context)
    return spans


def _period(match: re.Match[str], context: Context) -> tuple[date, date] | None:
    """The first and last day of a period phrase (`_WITHIN_PERIOD`, `_CELL_PERIOD`); None when its year is unknown
    or a day does not exist."""
    group = match.groupdict().get
    read = _Read()
    try:
        if group("p_months"):
            first, due, _ = _span(str(group("p_months")), context, read)
            return (first or due.replace(day=1)), due
        if group("p_span"):
            first, due, _ = _span(str(group("p_span")), context, read)
            if first is not None:
                return first, due
            flat = key_text(str(group("p_span")))
            if flat.startswith("quý"):
                return date(due.year, due.month - 2, 1), due
            months = 9 if flat.startswith(("9", "chín")) else 6
            return (date(due.year, 1, 1) if "đầu" in flat else date(due.year, 13 - months, 1)), due
    except DateError:
        return None
    year = int(group("p_year") or 0) or context.year_for(12, 31)[0]
    return (date(year, 1, 1), date(year, 12, 31)) if year else None


def key_text(text: str) -> str:
    return " ".join(text.lower().split())


def _set_period(periodic: Deadline, match: re.Match[str], context: Context) -> list[tuple[int, int]]:
    assert periodic.repeat is not None
    period = _period(match, context)
    if period is None:
        return []
    periodic.repeat["from"], periodic.repeat["until"] = period
    return [(match.start(), match.end())]


def cell_period(text: str, context: Context = Context()) -> tuple[date, date] | None:
    """A table cell that only names a period ("Năm 2025", "Trong năm 2025", "Từ tháng 4 đến tháng 11/2025", "Quý
    III/2025"): its first and last day. A periodic task's row reads it as the series' bounds, not as a due date."""
    text = normalise(text)
    match = _CELL_PERIOD.fullmatch(text) or _CELL_PERIOD.fullmatch(re.sub(r"^\s*từ\s+", "", text, flags=re.I))
    return _period(match, context) if match is not None else None


def bound(periodic: Deadline, period: tuple[date, date]) -> Deadline:
    """`periodic` running within `period` (a bound already written beside the rule wins)."""
    assert periodic.repeat is not None
    repeat = dict(periodic.repeat)
    if "from" not in repeat and "until" not in repeat:
        repeat["from"], repeat["until"] = period
    return Deadline(None, None, periodic.phrase, periodic.position, periodic.note, repeat=repeat, end=periodic.end)


def _since(match: re.Match[str]) -> date | None:
    month = int(match.group("month")) if match.group("month_word") else 1
    return date(int(match.group("year")), month, 1) if 1 <= month <= 12 else None


def _clause_bounds(text: str, left: int, right: int, periodic: Deadline, context: Context) -> list[tuple[int, int]]:
    assert periodic.repeat is not None
    spans: list[tuple[int, int]] = []
    months = _MONTH_RANGE.search(text, left + 1, right)
    if months is not None:
        first, last = int(months.group("first")), int(months.group("last"))
        year = int(months.group("year") or months.group("first_year") or 0) or context.year_for(last)[0]
        # "từ tháng 11/2024 đến tháng 02/2025", "từ tháng 11 đến tháng 02/2025": the series runs over the new year
        first_year = int(months.group("first_year") or 0) or (year - (first > last) if year is not None else None)
        if year is not None and first_year is not None and 1 <= first <= 12 and 1 <= last <= 12 \
                and (first_year, first) <= (year, last):
            periodic.repeat["from"] = date(first_year, first, 1)
            periodic.repeat["until"] = date(year, last, days_in_month(year, last))
            spans.append((months.start(), months.end()))
    since = _SINCE.search(text, left + 1, right)
    if since is not None and "from" not in periodic.repeat and _since(since) is not None:
        periodic.repeat["from"] = _since(since)
        spans.append((since.start(), since.end()))
    within = _WITHIN_PERIOD.search(text, left + 1, right)
    if within is not None and "from" not in periodic.repeat:
        spans += _set_period(periodic, within, context)
    return spans


def _dm(text: str) -> tuple[int, int]:
    day, month = _numbers(text)[:2]
    return day, month


def find_repeats(text: str, context: Context = Context()) -> list[Deadline]:
    """The periodic rules of `text` (`repeat:` mappings), with their spans."""
    text = normalise(text)
    result: list[Deadline] = []
    taken: list[tuple[int, int]] = []
    periodic = PERIODIC_WORD.search(text) is not None
    for kind, pattern in _REPEATS:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            repeat: dict[str, object] | None = None
            if kind == "pair":
                days = [_dm(match.group("first")), _dm(match.group("second"))]
                if any(not _valid(day, month) for day, month in days) or days[0][1] == days[1][1]:
                    continue
                repeat = {"dates": [f"{day}/{month}" for day, month in days]}
            elif kind == "dates":
                days = [_dm(part) for part in re.findall(_DM, match.group("dates"))]
                if not (periodic or re.search(rf"{_EVERY}\s+năm", match.group(0), re.IGNORECASE)):
                    continue  # "trước ngày 15/6 và 15/12" of one year: two one-off dates, read as such
                if any(not _valid(day, month) for day, month in days):
                    continue
                repeat = {"dates": [f"{day}/{month}" for day, month in days]}
            elif kind == "year":
                day, month = _dm(match.group("dm"))
                if not _valid(day, month):
                    continue
                repeat = {"every": "year", "day": day, "month": month}
            elif kind == "quarter":
                which = match.group("which").lower()
                month = 3 if which == "cuối" else 2 if which.startswith("thứ") else 1
                if match.group("next"):
                    month += 3
                repeat = {"every": "quarter", "day": int(match.group("day")), "month": month}
                if month == 3:
                    del repeat["month"]  # the default: the quarter's last month
            elif kind == "month":
                written = match.group("day")
                repeat = {"every": "month", "day": "last" if written.lower().startswith("cuối") else int(written)}
            else:
                period = match.group("period").lower()
                repeat = {"every": "month" if period == "tháng" else "quarter", "day": int(match.group("day"))}
            if isinstance(repeat.get("day"), int) and not 1 <= int(repeat["day"]) <= 31:  # type: ignore[call-overload]
                continue
            taken.append((match.start(), match.end()))
            phrase = " ".join(match.group(0).split())
            result.append(Deadline(None, None, phrase, match.start(), f"{phrase} → mốc định kỳ", repeat=repeat,
                                   end=match.end()))
    return sorted(result, key=lambda d: d.position)


def _valid(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= days_in_month(2024, month)


def strip_dates(text: str) -> str:
    """`text` without its deadline phrases, periodic ones included (for a title)."""
    text = normalise(text)
    for deadline in sorted(find_repeats(text), key=lambda d: d.position, reverse=True):
        text = text[:deadline.position] + text[deadline.end:]
    text = _SENTENCE.sub("", text)
    text = re.sub(r"\s*(?:,\s*)?định\s+kỳ(?:\s+(?:hằng|hàng|mỗi)\s+(?:tháng|quý|năm)|\s+\d+\s+tháng(?:\s+một\s+lần)?)?"
                  r"\s*(?=$|[,;.])", "", text, flags=re.IGNORECASE)
    return re.sub(r"\s*(?:,\s*)?(?:hằng|hàng|mỗi)\s+(?:tháng|quý|năm)\s*(?=$|[,;.])", "", text, flags=re.IGNORECASE)
