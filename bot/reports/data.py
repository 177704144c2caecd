"""What a supervisor's report says, gathered from the database for one subtree at one instant.

Per milestone totals, done/awaiting counts, "already due" and the late units come from `bot.progress`
(aggregated in SQL); the unit × milestone matrix (every assignment with its dates and who confirmed it) is one
query, and also splits "done" into on time / late (that split needs each milestone's deadline instant).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from sqlalchemy import select as select_columns  # sqlmodel's select is typed for up to 4 columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from bot.models import Assignment, Member, Milestone, Plan, Unit
from bot.plan_views import view_labels
from bot.plans.registry import plan_label
from bot.progress import MilestoneProgress, Rates, StatusRules, live_rows, rates_of, subtree_progress
from bot.status import Status, assignment_status
from bot.units import in_subtree


@dataclass(frozen=True)
class Cell:
    """One assignment: one unit × one milestone."""

    assignment_id: int
    status: Status
    days_left: int
    reported_at: datetime | None
    reported_by: str | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    extended_from: date | None = None  # the milestone's date, when an approved extension moved this unit's
    due_date: date | None = None  # the unit's due date (after an extension)
    done_on: date | None = None  # the day the unit said it was done, when it gave one

    @property
    def completed_at(self) -> datetime | None:
        """When the unit reported it done: what decides on time vs late (as in `bot.status`)."""
        return self.reported_at or self.confirmed_at


@dataclass(frozen=True)
class UnitRow:
    unit_id: int
    code: str
    name: str
    depth: int


@dataclass
class MilestoneSummary:
    """One summary line: the SQL aggregate of `bot.progress`, plus the on-time / late split."""

    progress: MilestoneProgress
    phase: str | None
    done_on_time: int = 0
    done_late: int = 0
    awaiting: int = 0

    @property
    def overdue(self) -> int:
        """Still open after the deadline (the late units `subtree_progress` names)."""
        return len(self.progress.late_units)

    @property
    def not_done_in_time(self) -> int:
        """Everything not finished by its deadline: finished late, or still open after it."""
        return self.done_late + self.overdue

    @property
    def due_ratio(self) -> float | None:
        """Completion over the items already due; None while the milestone is not due yet."""
        return self.progress.ratio if self.progress.is_due else None


@dataclass
class ReportData:
    root: Unit
    now: datetime
    summaries: list[MilestoneSummary]
    rates: Rates
    units: list[UnitRow]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (unit id, milestone id) -> cell
    # Several active plans mixed in one report: each milestone's plan label, by plan id ({} with one plan).
    plans: dict[int, str] = field(default_factory=dict)
    plan: Plan | None = None  # the report is of this one plan (asked for by name)

    def plan_of(self, progress: MilestoneProgress) -> str:
        """The label a mixed report prints beside this milestone ("" with one plan, or a one-plan report)."""
        return self.plans.get(progress.plan_id, "")

    @property
    def plan_name(self) -> str:
        """The plan a one-plan report is of, by its label ("" otherwise)."""
        return plan_label(self.plan) if self.plan is not None else ""

    @property
    def milestones(self) -> list[MilestoneProgress]:
        return [s.progress for s in self.summaries]

    def status_counts(self) -> Counter[Status]:
        return Counter(cell.status for cell in self.cells.values())

    def unit_rates(self) -> list[tuple[UnitRow, int, int]]:
        """(unit, done, total) for every unit with assignments, in tree order."""
        done: Counter[int] = Counter()
        total: Counter[int] = Counter()
        for (unit_id, _milestone_id), cell in self.cells.items():
            total[unit_id] += 1
            done[unit_id] += cell.status in (Status.done_on_time, Status.done_late)
        return [(u, done[u.unit_id], total[u.unit_id]) for u in self.units if total[u.unit_id]]


async def gather_report(*, session: AsyncSession, root: Unit, now: datetime, rules: StatusRules,
                        plan: Plan | None = None) -> ReportData:
    """The subtree's report over every active plan (each milestone labelled with its plan when there are several),
    or over one plan (active or closed: a closed plan's report is kept)."""
    progress = await subtree_progress(session=session, root=root, now=now, rules=rules,
                                      plan_id=plan.id if plan is not None else None)
    # The subtree's live milestones are those of `progress`: their deadlines are worked out once each, and the
    # matrix reads plain columns (no ORM objects: a province holds ~20,000 cells).
    milestones = (await session.execute(
        select(Milestone).where(col(Milestone.id).in_([p.milestone_id for p in progress])))).scalars().all()
    deadlines = {milestone.id: rules.deadline(milestone) for milestone in milestones}
    phases = {milestone.id: milestone.phase for milestone in milestones}
    reporter, confirmer = aliased(Member), aliased(Member)
    statement = (select_columns(
        col(Assignment.id), col(Assignment.milestone_id), col(Assignment.state), col(Assignment.reported_at),
        col(Assignment.confirmed_at), col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.short_name),
        col(Unit.depth), col(reporter.full_name), col(confirmer.full_name), col(Assignment.due_date_override),
        col(Assignment.done_on))
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .outerjoin(reporter, col(reporter.id) == Assignment.reported_by_member_id)
                 .outerjoin(confirmer, col(confirmer.id) == Assignment.confirmed_by_member_id)
                 .where(in_subtree(session, root), col(Unit.active).is_(True), col(Assignment.active).is_(True))
                 .order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.code)))
    units: dict[int, UnitRow] = {}
    cells: dict[tuple[int, int], Cell] = {}
    rows = (await session.execute(statement)).all() if deadlines else []
    for (assignment_id, milestone_id, state, reported_at, confirmed_at, unit_id, code, name, short_name, depth,
         reported_by, confirmed_by, override, done_on) in rows:
        assert assignment_id is not None and unit_id is not None  # primary keys, read back
        deadline = deadlines.get(milestone_id)
        if deadline is None:  # a milestone no longer in the plan
            continue
        extended_from = deadline.due_date if override else None
        if override:  # an approved extension: this unit's own deadline (as bot.status.due_date_of)
            deadline = replace(deadline, due_date=override)
        status = assignment_status(state=state, deadline=deadline, now=now, completed_at=reported_at or confirmed_at,
                                   due_soon_days=rules.due_soon_days, done_on=done_on)
        if unit_id not in units:
            units[unit_id] = UnitRow(unit_id=unit_id, code=code, name=short_name or name, depth=depth)
        cells[(unit_id, milestone_id)] = Cell(
            assignment_id=assignment_id, status=status, days_left=deadline.days_left(now),
            reported_at=reported_at, reported_by=reported_by, confirmed_at=confirmed_at, confirmed_by=confirmed_by,
            extended_from=extended_from, due_date=deadline.due_date, done_on=done_on)
    summaries = {p.milestone_id: MilestoneSummary(progress=p, phase=phases.get(p.milestone_id)) for p in progress}
    for (_unit_id, milestone_id), cell in cells.items():
        summary = summaries[milestone_id]
        if cell.status == Status.done_on_time:
            summary.done_on_time += 1
        elif cell.status == Status.done_late:
            summary.done_late += 1
        elif cell.status == Status.awaiting:
            summary.awaiting += 1
    return ReportData(root=root, now=now, summaries=list(summaries.values()), rates=rates_of(progress),
                      units=list(units.values()), cells=cells, plan=plan,
                      plans={} if plan is not None else await view_labels(session=session))


