"""Periodic milestones on paper: the periods a rule makes (month ends, the working calendar, half years), and the
problems a plan file's `repeat:` is told about."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from bot.i18n import translator
from bot.plans.periods import Repeat, period_title, periods_from, upcoming
from bot.plans.validate import check_plan_text
from bot.workdays import DeclaredDay, WorkingCalendar, default_calendar

VI = translator("vi")
EN = translator("en")


def dues(rule: Repeat, today: date, count: int,
         calendar: WorkingCalendar | None = None) -> list[tuple[str, date]]:
    found = []
    for period in periods_from(rule, today, calendar):
        found.append((period.key, period.due))
        if len(found) == count:
            break
    return found


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    rule = Repeat(every="month", day=31, start=date(2027, 1, 1))
    assert dues(rule, date(2027, 1, 1), 4) == [("2027-01", date(2027, 1, 31)), ("2027-02", date(2027, 2, 28)),
                                               ("2027-03", date(2027, 3, 31)), ("2027-04", date(2027, 4, 30))]
    assert dues(rule, date(2028, 2, 1), 1) == [("2028-02", date(2028, 2, 29))]  # a leap year


def test_the_last_working_day_of_the_month_skips_tet_and_the_april_holidays() -> None:
    rule = Repeat(every="month", day="last_working", start=date(2025, 1, 1))
    calendar = default_calendar()
    # 27/01/2025 (29 Tết) to 02/02/2025 are days off, after the weekend of 25–26/01: due on Friday 24/01.
    assert dues(rule, date(2025, 1, 1), 1, calendar) == [("2025-01", date(2025, 1, 24))]
    # 30/4/2027 (Friday) and 1/5 are holidays: Thursday 29/4.
    assert dues(rule, date(2027, 4, 1), 1, calendar) == [("2027-04", date(2027, 4, 29))]
    # An ordinary month ending on a Sunday (28/02/2027): Friday 26/02.
    assert dues(rule, date(2027, 2, 1), 1, calendar) == [("2027-02", date(2027, 2, 26))]
    # A day the government declares off moves it once more.
    declared = WorkingCalendar([DeclaredDay(date(2027, 4, 29), working=False, note="Nghỉ bù")])
    assert dues(rule, date(2027, 4, 1), 1, declared) == [("2027-04", date(2027, 4, 28))]
    # Once the last working day has passed, the month's period is no longer the current one.
    assert upcoming(rule, date(2025, 1, 25), calendar)[0].key == "2025-02"


def test_half_yearly_on_15_6_and_15_12_and_quarterly_after_the_quarter() -> None:
    half = Repeat(every="half_year", dates=((15, 6), (15, 12)), start=date(2026, 7, 1))
    assert [(period.key, period.due, period.label) for period in upcoming(half, date(2026, 12, 16))] == [
        ("2027-H1", date(2027, 6, 15), "6 tháng đầu năm 2027"),
        ("2027-H2", date(2027, 12, 15), "6 tháng cuối năm 2027"),
    ]
    same = Repeat(every="half_year", day=15, month=6, start=date(2026, 7, 1))  # the same rule, written by day/month
    assert [p.due for p in upcoming(same, date(2026, 12, 16))] == [date(2027, 6, 15), date(2027, 12, 15)]
    # The 5th of the month after each quarter: the fourth quarter of 2026 is due on 05/01/2027.
    quarter = Repeat(every="quarter", day=5, month=4, start=date(2026, 10, 1))
    assert [(p.key, p.due, p.label) for p in upcoming(quarter, date(2026, 12, 31))] == [
        ("2026-Q4", date(2027, 1, 5), "quý IV/2026"), ("2027-Q1", date(2027, 4, 5), "quý I/2027")]


def test_a_period_is_named_after_its_series_and_its_period() -> None:
    assert period_title("Báo cáo kết quả công tác", "tháng 12/2026") == "Báo cáo kết quả công tác tháng 12/2026"
    assert period_title("Báo cáo tháng", "tháng 12/2026") == "Báo cáo tháng 12/2026"  # not "tháng tháng"
    assert period_title("Báo cáo 6 tháng", "6 tháng đầu năm 2027") == "Báo cáo 6 tháng đầu năm 2027"
    assert period_title("Báo cáo {period} gửi Ban Tổ chức", "quý IV/2026") == "Báo cáo quý IV/2026 gửi Ban Tổ chức"


def test_current_and_next_keep_within_from_and_until() -> None:
    rule = Repeat(every="month", day=20, start=date(2026, 11, 1), until=date(2027, 1, 31))
    assert [p.key for p in upcoming(rule, date(2020, 5, 4))] == ["2026-11", "2026-12"]  # long before: the first two
    assert [p.key for p in upcoming(rule, date(2026, 12, 21))] == ["2027-01"]  # the last one
    assert upcoming(rule, date(2027, 1, 21)) == []  # over


@settings(deadline=None, max_examples=200)
@given(every=st.sampled_from(["month", "quarter", "half_year", "year"]), day=st.integers(1, 31),
       month=st.integers(1, 24), today=st.dates(date(1995, 1, 1), date(2095, 12, 31)))
def test_the_current_period_is_the_first_not_yet_due_and_the_next_follows_it(every: str, day: int, month: int,
                                                                             today: date) -> None:
    span = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[every]
    rule = Repeat(every=every, day=day, month=min(month, 2 * span), start=date(1990, 1, 1))
    current, following = upcoming(rule, today)
    assert today <= current.due < following.due
    assert current.first_day <= current.due  # a period is never due before it starts
    # Nothing was due between today and the current period: no period is skipped.
    earlier = [p for p in periods_from(rule, date(1990, 1, 1)) if p.due >= date(today.year - 3, 1, 1)]
    assert not [p for p in earlier if today <= p.due < current.due]


PLAN = """\
plan: {code: KH-DK, title: Kế hoạch định kỳ}
units:
  - {code: TU, name: Tỉnh ủy, kind: province_committee}
  - {code: BTC, name: Ban Tổ chức, kind: party_board, parent: TU}
