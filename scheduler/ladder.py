"""The reminder ladder, pure: a milestone's due date and the settings → the (step, fire time) rows.

Rules (DESIGN.md, "Reminders"):

* Before the deadline: one step per entry of the ladder (default 7, 3, 1 and 0 days before the due date),
  at `reminder_hour` local time. The ladder comes from the milestone ("7,3,1,0") or else the settings.
* Weekends: a step that lands on a Saturday or Sunday moves to the Friday before. The one exception is the
  due day itself: when the due date is a weekend day, its own step (0 days before) stays on that day. Two
  steps that end on the same Friday become one (the one nearer the deadline keeps its name).
* Overdue: every working day (Mon-Fri) at `reminder_hour` until confirmed. Only the first overdue step is
  planned; each next one is made when the previous is sent (`next_overdue_step`), so the table never holds
  a year of rows per late assignment.
* Escalation to the parent unit's supervisors: on the first overdue working day, then weekly
  (`next_escalation_step`; a week later, moved back to the Friday if that is a weekend day).

Step names are the unique key of a reminder row with its assignment, so they carry the date they belong to:
"d3:2020-05-15" (3 days before a deadline of 15/05/2020), "late:2020-05-18", "esc:2020-05-18". An edited
due date therefore makes new steps, and the steps already sent for the old date are never sent again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.timeutil import local_datetime, local_today

SATURDAY = 5
WEEK = timedelta(days=7)


class Audience(str, enum.Enum):
    """Who a step speaks to."""

    unit = "unit"  # the secretaries of the assigned unit
    parent = "parent"  # the supervisors of the assigned unit's parent


class StepKind(str, enum.Enum):
    before = "d"  # n days before the deadline (0: on the due day)
    late = "late"  # a working day after the deadline
    escalation = "esc"  # the parent unit is told

    @property
    def audience(self) -> Audience:
        return Audience.parent if self is StepKind.escalation else Audience.unit


@dataclass(frozen=True)
class LadderPolicy:
    """What the ladder of one milestone depends on besides its due date."""

    days: tuple[int, ...]
    hour: int
    tz: ZoneInfo

    @classmethod
    def for_milestone(
        cls, *, milestone_days: str | None, default_days: Sequence[int], hour: int, tz: ZoneInfo
    ) -> LadderPolicy:
        days = parse_days(milestone_days) or tuple(default_days)
        return cls(days=tuple(sorted(set(days), reverse=True)), hour=hour, tz=tz)

    def fire_at(self, day: date) -> datetime:
        return local_datetime(day, time(self.hour), self.tz)


@dataclass(frozen=True)
class PlannedStep:
    step: str
    fire_at: datetime  # UTC

    @property
    def kind(self) -> StepKind:
        return step_kind(self.step)


def parse_days(text: str | None) -> tuple[int, ...] | None:
    """'7,3,1,0' → (7, 3, 1, 0); None for an empty or unreadable ladder (then the global one applies)."""
    if not text or not text.strip():
        return None
    try:
        days = tuple(int(part) for part in text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        return None
    if not days or any(day < 0 for day in days):
        return None
    return days


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def next_working_day_after(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def step_day(due_date: date, days_before: int) -> date:
    """The local day a 'n days before' step fires: weekends move to the Friday before, except the due day."""
    day = due_date - timedelta(days=days_before)
    if days_before == 0:
        return day
    return working_day_on_or_before(day)


def step_name(kind: StepKind, day: date, days_before: int | None = None) -> str:
    if kind is StepKind.before:
        return f"d{days_before}:{day.isoformat()}"
    return f"{kind.value}:{day.isoformat()}"


def step_kind(step: str) -> StepKind:
    prefix = step.split(":", 1)[0]
    if prefix == StepKind.late.value:
        return StepKind.late
    if prefix == StepKind.escalation.value:
        return StepKind.escalation
    return StepKind.before


def step_date(step: str) -> date:
    """The date a step name carries (the deadline for 'd' steps, the firing day for the others)."""
    return date.fromisoformat(step.split(":", 1)[1])


def first_overdue_day(due_date: date) -> date:
    return next_working_day_after(due_date)


def before_steps(*, due_date: date, policy: LadderPolicy) -> list[PlannedStep]:
    """The steps before (and on) the due day, one per firing day, earliest first."""
    by_day: dict[date, int] = {}
    for days_before in policy.days:  # largest first, so the nearer step wins a shared Friday
        by_day[step_day(due_date, days_before)] = days_before
    return [
        PlannedStep(step_name(StepKind.before, due_date, days_before), policy.fire_at(day))
        for day, days_before in sorted(by_day.items())
    ]


def next_slot_day(now: datetime, policy: LadderPolicy) -> date:
    """The first working day whose reminder hour is still ahead of `now`."""
    today = local_today(now, policy.tz)
    if is_working_day(today) and policy.fire_at(today) > now:
        return today
    return next_working_day_after(today)


def overdue_start(*, due_date: date, now: datetime, policy: LadderPolicy) -> date:
    """Where an overdue chain (re)starts: the first overdue day, or the next slot if that one has passed.

    A chain restarted late (an old deadline imported, an assignment reopened) starts at the next morning:
    the catch-up digest already tells the unit how late it is.
    """
    return max(first_overdue_day(due_date), next_slot_day(now, policy))


def chain_steps(*, due_date: date, now: datetime, policy: LadderPolicy) -> list[PlannedStep]:
    """The first overdue reminder and the first escalation of a chain that has none pending."""
    start = overdue_start(due_date=due_date, now=now, policy=policy)
    fire_at = policy.fire_at(start)
    return [
        PlannedStep(step_name(StepKind.late, start), fire_at),
        PlannedStep(step_name(StepKind.escalation, start), fire_at),
    ]


def next_overdue_step(*, now: datetime, policy: LadderPolicy) -> PlannedStep:
    """The overdue reminder after the one being sent at `now`: the next working morning."""
    day = next_working_day_after(local_today(now, policy.tz))
    return PlannedStep(step_name(StepKind.late, day), policy.fire_at(day))


def next_escalation_step(*, now: datetime, policy: LadderPolicy) -> PlannedStep:
    """The escalation a week after the one being sent at `now` (the Friday before, if a weekend day)."""
    day = working_day_on_or_before(local_today(now, policy.tz) + WEEK)
    return PlannedStep(step_name(StepKind.escalation, day), policy.fire_at(day))


@dataclass(frozen=True)
class CurrentSteps:
    """Which pending steps still belong to a milestone's ladder as it is now (after an edit, say).

    'd' steps must be in the ladder of the current due date. Overdue and escalation steps must fall after
    the deadline, and not later than where a chain restarted now would put them (an earlier deadline must
    not leave the next reminder weeks away). The planner turns the same bounds into SQL.
    """

    before: frozenset[str]
    deadline: date
    latest: dict[StepKind, date]

    def __contains__(self, step: object) -> bool:
        if not isinstance(step, str):
            return False
        kind = step_kind(step)
        if kind is StepKind.before:
            return step in self.before
        return self.deadline < step_date(step) <= self.latest[kind]


def current_steps(*, due_date: date, now: datetime, policy: LadderPolicy) -> CurrentSteps:
    latest_late = overdue_start(due_date=due_date, now=now, policy=policy)
    return CurrentSteps(
        before=frozenset(planned.step for planned in before_steps(due_date=due_date, policy=policy)),
        deadline=due_date,
        latest={StepKind.late: latest_late, StepKind.escalation: latest_late + WEEK},
    )


def newest_per_audience(steps: Iterable[tuple[int, str, datetime]]) -> tuple[set[int], set[int]]:
    """Of one assignment's due rows (id, step, fire_at): the newest per audience, and the superseded rest.

    Catch-up after downtime sends one reminder per assignment and audience, never the ladder step by step.
    """
    newest: dict[Audience, tuple[datetime, tuple[int, int, str], int]] = {}
    every: set[int] = set()
    for row_id, step, fire_at in steps:
        every.add(row_id)
        audience = step_kind(step).audience
        candidate = (fire_at, _step_rank(step), row_id)
        if audience not in newest or candidate > newest[audience]:
            newest[audience] = candidate
    keep = {row_id for _fire_at, _rank, row_id in newest.values()}
    return keep, every - keep


def _step_rank(step: str) -> tuple[int, int, str]:
    # Ties on fire time go to the step nearest the deadline, and overdue steps after every 'd' step.
    if step_kind(step) is StepKind.before:
        return (0, -int(step.split(":", 1)[0][1:]), "")
    return (1, 0, step)
