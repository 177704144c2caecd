"""Progress views, aggregated in SQL: a unit's items, a subtree per milestone, drill-downs, completion rates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, bindparam, case, func, literal, not_, or_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import Assignment, AssignmentState, Milestone, MilestoneTally, Plan, PlanStatus, Unit
from bot.settings import Settings
from bot.status import Deadline, Status, assignment_status, due_date_of, effective_due_date
from bot.timeutil import local_today
from bot.units import in_subtree


@dataclass(frozen=True)
class StatusRules:
    tz: ZoneInfo
    workday_end: time = time(17, 0)
    due_soon_days: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> StatusRules:
        return cls(tz=settings.tz, workday_end=settings.workday_end, due_soon_days=settings.due_soon_days)

    def deadline(self, milestone: Milestone, assignment: Assignment | None = None) -> Deadline:
        """The milestone's deadline, or one unit's (an approved extension moves its day, not its hour)."""
        day = due_date_of(assignment, milestone) if assignment is not None else milestone.due_date
        return Deadline(day, milestone.due_time, self.tz, self.workday_end)


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
    plan_id: int = 0
    original_due_date: date | None = None  # the milestone's date, when an extension moved this unit's (due_date)
    done_on: date | None = None  # the day the unit said it was done, when it gave one
    note: str | None = None  # the latest note given with a confirmation


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
    late_units: list[str] = field(default_factory=list)  # the late units' names, in display order (maybe the first few)
    plan_id: int = 0
    # Of a due milestone, the assignments an extension made not due yet (and of those, done): out of "due" rates.
    postponed: int = 0
    postponed_done: int = 0
    due_soon: bool = False  # not due yet, but within the grid's "sắp đến hạn" days (its marker: 🟠, as per unit)
    late: int = 0  # how many units are late (open after their deadline): all of them, however few are named

    def __post_init__(self) -> None:
        self.late = max(self.late, len(self.late_units))  # built from names alone: each named unit is late

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
    deadline = rules.deadline(milestone, assignment)
    status = assignment_status(state=assignment.state, deadline=deadline, now=now,
                               completed_at=assignment.reported_at or assignment.confirmed_at,
                               due_soon_days=rules.due_soon_days, done_on=assignment.done_on)
    return Item(assignment_id=assignment.id, milestone_id=milestone.id, milestone_code=milestone.code,  # type: ignore[arg-type]  # a stored row: its id is set
                title=milestone.title, due_date=deadline.due_date, status=status,
                original_due_date=milestone.due_date if deadline.due_date != milestone.due_date else None,
                done_on=assignment.done_on, note=assignment.note,
                days_left=deadline.days_left(now), unit_id=unit.id, unit_code=unit.code,  # type: ignore[arg-type]  # a stored row: its id is set
                unit_name=unit.short_name or unit.name, confirmed_at=assignment.confirmed_at,
                plan_id=milestone.plan_id)


def in_active_plan() -> ColumnElement[bool]:
    """SQL condition: the milestone belongs to an active plan (a closed plan is history: kept, not followed)."""
    return col(Milestone.plan_id).in_(select(col(Plan.id)).where(Plan.status == PlanStatus.active.value))


def of_plan(plan_id: int | None) -> ColumnElement[bool]:
    """SQL condition: one plan's milestones (whatever its status: asked for by name), else the active plans'."""
    return in_active_plan() if plan_id is None else col(Milestone.plan_id) == plan_id


def live_rows() -> ColumnElement[bool]:
    """SQL condition: the assignment, its milestone (of an active plan) and its unit are all still followed."""
    return and_(col(Assignment.active).is_(True), col(Milestone.active).is_(True), col(Unit.active).is_(True),
                in_active_plan())


async def unit_items(*, session: AsyncSession, unit_id: int, now: datetime, rules: StatusRules,
                     plan_id: int | None = None) -> list[Item]:
    """A unit's own milestones (of one plan, or of every active plan), by due date."""
    statement = (select(Assignment, Milestone, Unit)
                 .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(Assignment.unit_id == unit_id, live_rows())
                 .order_by(col(Milestone.due_date), col(Milestone.sort_order), col(Milestone.code)))
    if plan_id is not None:
        statement = statement.where(Milestone.plan_id == plan_id)
    rows = (await session.execute(statement)).all()
    return [_item(a, m, u, now=now, rules=rules) for a, m, u in rows]


