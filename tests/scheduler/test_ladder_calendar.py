"""The ladder around public holidays and declared days (bot/workdays.py), pure. Dates written out by hand; the
holidays are the ones pinned in tests/bot/test_workdays.py, the declared days fixtures of this file."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings, strategies as st

from bot.workdays import DeclaredDay, WorkingCalendar, default_calendar
from scheduler.ladder import (
    LadderPolicy,
    before_steps,
    chain_steps,
    current_steps,
    next_escalation_step,
    next_overdue_step,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = LadderPolicy(days=(7, 3, 1, 0), hour=8, tz=VN)
# Fixtures, not official decisions: Thursday 15/04/2027 off, Saturday 24/04/2027 worked for it.
DECLARED = WorkingCalendar([DeclaredDay(date(2027, 4, 15), working=False, note="Nghỉ thêm (ví dụ)"),
                            DeclaredDay(date(2027, 4, 24), working=True, note="Làm bù (ví dụ)")])
DECLARED_POLICY = LadderPolicy(days=(7, 3, 1, 0), hour=8, tz=VN, calendar=DECLARED)


def local_days(due: date, policy: LadderPolicy = POLICY) -> dict[str, date]:
    return {step.step.split(":")[0]: step.fire_at.astimezone(VN).date()
            for step in before_steps(due_date=due, policy=policy)}


def sent_at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=VN)


def first_overdue(due: date, policy: LadderPolicy = POLICY) -> date:
    late, _escalation = chain_steps(due_date=due, now=sent_at(due - timedelta(days=30)), policy=policy)
    return late.fire_at.astimezone(VN).date()


def test_steps_that_fall_in_tet_move_to_the_last_working_day_before_it() -> None:
    # Due Monday 15/02/2027: d7 (Monday 08/02, mùng 3) → Wednesday 03/02; d3 (Friday 12/02) and d1 (Sunday 14/02)
    # share Friday 12/02, which d1 keeps.
    assert local_days(date(2027, 2, 15)) == {"d7": date(2027, 2, 3), "d1": date(2027, 2, 12), "d0": date(2027, 2, 15)}
    # Due on mùng 5 (Wednesday 10/02, a day in lieu): every step lands on Wednesday 03/02; the due day's keeps it.
    assert local_days(date(2027, 2, 10)) == {"d0": date(2027, 2, 3)}
    assert first_overdue(date(2027, 2, 10)) == date(2027, 2, 11)


def test_overdue_repeats_skip_tet_and_count_working_days() -> None:
    assert first_overdue(date(2027, 2, 2)) == date(2027, 2, 3)
    chain, now = [], sent_at(date(2027, 2, 3))
    for _ in range(4):
        step = next_overdue_step(now=now, policy=POLICY)
        chain.append(step.step)
        now = step.fire_at
    assert chain == ["late:2027-02-11", "late:2027-02-12", "late:2027-02-15", "late:2027-02-16"]


def test_escalations_are_never_on_a_holiday() -> None:
    # A week after Thursday 28/01 is 29 Tết (Thursday 04/02): the working day before, Wednesday 03/02.
    assert next_escalation_step(now=sent_at(date(2027, 1, 28)), policy=POLICY).step == "esc:2027-02-03"
    # A week after Wednesday 03/02 is mùng 5 (10/02), and the days off reach back to 03/02 itself: Thursday 11/02.
    assert next_escalation_step(now=sent_at(date(2027, 2, 3)), policy=POLICY).step == "esc:2027-02-11"
    # A week after Friday 23/04 is Friday 30/04: Thursday 29/04.
    assert next_escalation_step(now=sent_at(date(2027, 4, 23)), policy=POLICY).step == "esc:2027-04-29"
    # The bound the planner and the sweep check escalations against reaches past Tết.
    current = current_steps(due_date=date(2027, 2, 2), now=sent_at(date(2027, 2, 3)), policy=POLICY)
    assert "esc:2027-02-11" in current and "late:2027-02-11" in current
    assert "late:2027-02-05" not in current  # a day off from today on: a step left there is moved by a re-plan


def test_30_4_1_5_and_2_9() -> None:
    # Due Monday 03/05/2027 (in lieu of 1/5): reminded on Thursday 29/04, late from Tuesday 04/05.
    assert local_days(date(2027, 5, 3))["d0"] == date(2027, 4, 29)
    assert first_overdue(date(2027, 5, 3)) == date(2027, 5, 4)
    assert first_overdue(date(2027, 4, 29)) == date(2027, 5, 4)
    # Due Thursday 02/09/2027: reminded on Wednesday 01/09 (d1 gives way), late from Monday 06/09.
    assert local_days(date(2027, 9, 2)) == {"d7": date(2027, 8, 26), "d3": date(2027, 8, 30), "d0": date(2027, 9, 1)}
    assert first_overdue(date(2027, 9, 2)) == date(2027, 9, 6)


def test_a_due_date_on_a_sunday_is_reminded_on_friday_and_late_from_monday() -> None:
    assert local_days(date(2027, 3, 14)) == {"d7": date(2027, 3, 5), "d3": date(2027, 3, 11), "d0": date(2027, 3, 12)}
    assert first_overdue(date(2027, 3, 14)) == date(2027, 3, 15)


def test_a_declared_make_up_saturday_gets_reminders_and_a_declared_day_off_none() -> None:
    # Due Monday 26/04/2027: d1 (Sunday 25/04) goes to the make-up Saturday 24/04, not to Friday 23/04.
    assert local_days(date(2027, 4, 26), DECLARED_POLICY)["d1"] == date(2027, 4, 24)
    assert local_days(date(2027, 4, 26))["d1"] == date(2027, 4, 23)  # without the declaration
    assert next_overdue_step(now=sent_at(date(2027, 4, 23)), policy=DECLARED_POLICY).step == "late:2027-04-24"
    # Due on the declared day off (Thursday 15/04): reminded on Wednesday 14/04; late from Monday 19/04, over Giỗ
    # Tổ (Friday 16/04) and the weekend.
    assert local_days(date(2027, 4, 15), DECLARED_POLICY)["d0"] == date(2027, 4, 14)
    assert first_overdue(date(2027, 4, 15), DECLARED_POLICY) == date(2027, 4, 19)


# Checked against the package itself, not through bot.workdays: a step on a holiday or a weekend is a failure.
VN_HOLIDAYS = holidays.country_holidays("VN", years=range(2018, 2029))
WORKED = set(VN_HOLIDAYS.weekend_workdays)


def is_day_off(day: date) -> bool:
    return day in VN_HOLIDAYS or (day.weekday() >= 5 and day not in WORKED)


@settings(deadline=None, max_examples=300)
@given(due=st.dates(date(2019, 1, 1), date(2027, 12, 31)),
       ladder=st.sets(st.integers(0, 40), min_size=1, max_size=6),
       sent=st.dates(date(2019, 1, 1), date(2027, 12, 31)))
def test_no_step_of_2019_to_2027_falls_on_a_day_off(due: date, ladder: set[int], sent: date) -> None:
    policy = LadderPolicy(days=tuple(sorted(ladder, reverse=True)), hour=8, tz=VN)
    steps = before_steps(due_date=due, policy=policy)
    steps += chain_steps(due_date=due, now=sent_at(due - timedelta(days=60)), policy=policy)
    if not default_calendar().is_working_day(sent):
        sent = default_calendar().working_day_on_or_after(sent)  # steps are only ever sent on working days
    steps += [next_overdue_step(now=sent_at(sent), policy=policy),
              next_escalation_step(now=sent_at(sent), policy=policy)]
    for step in steps:
        local = step.fire_at.astimezone(VN)
        assert not is_day_off(local.date()), (step.step, local.date())
        assert (local.hour, local.minute) == (8, 0)
    # Before the deadline: on or before the due date, never later; the first overdue step is the first working day.
    befores = [step for step in steps if step.step.startswith("d")]
    assert all(step.fire_at.astimezone(VN).date() <= due for step in befores)
    first_late = steps[len(befores)].fire_at.astimezone(VN).date()
    assert first_late > due and all(is_day_off(due + timedelta(days=n)) for n in range(1, (first_late - due).days))
    # The next overdue repeat skips only days off.
    after = steps[-2].fire_at.astimezone(VN).date()
    assert after > sent and all(is_day_off(sent + timedelta(days=n)) for n in range(1, (after - sent).days))
