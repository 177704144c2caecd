"""The ladder at the bounds a plan may use (bot.plans.limits), and out-of-range ladders that reach it anyway."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.plans.limits import FIRST_YEAR, LAST_YEAR, MAX_REMINDER_DAYS
from scheduler.ladder import (
    LadderPolicy,
    before_steps,
    chain_steps,
    current_steps,
    next_escalation_step,
    next_overdue_step,
    parse_days,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_DAY = date(FIRST_YEAR, 1, 1)  # a Monday, and New Year's Day
LAST_DAY = date(LAST_YEAR, 12, 31)  # a Friday


def policy(milestone_days: str | None, default_days: list[int] | None = None) -> LadderPolicy:
    return LadderPolicy.for_milestone(milestone_days=milestone_days, default_days=default_days or [7, 3, 1, 0],
                                      hour=8, tz=VN)


def test_the_earliest_reminder_of_the_earliest_day() -> None:
    steps = before_steps(due_date=FIRST_DAY, policy=policy(f"{MAX_REMINDER_DAYS},0"))
    # 366 days before 01/01/1990 is Saturday 31/12/1988: moved to the Friday before. The due day itself is New
    # Year's Day, a holiday: its step moves to Friday 29/12/1989 (issue 14; it used to stay on the day).
    assert [(step.step, step.fire_at.astimezone(VN).date()) for step in steps] == [
        ("d366:1990-01-01", date(1988, 12, 30)), ("d0:1990-01-01", date(1989, 12, 29))]


def test_the_overdue_chain_after_the_last_day() -> None:
    ladder = policy(f"{MAX_REMINDER_DAYS},0")
    late = datetime(LAST_YEAR + 1, 1, 2, 9, 0, tzinfo=VN)  # the Sunday after
    assert [step.step for step in chain_steps(due_date=LAST_DAY, now=late, policy=ladder)] == [
        "late:2101-01-03", "esc:2101-01-03"]
    sent = datetime(LAST_YEAR + 1, 1, 3, 8, 0, tzinfo=VN)
    assert next_overdue_step(now=sent, policy=ladder).step == "late:2101-01-04"
    assert next_escalation_step(now=sent, policy=ladder).step == "esc:2101-01-10"
    current = current_steps(due_date=LAST_DAY, now=late, policy=ladder)
    assert "d366:2100-12-31" in current and "esc:2101-01-10" in current


def test_a_ladder_beyond_a_year_falls_back_to_the_default() -> None:
    # "1000000" days before a deadline overflowed the date arithmetic: the import died with OverflowError.
    assert parse_days("7,1000000") is None
    assert policy("1000000").days == (7, 3, 1, 0)
    steps = before_steps(due_date=date(2020, 5, 15), policy=policy("1000000"))
    assert [step.step for step in steps] == ["d7:2020-05-15", "d3:2020-05-15", "d1:2020-05-15", "d0:2020-05-15"]


def test_default_days_beyond_a_year_are_left_out() -> None:
    ladder = policy(None, default_days=[10**9, 3, 0])
    assert ladder.days == (3, 0)
    assert before_steps(due_date=LAST_DAY, policy=ladder)[0].fire_at.astimezone(VN).date() == LAST_DAY - timedelta(3)
