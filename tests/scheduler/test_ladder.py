"""The ladder, pure: dates around weekends and month ends, per-milestone ladders, the overdue chains.

Holidays and declared days: tests/scheduler/test_ladder_calendar.py."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler.ladder import (
    LadderPolicy,
    before_steps,
    chain_steps,
    current_steps,
    newest_per_audience,
    next_escalation_step,
    next_overdue_step,
    parse_days,
)
from scheduler.window import SendWindow

VN = ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = LadderPolicy(days=(7, 3, 1, 0), hour=8, tz=VN)


def local_days(due: date, policy: LadderPolicy = POLICY) -> dict[str, date]:
    return {
        step.step.split(":")[0]: step.fire_at.astimezone(VN).date()
        for step in before_steps(due_date=due, policy=policy)
    }


def test_default_ladder_fires_at_eight_local_time() -> None:
    steps = before_steps(due_date=date(2020, 5, 15), policy=POLICY)  # a Friday
    assert [s.step for s in steps] == ["d7:2020-05-15", "d3:2020-05-15", "d1:2020-05-15", "d0:2020-05-15"]
    assert {s.fire_at.astimezone(VN).time() for s in steps} == {time(8, 0)}
    assert steps[-1].fire_at == datetime(2020, 5, 15, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert local_days(date(2020, 5, 15)) == {
        "d7": date(2020, 5, 8),
        "d3": date(2020, 5, 12),
        "d1": date(2020, 5, 14),
        "d0": date(2020, 5, 15),
    }


def test_a_step_on_a_weekend_moves_to_the_friday_before() -> None:
    # Due Wednesday 13/05/2020: three days before is Sunday 10/05 → Friday 08/05.
    assert local_days(date(2020, 5, 13))["d3"] == date(2020, 5, 8)


def test_two_steps_on_one_friday_become_the_nearer_one() -> None:
    # Due Monday 18/05/2020: d1 (Sunday) and d3 (Friday) both land on Friday 15/05; d1 keeps it.
    days = local_days(date(2020, 5, 18))
    assert days == {"d7": date(2020, 5, 11), "d1": date(2020, 5, 15), "d0": date(2020, 5, 18)}


def test_a_due_date_on_a_weekend_is_reminded_on_the_friday_before() -> None:
    # Issue 14 changed this: the due day's own step used to stay on the Saturday. Now it moves to Friday 15/05
    # like every other step, and takes that day from d1 (nearer the deadline).
    days = local_days(date(2020, 5, 16))  # Saturday
    assert days == {"d7": date(2020, 5, 8), "d3": date(2020, 5, 13), "d0": date(2020, 5, 15)}
    late, escalation = chain_steps(due_date=date(2020, 5, 16), now=datetime(2020, 5, 1, tzinfo=VN), policy=POLICY)
    assert late.step == "late:2020-05-18" and escalation.step == "esc:2020-05-18"  # the Monday after


def test_month_and_leap_year_ends() -> None:
    # Due Sunday 01/03/2020: d0 → Friday 28/02, which d1 (Saturday 29/02, the leap day) also lands on: d0 keeps
    # it (issue 14: d0 used to stay on the Sunday); d7 Sunday 23/02 → Friday 21/02.
    assert local_days(date(2020, 3, 1)) == {
        "d7": date(2020, 2, 21),
        "d3": date(2020, 2, 27),
        "d0": date(2020, 2, 28),
    }
    # Due Friday 01/01/2021: the ladder crosses the year.
    assert local_days(date(2021, 1, 1))["d7"] == date(2020, 12, 25)
    # Due Monday 01/06/2020: the first overdue day is Tuesday 02/06.
    late, _ = chain_steps(due_date=date(2020, 6, 1), now=datetime(2020, 5, 1, tzinfo=VN), policy=POLICY)
    assert late.step == "late:2020-06-02"


def test_a_milestone_may_bring_its_own_ladder() -> None:
    policy = LadderPolicy.for_milestone(milestone_days="5, 0", default_days=[7, 3, 1, 0], hour=8, tz=VN)
    assert policy.days == (5, 0)
    assert local_days(date(2020, 5, 15), policy) == {"d5": date(2020, 5, 8), "d0": date(2020, 5, 15)}
    fallback = LadderPolicy.for_milestone(milestone_days="bảy", default_days=[7, 3, 1, 0], hour=8, tz=VN)
    assert fallback.days == (7, 3, 1, 0)


@pytest.mark.parametrize("text", [None, "", "  ", "a,b", "-1,0"])
def test_unreadable_ladders_fall_back(text: str | None) -> None:
    assert parse_days(text) is None


def test_overdue_reminders_skip_weekends_and_escalations_are_weekly() -> None:
    friday = datetime(2020, 5, 22, 8, 0, tzinfo=VN)
    assert next_overdue_step(now=friday, policy=POLICY).step == "late:2020-05-25"
    monday = datetime(2020, 5, 25, 8, 0, tzinfo=VN)
    assert next_overdue_step(now=monday, policy=POLICY).step == "late:2020-05-26"
    assert next_escalation_step(now=monday, policy=POLICY).step == "esc:2020-06-01"
    # Sent on a Saturday (a "làm bù" Saturday is a working day): a week later is a Saturday → the Friday before.
    saturday = datetime(2020, 5, 23, 8, 0, tzinfo=VN)
    assert next_escalation_step(now=saturday, policy=POLICY).step == "esc:2020-05-29"


def test_a_chain_restarted_late_starts_next_morning() -> None:
    # An old deadline imported on Friday afternoon: the overdue chain starts on Monday.
    now = datetime(2020, 5, 22, 15, 0, tzinfo=VN)
    late, escalation = chain_steps(due_date=date(2020, 5, 1), now=now, policy=POLICY)
    assert late.step == "late:2020-05-25" and escalation.step == "esc:2020-05-25"


def test_current_steps_after_an_edit() -> None:
    now = datetime(2020, 5, 10, 9, 0, tzinfo=VN)
    current = current_steps(due_date=date(2020, 5, 8), now=now, policy=POLICY)
    assert "d0:2020-05-08" in current
    assert "d0:2020-05-20" not in current  # the old due date
    assert "late:2020-05-11" in current  # the next working morning
    assert "late:2020-05-21" not in current  # left from the old, later deadline: too far away
    assert "late:2020-05-07" not in current  # before the deadline
    assert "esc:2020-05-18" in current  # a week on is still the chain's pace
    assert "esc:2020-05-19" not in current


def test_catch_up_keeps_the_newest_step_per_audience() -> None:
    at = lambda day: datetime(2020, 5, day, 8, 0, tzinfo=VN)  # noqa: E731
    keep, superseded = newest_per_audience(
        [
            (1, "d3:2020-05-15", at(12)),
            (2, "d1:2020-05-15", at(14)),
            (3, "d0:2020-05-15", at(15)),
            (4, "late:2020-05-18", at(18)),
            (5, "esc:2020-05-18", at(18)),
        ]
    )
    assert keep == {4, 5} and superseded == {1, 2, 3}


def test_send_window_is_closed_at_night_and_on_weekends() -> None:
    window = SendWindow(opens=time(8), closes=time(21), tz=VN)
    assert not window.is_open(datetime(2020, 5, 11, 23, 0, tzinfo=VN))
    assert not window.is_open(datetime(2020, 5, 12, 7, 59, tzinfo=VN))
    assert window.is_open(datetime(2020, 5, 12, 8, 0, tzinfo=VN))
    assert window.next_open(datetime(2020, 5, 11, 23, 0, tzinfo=VN)) == datetime(2020, 5, 12, 8, 0, tzinfo=VN)
    assert window.may_send(datetime(2020, 5, 12, 9, 0, tzinfo=VN))  # a Tuesday
    # Issue 14: a weekend used to let that day's own steps out; now nothing goes until Monday morning.
    assert not window.may_send(datetime(2020, 5, 16, 9, 0, tzinfo=VN))
    assert window.next_open(datetime(2020, 5, 15, 21, 0, tzinfo=VN)) == datetime(2020, 5, 18, 8, 0, tzinfo=VN)
