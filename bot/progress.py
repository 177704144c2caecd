"""Progress views, aggregated in SQL: a unit's items, a subtree per milestone, drill-downs, completion rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import Assignment, AssignmentState, Milestone, Unit
from bot.settings import Settings
from bot.status import Deadline, Status, assignment_status
from bot.units import in_subtree


@dataclass(frozen=True)
class StatusRules:
    tz: ZoneInfo
    workday_end: time = time(17, 0)
    due_soon_days: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> StatusRules:
        return cls(tz=settings.tz, workday_end=settings.workday_end, due_soon_days=settings.due_soon_days)

    def deadline(self, milestone: Milestone) -> Deadline:
        return Deadline(milestone.due_date, milestone.due_time, self.tz, self.workday_end)


@dataclass(frozen=True)
class Item:
    """One assignment of one unit, with its status now."""

    assignment_id: int
    milestone_id: int
    milestone_code: str
    title: str
    due_date: date
    status: Status
    days_left: int
    unit_id: int
    unit_code: str
    unit_name: str
    confirmed_at: datetime | None = None


@dataclass
class MilestoneProgress:
    milestone_id: int
    code: str
    title: str
    due_date: date
    total: int
    done: int
    reported: int
    is_due: bool
    late_units: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class Rates:
    total: int
    done: int
    due_total: int
    due_done: int

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def due_ratio(self) -> float:
        return self.due_done / self.due_total if self.due_total else 0.0


def _item(assignment: Assignment, milestone: Milestone, unit: Unit, *, now: datetime, rules: StatusRules) -> Item:
    deadline = rules.deadline(milestone)
    status = assignment_status(state=assignment.state, deadline=deadline, now=now,
                               completed_at=assignment.reported_at or assignment.confirmed_at,
                               due_soon_days=rules.due_soon_days)
    return Item(assignment_id=assignment.id, milestone_id=milestone.id, milestone_code=milestone.code,  # type: ignore[arg-type]
                title=milestone.title, due_date=milestone.due_date, status=status,
                days_left=deadline.days_left(now), unit_id=unit.id, unit_code=unit.code,  # type: ignore[arg-type]
                unit_name=unit.short_name or unit.name, confirmed_at=assignment.confirmed_at)


def _live():  # type: ignore[no-untyped-def]
    return and_(col(Assignment.active).is_(True), col(Milestone.active).is_(True), col(Unit.active).is_(True))


async def unit_items(*, session: AsyncSession, unit_id: int, now: datetime, rules: StatusRules) -> list[Item]:
    """A unit's own milestones, by due date."""
    statement = (select(Assignment, Milestone, Unit)
                 .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(Assignment.unit_id == unit_id, _live())
                 .order_by(Milestone.due_date, Milestone.sort_order, Milestone.code))
    rows = (await session.execute(statement)).all()
    return [_item(a, m, u, now=now, rules=rules) for a, m, u in rows]


async def get_item(*, session: AsyncSession, assignment_id: int, now: datetime, rules: StatusRules) -> Item | None:
    statement = (select(Assignment, Milestone, Unit)
                 .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(Assignment.id == assignment_id))
    row = (await session.execute(statement)).first()
    return _item(*row, now=now, rules=rules) if row else None


async def subtree_progress(*, session: AsyncSession, root: Unit, now: datetime,
                           rules: StatusRules) -> list[MilestoneProgress]:
    """Per milestone over the subtree: done/total units, and the late units of items already due."""
    done = func.sum(case((Assignment.state == AssignmentState.done, 1), else_=0))
    reported = func.sum(case((Assignment.state == AssignmentState.reported, 1), else_=0))
    statement = (select(Milestone, func.count(col(Assignment.id)), done, reported)
                 .join(Assignment, col(Assignment.milestone_id) == Milestone.id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(in_subtree(root), _live())
                 .group_by(col(Milestone.id))
                 .order_by(Milestone.due_date, Milestone.sort_order, Milestone.code))
    result: list[MilestoneProgress] = []
    for milestone, total, done_count, reported_count in (await session.execute(statement)).all():
        result.append(MilestoneProgress(
            milestone_id=milestone.id, code=milestone.code, title=milestone.title, due_date=milestone.due_date,
            total=int(total), done=int(done_count or 0), reported=int(reported_count or 0),
            is_due=now > rules.deadline(milestone).instant))
    due = {p.milestone_id: p for p in result if p.is_due and p.done + p.reported < p.total}
    if due:
        # Supervisors read names, not codes ("the names of late units"); a short name where the plan gives one.
        late = (select(Assignment.milestone_id, func.coalesce(Unit.short_name, Unit.name))
                .join(Unit, col(Unit.id) == Assignment.unit_id)
                .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                .where(in_subtree(root), _live(), col(Assignment.milestone_id).in_(list(due)),
                       Assignment.state == AssignmentState.open)
                .order_by(Unit.depth, Unit.sort_order, Unit.code))
        for milestone_id, unit_name in (await session.execute(late)).all():
            due[milestone_id].late_units.append(unit_name)
    return result


def rates_of(progress: list[MilestoneProgress]) -> Rates:
    """Completion over all assignments, and over those already due (as official reports give both)."""
    return Rates(total=sum(p.total for p in progress), done=sum(p.done for p in progress),
                 due_total=sum(p.total for p in progress if p.is_due),
                 due_done=sum(p.done for p in progress if p.is_due))


def item_rates(items: list[Item]) -> Rates:
    due = [i for i in items if i.days_left < 0 or i.status == Status.overdue]
    done = {Status.done_on_time, Status.done_late}
    return Rates(total=len(items), done=sum(i.status in done for i in items),
                 due_total=len(due), due_done=sum(i.status in done for i in due))


async def milestone_breakdown(*, session: AsyncSession, root: Unit, milestone_id: int, now: datetime,
                              rules: StatusRules) -> list[Item]:
    """Every unit of the subtree assigned this milestone, with its status."""
    statement = (select(Assignment, Milestone, Unit)
                 .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(Assignment.milestone_id == milestone_id, in_subtree(root), _live())
                 .order_by(Unit.depth, Unit.sort_order, Unit.code))
    return [_item(a, m, u, now=now, rules=rules) for a, m, u in (await session.execute(statement)).all()]


async def get_milestone_by_code(*, session: AsyncSession, code: str) -> Milestone | None:
    statement = select(Milestone).where(func.upper(Milestone.code) == code.strip().upper(),
                                        col(Milestone.active).is_(True))
    return (await session.execute(statement)).scalars().first()


async def root_units(*, session: AsyncSession) -> list[Unit]:
    statement = select(Unit).where(col(Unit.parent_id).is_(None), col(Unit.active).is_(True)).order_by(Unit.code)
    return list((await session.execute(statement)).scalars().all())