async def get_item(*, session: AsyncSession, assignment_id: int, now: datetime, rules: StatusRules) -> Item | None:
    statement = (select(Assignment, Milestone, Unit)
                 .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(Assignment.id == assignment_id))
    row = (await session.execute(statement)).first()
    return _item(*row, now=now, rules=rules) if row else None


# A subtree is counted from its own units, unless it holds nearly the whole tree (the top supervisor's): then
# as every assignment minus those of the few units outside it, one pass over an index instead of a join of
# every assignment with its unit. "Few" is capped so that deciding costs little either way.
WHOLE_TREE_REST = 1000


async def _nearly_whole_tree(session: AsyncSession, in_tree: ColumnElement[bool]) -> bool:
    """True when fewer units lie outside the live subtree than in it, and fewer than WHOLE_TREE_REST."""
    def capped_count(condition: ColumnElement[bool]) -> ScalarSelect[int]:
        rows = select(col(Unit.id)).where(condition).limit(WHOLE_TREE_REST).subquery()
        return select(func.count()).select_from(rows).scalar_subquery()

    live = and_(in_tree, col(Unit.active).is_(True))
    inside, rest = (await session.execute(select(capped_count(live), capped_count(not_(live))))).one()
    return int(rest) < min(int(inside), WHOLE_TREE_REST)


def _counts(*where: ColumnElement[bool], sign: int = 1) -> Select[Any, Any, Any, Any]:
    """Per milestone: live assignments, done, reported (negated with sign=-1)."""
    return (select(col(Assignment.milestone_id).label("milestone_id"), (sign * func.count()).label("total"),
                   (sign * func.sum(case((col(Assignment.state) == AssignmentState.done, 1), else_=0))).label("done"),
                   (sign * func.sum(case((col(Assignment.state) == AssignmentState.reported, 1), else_=0)))
                   .label("reported"))
            .where(col(Assignment.active).is_(True), *where)
            .group_by(col(Assignment.milestone_id)))


def _tally_counts() -> Select[Any, Any, Any, Any]:
    """Per milestone, every active assignment, done, reported: from the tally the triggers keep (bot/tally.py),
    a few rows a milestone instead of a pass over millions of assignments."""
    n, state = col(MilestoneTally.n), col(MilestoneTally.state)
    return (select(col(MilestoneTally.milestone_id).label("milestone_id"), func.sum(n).label("total"),
                   func.sum(case((state == AssignmentState.done.value, n), else_=0)).label("done"),
                   func.sum(case((state == AssignmentState.reported.value, n), else_=0)).label("reported"))
            .group_by(col(MilestoneTally.milestone_id)))


# Over the whole tree, a milestone with more late units than this has its first few named by walking the units in
# display order (ix_unit_order), each probed for a late assignment: ~named × units / late probes. With fewer, its
# late assignments are read and sorted (the walk could pass most of the tree before finding them).
PROBE_ABOVE = 1000