phases:
  - {code: "1", title: Năm 2027, start: 01/01/2027, end: 31/12/2027}
milestones:
"""


def problems(milestones: str, t=VI) -> list[str]:  # type: ignore[no-untyped-def]
    check = check_plan_text(PLAN + milestones, filename="p.yaml")
    return check.render(t)


def test_a_valid_series_takes_its_dates_from_the_phase_when_it_has_no_from() -> None:
    check = check_plan_text(PLAN + """\
  - code: BC
    phase: "1"
    title: Báo cáo {period} gửi Ban Tổ chức
    units: [BTC]
    repeat: {every: month, day: last_working}
""", filename="p.yaml")
    assert check.problems == []
    assert check.plan is not None
    (series,) = check.plan.milestones
    assert series.repeat == Repeat(every="month", day="last_working", start=date(2027, 1, 1), until=date(2027, 12, 31))


@pytest.mark.parametrize(("repeat", "expected"), [
    ("{every: mont, day: 20, from: 01/01/2027}", 'chu kỳ "mont"'),
    ("{every: month, day: 32, from: 01/01/2027}", 'từ 1 đến 31, "last" hoặc "last_working"'),
    ("{every: month, from: 01/01/2027}", '"repeat:" cần "day:"'),
    ("{day: 20, from: 01/01/2027}", '"repeat:" cần "every:"'),
    ("{every: quarter, day: 5, month: 7, from: 01/01/2027}", '"month: 7" quá xa'),
    ("{dates: [15/6, 31/4], from: 01/01/2027}", 'ngày "31/4" không tồn tại'),
    ("{dates: [15/6, 20/6], from: 01/01/2027}", "cùng một tháng"),
    ("{every: half_year, dates: [15/3, 15/6], from: 01/01/2027}", "cùng một kỳ"),
    ("{dates: [15/6/2027], from: 01/01/2027}", "không ghi năm"),
    ("{every: month, day: 20, dates: [15/6], from: 01/01/2027}", '"dates:" hoặc "day:"'),
    ("{every: month, day: 20, from: 01/01/2027, until: 01/12/2026}", "kết thúc ngày 01/12/2026, trước khi"),
    ("{every: month, day: 20, from: 31/02/2027}", 'ngày "31/02/2027" không tồn tại'),
    ("{every: month, day: 20, form: 01/01/2027}", 'khóa "form"'),
    ("{every: month, day: 20}", 'cần "from:"'),
    ("monthly", '"repeat"'),
])
def test_a_bad_repeat_is_explained_in_vietnamese_and_nothing_is_imported(repeat: str, expected: str) -> None:
    found = problems(f"  - {{code: BC, title: Báo cáo, units: [BTC], repeat: {repeat}}}\n")
    assert len(found) == 1 and expected in found[0], found
    assert found[0].startswith("p.yaml:8: ")


def test_a_series_has_no_due_date_of_its_own_and_its_period_codes_stay_free() -> None:
    found = problems("""\
  - {code: BC, title: Báo cáo, units: [BTC], due: 20/01/2027, repeat: {every: month, day: 20, from: 01/01/2027}}
  - {code: BC-2027-01, title: Báo cáo tháng 1, units: [BTC], due: 20/01/2027}
  - {code: BC-2027, title: Một kỳ năm, units: [BTC], repeat: {every: year, day: 20, from: 01/01/2027}}
""", EN)
    assert found == [
        'p.yaml:8: a repeating milestone takes its dates from "repeat:": remove "due:"',
        'p.yaml:9: code "BC-2027-01" is kept for the periods of repeating milestone "BC" (named like "BC-2026-12"): '
        'choose another',
        'p.yaml:10: code "BC-2027" is kept for the periods of repeating milestone "BC" (named like "BC-2026-12"): '
        'choose another',
    ]
