"""Reading dates and times the way Vietnamese plans write them."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.plans.dates import format_day, parse_due_day, parse_start_day, parse_time_of_day
from bot.plans.problems import PlanValueError


@pytest.mark.parametrize(("written", "due"), [
    ("15/05/2020", date(2020, 5, 15)),
    ("15/5/2020", date(2020, 5, 15)),
    ("1.7.2020", date(2020, 7, 1)),
    ("2020-05-15", date(2020, 5, 15)),
    ("tháng 10/2019", date(2019, 10, 31)),
    ("trong tháng 02/2020", date(2020, 2, 29)),
    ("Trong tháng 2/2019", date(2019, 2, 28)),
    ("tháng 11/2019", date(2019, 11, 30)),
])
def test_due_days(written: str, due: date) -> None:
    assert parse_due_day(written) == due


def test_a_month_starts_on_its_first_day() -> None:
    assert parse_start_day("tháng 8/2019") == date(2019, 8, 1)
    assert parse_start_day("tháng 4/2020") == date(2020, 4, 1)


@pytest.mark.parametrize("written", ["31/02/2020", "29/02/2019", "00/05/2020", "15/00/2020", "tháng 13/2020",
                                     "15/05/20", "mười lăm"])
def test_impossible_or_unreadable_days(written: str) -> None:
    with pytest.raises(PlanValueError):
        parse_due_day(written)


@pytest.mark.parametrize(("written", "at"), [("17:00", time(17)), ("8:30", time(8, 30)), ("17h", time(17)),
                                             ("17h30", time(17, 30)), ("17 giờ 30", time(17, 30))])
def test_times_of_day(written: str, at: time) -> None:
    assert parse_time_of_day(written) == at


@pytest.mark.parametrize("written", ["24:00", "17:60", "5 pm", ""])
def test_impossible_times(written: str) -> None:
    with pytest.raises(PlanValueError):
        parse_time_of_day(written)


def test_days_print_as_vietnamese_documents_write_them() -> None:
    assert format_day(date(2020, 2, 29)) == "29/02/2020"