async def subtree_progress(*, session: AsyncSession, root: Unit, now: datetime, rules: StatusRules,
                           plan_id: int | None = None, named: int | None = None) -> list[MilestoneProgress]:
    """Per milestone over the subtree: done/total units, and the late units of items already due (`late`, and
    their names in display order: all of them, or the first `named`). The milestones of one plan (any status: a
    closed plan's report is kept), or of every active plan."""
    in_tree = in_subtree(session, root)
    live_units = and_(in_tree, col(Unit.active).is_(True))
    whole = await _nearly_whole_tree(session, in_tree)
    if whole:
        rest = select(col(Unit.id)).where(not_(live_units))
        both = union_all(_tally_counts(), _counts(col(Assignment.unit_id).in_(rest), sign=-1)).subquery()
        counts = (select(both.c.milestone_id, func.sum(both.c.total).label("total"),
                         func.sum(both.c.done).label("done"), func.sum(both.c.reported).label("reported"))
                  .group_by(both.c.milestone_id).having(func.sum(both.c.total) > 0).subquery())
        # The late units: from the milestone's open assignments (few), each checked against the subtree.
        late_in_tree = and_(col(Unit.id) == Assignment.unit_id, live_units)
    else:
        units = select(col(Unit.id)).where(live_units)
        counts = _counts(col(Assignment.unit_id).in_(units)).subquery()
        # The late units: from the subtree's units (few), then their assignments.
        late_in_tree = and_(col(Unit.id) == Assignment.unit_id, col(Assignment.unit_id).in_(units))
    statement = (select(Milestone, counts.c.total, counts.c.done, counts.c.reported)
                 .join(counts, counts.c.milestone_id == Milestone.id)
                 .where(col(Milestone.active).is_(True), of_plan(plan_id))
                 # Plans last: the M01 of three plans due the same day come in the same order every time.
                 .order_by(col(Milestone.due_date), col(Milestone.sort_order), col(Milestone.code),
                           col(Milestone.plan_id), col(Milestone.id)))
    result: list[MilestoneProgress] = []
    today = local_today(now, rules.tz)
    ended_today: list[int] = []  # due milestones whose hour has passed today: an extension to today is late too
    for milestone, total, done_count, reported_count in (await session.execute(statement)).all():
        result.append(MilestoneProgress(
            milestone_id=milestone.id, code=milestone.code, title=milestone.title, due_date=milestone.due_date,
            total=int(total), done=int(done_count or 0), reported=int(reported_count or 0),
            is_due=now > rules.deadline(milestone).instant, plan_id=milestone.plan_id,
            due_soon=assignment_status(state=AssignmentState.open, deadline=rules.deadline(milestone), now=now,
                                       due_soon_days=rules.due_soon_days) == Status.due_soon))
        if result[-1].is_due and now > Deadline(today, milestone.due_time, rules.tz, rules.workday_end).instant:
            ended_today.append(milestone.id)
    # A unit's own deadline has passed (an extension moves it later, never earlier: for due milestones only).
    past_due = or_(effective_due_date() < today,
                   and_(effective_due_date() == today, col(Milestone.id).in_(ended_today)))
    connection = await session.connection()
    due = {p.milestone_id: p for p in result if p.is_due}
    # Of the due milestones, the assignments an extension keeps within their new date: few, read from the partial
    # index, so the queries over every assignment stay on their covering indexes.
    postponed = (select(col(Assignment.id)).join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .where(col(Assignment.milestone_id).in_(list(due)), col(Assignment.due_date_override).is_not(None),
                        not_(past_due)))
    postponed_open: dict[int, int] = {}
    if due:
        state = col(Assignment.state)
        extended = (select(col(Assignment.milestone_id), func.count(),
                           func.sum(case((state == AssignmentState.done, 1), else_=0)),
                           func.sum(case((state == AssignmentState.open, 1), else_=0)))
                    .where(late_in_tree, col(Assignment.active).is_(True), col(Assignment.id).in_(postponed))
                    .group_by(col(Assignment.milestone_id)))
        for milestone_id, count, done_count, open_count in (await connection.execute(extended)).all():
            due[milestone_id].postponed, due[milestone_id].postponed_done = int(count), int(done_count or 0)
            postponed_open[milestone_id] = int(open_count or 0)
    for p in due.values():  # open after its deadline, unless an extension moved that unit's deadline later
        p.late = p.total - p.done - p.reported - postponed_open.get(p.milestone_id, 0)
    due = {key: p for key, p in due.items() if p.late}
    if not due or named == 0:
        return result
    late_here = and_(col(Assignment.active).is_(True), col(Assignment.state) == AssignmentState.open,
                     col(Assignment.id).not_in(postponed))
    probed = [key for key, p in due.items() if whole and named is not None and p.late > PROBE_ABOVE]
    if probed:
        rest_ids = [n for n in (await connection.execute(select(col(Unit.id)).where(not_(live_units)))).scalars()
                    if n is not None]
        assert named is not None
        rows = (await connection.execute(_first_late(probed, late_here, rest_ids, named))).all()
        for milestone_id, unit_name in rows:
            due[milestone_id].late_units.append(unit_name)
    listed = [key for key in due if key not in probed]
    if listed:
        # Supervisors read names, not codes ("the names of late units"); a short name where the plan gives one.
        late = (select(col(Assignment.milestone_id), _name())
                .where(late_in_tree, late_here, col(Assignment.milestone_id).in_(listed))
                .order_by(*DISPLAY_ORDER))
        # Plain rows through Core: the ORM's per-row work costs more than the query for the whole tree's ~10^4.
        for milestone_id, unit_name in (await connection.execute(late)).all():
            if named is None or len(due[milestone_id].late_units) < named:
                due[milestone_id].late_units.append(unit_name)
    return result


