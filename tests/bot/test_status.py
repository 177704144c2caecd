"""The official status grid at boundary instants, in Hà Nội time (pure: no database, no Telegram)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.models import AssignmentState
from bot.status import Deadline, Group, Status, assignment_status

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = Deadline(date(2020, 5, 15), None, VN)  # Friday 15/05/2020, ends 17:00 local


def at(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2020, month, day, hour, minute, tzinfo=VN)


def status(now: datetime, state: AssignmentState = AssignmentState.open, completed: datetime | None = None,
           deadline: Deadline = DUE) -> Status:
    return assignment_status(state=state, deadline=deadline, now=now, completed_at=completed)


@pytest.mark.parametrize(("now", "expected"), [
    (at(11, 9), Status.on_track),       # 4 days left
    (at(12, 9), Status.due_soon),       # 3 days left
    (at(15, 8), Status.due_soon),       # due today, morning
    (at(15, 17, 0), Status.due_soon),   # the very end of the working day still counts
    (at(15, 17, 1), Status.overdue),    # a minute later it is late
    (at(16, 9), Status.overdue),        # due yesterday
])
def test_open_items_by_time_left(now: datetime, expected: Status) -> None:
    assert status(now) is expected


def test_completion_is_judged_by_when_it_was_reported() -> None:
    assert status(at(20, 9), AssignmentState.done, completed=at(15, 16, 59)) is Status.done_on_time
    assert status(at(20, 9), AssignmentState.done, completed=at(15, 17, 0)) is Status.done_on_time
    assert status(at(20, 9), AssignmentState.done, completed=at(16, 8)) is Status.done_late  # after due
    assert status(at(20, 9), AssignmentState.reported, completed=at(16, 8)) is Status.awaiting


def test_a_given_due_time_replaces_the_end_of_the_working_day() -> None:
    morning = Deadline(date(2020, 5, 15), time(10, 0), VN)
    assert status(at(15, 10, 1), deadline=morning) is Status.overdue
    assert status(at(15, 9, 59), deadline=morning) is Status.due_soon


def test_days_left_across_month_ends_and_a_leap_february() -> None:
    end_of_february = Deadline(date(2020, 2, 29), None, VN)
    assert end_of_february.days_left(at(27, 9, month=1)) == 33
    assert end_of_february.days_left(at(1, 9, month=3)) == -1
    # 23:30 UTC on 14/05 is already 15/05 in Hà Nội: the due day, not one day left.
    assert DUE.days_left(datetime(2020, 5, 14, 23, 30, tzinfo=ZoneInfo("UTC"))) == 0


def test_groups_and_markers_follow_the_official_grid() -> None:
    assert {s.group for s in (Status.on_track, Status.due_soon, Status.overdue)} == {Group.not_done}
    assert Status.awaiting.group is Group.awaiting
    assert [s.marker for s in Status] == ["⏳", "🟠", "🔴", "🕓", "✅", "☑️"]
