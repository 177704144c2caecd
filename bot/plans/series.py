"""Creates the periods of periodic milestones: the current and the next of each series, never more, never twice.

    created = await create_periods(session=session, today=date(2026, 12, 21))   # [CreatedPeriod], all plans

Each period is a milestone of the series' plan ("BC-2026-12", "Báo cáo tháng 12/2026"), given to the series' units
(the series' own assignments, which nobody follows). A period is inserted with ON CONFLICT DO NOTHING on the unique
(series, period) and (plan, code) keys: an import and the scheduler, or two bot processes, may run this at once and
the period exists once, its assignments copied only by whoever inserted it. A period, once made, is never changed by
its series again: an edited rule, title or unit list shapes the periods still to come.

Called by the importer (the plan it imports) and by the reminder engine's sweep as the days pass (every plan);
the caller plans the new periods' reminders in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Insert, insert, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Assignment, AssignmentState, Milestone, Plan, PlanStatus, Unit
from bot.plans.periods import MonthEnds, Period, Repeat, period_code, period_title, upcoming
from bot.workdays import load_calendar

MILESTONE = Milestone.__table__  # type: ignore[attr-defined]  # set by SQLModel, not declared


@dataclass(frozen=True)
class CreatedPeriod:
    milestone_id: int
    series_id: int
    plan_id: int
    code: str
    title: str
    assignments: int


async def create_periods(*, session: AsyncSession, today: date, plan_id: int | None = None,
                         now: datetime | None = None, calendar: MonthEnds | None = None) -> list[CreatedPeriod]:
    """Creates the missing current and next periods of every series of an active plan (or of one plan).
    `calendar`: the working calendar, loaded here if a rule needs it and none is given."""
    statement = (select(Milestone).join(Plan, col(Plan.id) == Milestone.plan_id)
                 .where(col(Milestone.repeat).is_not(None), col(Plan.status) == PlanStatus.active.value)
                 .order_by(col(Milestone.id)))
    if plan_id is not None:
        statement = statement.where(col(Milestone.plan_id) == plan_id)
    series = list((await session.execute(statement)).scalars().all())
    if not series:
        return []
    rules = {row.id: Repeat.from_json(row.repeat) for row in series if row.repeat}
    existing = {(series_id, period) for series_id, period in (await session.execute(
        select(col(Milestone.series_id), col(Milestone.period))
        .where(col(Milestone.series_id).in_(list(rules))))).all()}
    if calendar is None and any(rule.needs_calendar for rule in rules.values()):
        calendar = await load_calendar(session=session)
    stamp = now or datetime.now(UTC)
    created: list[CreatedPeriod] = []
    for row in series:
        for period in upcoming(rules[row.id], today, calendar):
            if (row.id, period.key) not in existing:
                made = await create_period(session, row, period, stamp)
                if made is not None:
                    created.append(made)
    return created


async def create_period(session: AsyncSession, series: Milestone, period: Period,
                        now: datetime) -> CreatedPeriod | None:
    """Inserts the period and copies the series' units into it; None when it exists (made by another transaction
    that read before this one wrote: its assignments are not copied twice)."""
    assert series.id is not None
    code, title = period_code(series.code, period.key), period_title(series.title, period.label)
    values = dict(plan_id=series.plan_id, code=code, title=title, phase=series.phase, source_text=series.source_text,
                  start_date=period.first_day, due_date=period.due, due_time=series.due_time,
                  requires_acceptance=series.requires_acceptance, reminder_days=series.reminder_days,
                  sort_order=series.sort_order, active=True, created_at=now, updated_at=now, series_id=series.id,
                  period=period.key, coordinating=series.coordinating)
    statement = _insert_ignoring_conflicts(session).values(**values).returning(MILESTONE.c.id)
    milestone_id = (await session.execute(statement)).scalar()
    if milestone_id is None:
        return None
    copied = await session.execute(_copy_units(series.id, milestone_id))
    count: int = copied.rowcount or 0  # type: ignore[attr-defined]  # a CursorResult, typed as Result
    return CreatedPeriod(milestone_id=milestone_id, series_id=series.id, plan_id=series.plan_id, code=code,
                         title=title, assignments=max(count, 0))


def _insert_ignoring_conflicts(session: AsyncSession) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(MILESTONE).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(MILESTONE).on_conflict_do_nothing()
    raise NotImplementedError(f"periods are written for SQLite and PostgreSQL, not {dialect}")


def _copy_units(series_id: int, milestone_id: int) -> Insert:
    """INSERT … SELECT: an open assignment of the period for each unit the series is followed by (still active)."""
    state = literal(AssignmentState.open, Assignment.__table__.c.state.type)  # type: ignore[attr-defined]  # SQLModel's
    units = (select(literal(milestone_id), col(Assignment.unit_id), state, true())
             .join(Unit, col(Unit.id) == Assignment.unit_id)
             .where(col(Assignment.milestone_id) == series_id, col(Assignment.active).is_(True),
                    col(Unit.active).is_(True)))
    return insert(Assignment).from_select(["milestone_id", "unit_id", "state", "active"], units)