def _name() -> ColumnElement[str]:
    return func.coalesce(col(Unit.short_name), col(Unit.name))


DISPLAY_ORDER = (col(Unit.depth), col(Unit.sort_order), col(Unit.code))  # units as supervisors read them


def _first_late(milestone_ids: list[int], late_here: ColumnElement[bool], rest_ids: list[int],
                named: int) -> Select[Any, Any]:
    """Per milestone, the names of its first `named` late units of the whole tree (but `rest_ids`), in display
    order: one statement, the units walked along ix_unit_order until enough are found. The few ids outside are
    written into the statement: as a subquery, SQLite would read the tree by path and sort it."""
    outside = [col(Unit.id).not_in(bindparam("rest_ids", rest_ids, expanding=True, literal_execute=True))]
    parts = []
    for milestone_id in milestone_ids:
        late = select(literal(1)).where(col(Assignment.unit_id) == col(Unit.id),
                                        col(Assignment.milestone_id) == milestone_id, late_here).exists()
        # sa.select: sqlmodel's is typed for up to four columns.
        first = (sa.select(literal(milestone_id).label("milestone_id"), _name().label("name"),
                           col(Unit.depth).label("depth"), col(Unit.sort_order).label("sort_order"),
                           col(Unit.code).label("code"))
                 .where(late, *(outside if rest_ids else []))
                 .order_by(*DISPLAY_ORDER).limit(named).subquery())
        parts.append(select(*first.c))
    found = union_all(*parts).subquery()
    return (select(found.c.milestone_id, found.c.name)
            .order_by(found.c.depth, found.c.sort_order, found.c.code))


def rates_of(progress: list[MilestoneProgress]) -> Rates:
    """Completion over all assignments, and over those already due (as official reports give both)."""
    return Rates(total=sum(p.total for p in progress), done=sum(p.done for p in progress),
                 due_total=sum(p.total - p.postponed for p in progress if p.is_due),
                 due_done=sum(p.done - p.postponed_done for p in progress if p.is_due))


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
                 .where(Assignment.milestone_id == milestone_id, in_subtree(session, root), live_rows())
                 .order_by(*DISPLAY_ORDER))
    return [_item(a, m, u, now=now, rules=rules) for a, m, u in (await session.execute(statement)).all()]


async def root_units(*, session: AsyncSession) -> list[Unit]:
    statement = select(Unit).where(col(Unit.parent_id).is_(None), col(Unit.active).is_(True)).order_by(Unit.code)
    return list((await session.execute(statement)).scalars().all())