@dataclass(frozen=True)
class CalendarEntry:
    """One milestone of one unit, for the unit's calendar file."""

    milestone_code: str
    title: str
    phase: str | None
    source_text: str | None
    due_date: date
    due_time: time | None
    unit_code: str
    unit_name: str
    status: Status | None
    plan_code: str = ""  # in the event's UID: two plans may both have an M01
    plan_label: str = ""  # shown where several plans are active ("" with one)


async def calendar_entries(*, session: AsyncSession, units: list[Unit], now: datetime, rules: StatusRules,
                           milestone_id: int | None = None) -> list[CalendarEntry]:
    """The live milestones of these units (one entry per unit × milestone; or only this milestone), by due date."""
    if not units:
        return []
    statement = (select(Assignment, Milestone, Unit, Plan.code)
                 .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .join(Plan, col(Plan.id) == Milestone.plan_id)
                 .where(col(Assignment.unit_id).in_([u.id for u in units]), live_rows())
                 .order_by(col(Milestone.due_date), col(Milestone.sort_order), col(Milestone.code), col(Unit.code)))
    if milestone_id is not None:
        statement = statement.where(Milestone.id == milestone_id)
    labels = await view_labels(session=session)
    entries = []
    for assignment, milestone, unit, plan_code in (await session.execute(statement)).all():
        deadline = rules.deadline(milestone, assignment)  # the unit's own date, after an extension
        status = assignment_status(state=assignment.state, deadline=deadline, now=now,
                                   completed_at=assignment.reported_at or assignment.confirmed_at,
                                   due_soon_days=rules.due_soon_days, done_on=assignment.done_on)
        entries.append(CalendarEntry(milestone_code=milestone.code, title=milestone.title, phase=milestone.phase,
                                     source_text=milestone.source_text, due_date=deadline.due_date,
                                     due_time=milestone.due_time, unit_code=unit.code, unit_name=unit.name,
                                     status=status, plan_code=plan_code,
                                     plan_label=labels.get(milestone.plan_id, "")))
    return entries


async def subtree_calendar_entries(*, session: AsyncSession, root: Unit, now: datetime, rules: StatusRules,
                                   milestone_id: int | None = None) -> list[CalendarEntry]:
    """Every live milestone assigned anywhere in the subtree (or only this one), once each (a supervisor's
    calendar)."""
    statement = (select(Milestone, Plan.code).join(Plan, col(Plan.id) == Milestone.plan_id)
                 .where(col(Milestone.id).in_(
                     select(Assignment.milestone_id).join(Unit, col(Unit.id) == Assignment.unit_id)
                     .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                     .where(in_subtree(session, root), live_rows())))
                 .order_by(col(Milestone.due_date), col(Milestone.sort_order), col(Milestone.code)))
    if milestone_id is not None:
        statement = statement.where(Milestone.id == milestone_id)
    labels = await view_labels(session=session)
    return [CalendarEntry(milestone_code=m.code, title=m.title, phase=m.phase, source_text=m.source_text,
                          due_date=m.due_date, due_time=m.due_time, unit_code=root.code, unit_name=root.name,
                          status=None, plan_code=plan_code, plan_label=labels.get(m.plan_id, ""))
            for m, plan_code in (await session.execute(statement)).all()]
