"""The official tracking grid: the status of one assignment at one instant.

| group            | status                                        | marker |
| chưa hoàn thành  | trong hạn · sắp đến hạn (≤ 3 days) · quá hạn  | ⏳ 🟠 🔴 |
| chờ xác nhận     | reported done, awaiting a supervisor          | 🕓      |
| đã hoàn thành    | đúng hạn · trễ hạn                            | ✅ ☑️   |
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func
from sqlmodel import col

from bot.i18n import N_
from bot.models import Assignment, AssignmentState, Milestone
from bot.timeutil import local_datetime, local_today


class Group(str, enum.Enum):
    not_done = "not_done"
    awaiting = "awaiting"
    done = "done"


class Status(str, enum.Enum):
    on_track = "on_track"
    due_soon = "due_soon"
    overdue = "overdue"
    awaiting = "awaiting"
    done_on_time = "done_on_time"
    done_late = "done_late"

    @property
    def group(self) -> Group:
        return _GROUPS[self]

    @property
    def marker(self) -> str:
        return _MARKERS[self]

    @property
    def label(self) -> str:
        """English message id; translate with the reader's translator."""
        return _LABELS[self]


_GROUPS = {
    Status.on_track: Group.not_done,
    Status.due_soon: Group.not_done,
    Status.overdue: Group.not_done,
    Status.awaiting: Group.awaiting,
    Status.done_on_time: Group.done,
    Status.done_late: Group.done,
}
_MARKERS = {
    Status.on_track: "⏳",
    Status.due_soon: "🟠",
    Status.overdue: "🔴",
    Status.awaiting: "🕓",
    Status.done_on_time: "✅",
    Status.done_late: "☑️",
}
_LABELS = {
    Status.on_track: N_("on track"),
    Status.due_soon: N_("due soon"),
    Status.overdue: N_("overdue"),
    Status.awaiting: N_("awaiting acceptance"),
    Status.done_on_time: N_("done on time"),
    Status.done_late: N_("done late"),
}


@dataclass(frozen=True)
class Deadline:
    """When a milestone is due: a local day, and the time that day ends (end of working day by default)."""

    due_date: date
    due_time: time | None
    tz: ZoneInfo
    workday_end: time = time(17, 0)

    @property
    def instant(self) -> datetime:
        return local_datetime(self.due_date, self.due_time or self.workday_end, self.tz)

    def days_left(self, now: datetime) -> int:
        """Calendar days from today (local) to the due day: 0 on the day, negative once late."""
        return (self.due_date - local_today(now, self.tz)).days


def due_date_of(assignment: Assignment, milestone: Milestone) -> date:
    """One unit's due date: its approved extension's (`due_date_override`), else the milestone's."""
    return assignment.due_date_override or milestone.due_date


def effective_due_date() -> ColumnElement[date]:
    """SQL for `due_date_of` (the query joins Assignment and Milestone): the one expression every query that
    judges a unit's deadline uses."""
    return func.coalesce(col(Assignment.due_date_override), col(Milestone.due_date))


def assignment_status(
    *,
    state: AssignmentState,
    deadline: Deadline,
    now: datetime,
    completed_at: datetime | None = None,
    due_soon_days: int = 3,
    done_on: date | None = None,
) -> Status:
    """Status at `now`. What decides on time vs late: `done_on`, the day the unit says the work was done (a day:
    on time up to the due day itself), else `completed_at`, when the unit reported it done."""
    if state == AssignmentState.reported:
        return Status.awaiting
    if state == AssignmentState.done:
        if done_on is not None:
            return Status.done_on_time if done_on <= deadline.due_date else Status.done_late
        finished = completed_at or now
        return Status.done_on_time if finished <= deadline.instant else Status.done_late
    if now > deadline.instant:
        return Status.overdue
    if deadline.days_left(now) <= due_soon_days:
        return Status.due_soon
    return Status.on_track
