"""The reminder ladder, pure: a milestone's due date and the settings → the (step, fire time) rows.

Rules (DESIGN.md, "Reminders"):

* Before the deadline: one step per entry of the ladder (default 7, 3, 1 and 0 days before the due date),
  at `reminder_hour` local time. The ladder comes from the milestone ("7,3,1,0") or else the settings.
* Days off (weekends, public holidays, declared days: `bot.workdays.WorkingCalendar`, carried by the policy): a
  step that lands on one moves to the working day before — the due day's own step too: a deadline on a Sunday
  is reminded on the Friday before, and is late from the first working day after it. Two steps that end on
  the same day become one (the one nearer the deadline keeps its name).
* Overdue: every working day at `reminder_hour` until confirmed, the first on the first working day after the
  due date. Only the first overdue step is planned; each next one is made when the previous is sent
  (`next_overdue_step`), so the table never holds a year of rows per late assignment.
* Escalation to the parent unit's supervisors: on the first overdue working day, then weekly
  (`next_escalation_step`; a week later, moved back to the working day before if that is a day off — or on
  to the working day after, when the days off reach back to the escalation being sent).

Step names are the unique key of a reminder row with its assignment, so they carry the date they belong to:
"d3:2020-05-15" (3 days before a deadline of 15/05/2020), "late:2020-05-18", "esc:2020-05-18". An edited
due date therefore makes new steps, and the steps already sent for the old date are never sent again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.plans.limits import MAX_REMINDER_DAYS
from bot.timeutil import local_datetime, local_today
from bot.workdays import WorkingCalendar, default_calendar

ONE_DAY = timedelta(days=1)
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
    # Loaded once per planning run or sweep and shared by every milestone's policy (lookups only).
    calendar: WorkingCalendar = field(default_factory=default_calendar, compare=False)

    @classmethod
    def for_milestone(
        cls, *, milestone_days: str | None, default_days: Sequence[int], hour: int, tz: ZoneInfo,
        calendar: WorkingCalendar | None = None,
    ) -> LadderPolicy:
        days = parse_days(milestone_days) or tuple(day for day in default_days if day <= MAX_REMINDER_DAYS)
        return cls(days=tuple(sorted(set(days), reverse=True)), hour=hour, tz=tz,
                   calendar=calendar or default_calendar())

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
    # Days beyond MAX_REMINDER_DAYS never pass a plan's validation, and 1000000 days overflows a date.
    if not days or any(day < 0 or day > MAX_REMINDER_DAYS for day in days):
        return None
    return days


def step_day(due_date: date, days_before: int, calendar: WorkingCalendar) -> date:
    """The local day a 'n days before' step fires: a day off moves it to the working day before."""
    return calendar.working_day_on_or_before(due_date - timedelta(days=days_before))


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


def first_overdue_day(due_date: date, calendar: WorkingCalendar) -> date:
    return calendar.next_working_day(due_date)


def before_steps(*, due_date: date, policy: LadderPolicy) -> list[PlannedStep]:
    """The steps before (and on) the due day, one per firing day, earliest first."""
    by_day: dict[date, int] = {}
    for days_before in policy.days:  # largest first, so the nearer step wins a shared day
        by_day[step_day(due_date, days_before, policy.calendar)] = days_before
    return [
        PlannedStep(step_name(StepKind.before, due_date, days_before), policy.fire_at(day))
        for day, days_before in sorted(by_day.items())
    ]


def next_slot_day(now: datetime, policy: LadderPolicy) -> date:
    """The first working day whose reminder hour is still ahead of `now`."""
    today = local_today(now, policy.tz)
    if policy.calendar.is_working_day(today) and policy.fire_at(today) > now:
        return today
    return policy.calendar.next_working_day(today)


def overdue_start(*, due_date: date, now: datetime, policy: LadderPolicy) -> date:
    """Where an overdue chain (re)starts: the first overdue day, or the next slot if that one has passed.

    A chain restarted late (an old deadline imported, an assignment reopened) starts at the next morning:
    the catch-up digest already tells the unit how late it is.
    """
    return max(first_overdue_day(due_date, policy.calendar), next_slot_day(now, policy))


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
    day = policy.calendar.next_working_day(local_today(now, policy.tz))
    return PlannedStep(step_name(StepKind.late, day), policy.fire_at(day))


def next_escalation_step(*, now: datetime, policy: LadderPolicy) -> PlannedStep:
    """The escalation a week after the one being sent at `now` (on a day off: the working day before)."""
    day = week_after(local_today(now, policy.tz), policy.calendar)
    return PlannedStep(step_name(StepKind.escalation, day), policy.fire_at(day))


def week_after(day: date, calendar: WorkingCalendar) -> date:
    """A week after `day`, on a working day: the one before, unless the days off reach back to `day` itself
    (Tết right after it), then the one after."""
    target = day + WEEK
    before = calendar.working_day_on_or_before(target)
    return before if before > day else calendar.working_day_on_or_after(target)


@dataclass(frozen=True)
class CurrentSteps:
    """Which pending steps still belong to a milestone's ladder as it is now (after an edit, say).

    'd' steps must be in the ladder of the current due date. Overdue and escalation steps must fall after
    the deadline, and not later than where a chain restarted now would put them (an earlier deadline must
    not leave the next reminder weeks away), nor on a day from today on that is now a day off (declared since
    the step was planned). A past one is left alone: it is a backlog the sweep sends on the next working day,
    and cancelling it would end its chain. The planner turns the same bounds into SQL.
    """

    before: frozenset[str]
    deadline: date
    latest: dict[StepKind, date]
    days_off: frozenset[date] = frozenset()

    def __contains__(self, step: object) -> bool:
        if not isinstance(step, str):
            return False
        kind = step_kind(step)
        if kind is StepKind.before:
            return step in self.before
        day = step_date(step)
        return self.deadline < day <= self.latest[kind] and day not in self.days_off


def current_steps(*, due_date: date, now: datetime, policy: LadderPolicy) -> CurrentSteps:
    latest_late = overdue_start(due_date=due_date, now=now, policy=policy)
    # The weekly escalation may land past a week when days off follow it (`week_after`).
    latest_escalation = policy.calendar.working_day_on_or_after(latest_late + WEEK)
    day = max(due_date + ONE_DAY, local_today(now, policy.tz))
    days_off: set[date] = set()
    while day <= latest_escalation:  # a few days: from today to a week or two ahead
        if not policy.calendar.is_working_day(day):
            days_off.add(day)
        day += ONE_DAY
    return CurrentSteps(
        before=frozenset(planned.step for planned in before_steps(due_date=due_date, policy=policy)),
        deadline=due_date,
        latest={StepKind.late: latest_late, StepKind.escalation: latest_escalation},
        days_off=frozenset(days_off),
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
