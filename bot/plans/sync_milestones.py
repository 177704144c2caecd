"""Upserts a plan's milestones by code: changes in place, missing ones deactivated (never deleted).

Each milestone belongs to the plan that brought it (`Milestone.plan_code`): an import only deactivates milestones
of its own plan, and refuses a code another plan already uses (`code_clashes`, checked before anything is written).
Rows from before plans were recorded (plan_code NULL) count as the imported plan's own: they can be deactivated
by it, and a row it keeps is stamped with its code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.models import Milestone
from bot.plans.plan import Plan, PlanMilestone
from bot.plans.problems import Problem, error
from bot.plans.report import Changed, ImportReport, Ref, field_changes

# A change to any of these moves the reminders of the milestone's assignments.
SCHEDULE_FIELDS = frozenset({"start_date", "due_date", "due_time", "reminder_days"})
_COLUMNS = (Milestone.id, Milestone.code, Milestone.plan_code, Milestone.title, Milestone.phase, Milestone.source_text,
            Milestone.start_date, Milestone.due_date, Milestone.due_time, Milestone.requires_acceptance,
            Milestone.reminder_days, Milestone.sort_order, Milestone.active)
_PLAN_FIELDS = ("title", "phase", "source_text", "start_date", "due_date", "due_time", "requires_acceptance",
                "reminder_days")


async def code_clashes(*, session: AsyncSession, plan: Plan) -> list[Problem]:
    """One problem per milestone code of `plan` that another plan already uses (one query)."""
    codes = [milestone.code for milestone in plan.milestones]
    if not codes:
        return []
    rows = (await session.execute(
        select(Milestone.code, Milestone.plan_code)
        .where(Milestone.code.in_(codes), Milestone.plan_code.is_not(None), Milestone.plan_code != plan.code)
        .order_by(Milestone.code))).all()
    return [error(None, N_('milestone "{code}" already belongs to plan "{plan}"; choose another code (for example, '
                           'add a prefix for the plan)'), code=row.code, plan=row.plan_code) for row in rows]


async def sync_milestones(*, session: AsyncSession, plan: Plan, now: datetime,
                          report: ImportReport) -> tuple[dict[str, int], set[str]]:
    """Writes the plan's milestones; returns the ids of all milestones by code, and the codes that are new."""
    rows = {row.code: row for row in (await session.execute(
        select(*_COLUMNS).where(or_(Milestone.plan_code == plan.code, Milestone.plan_code.is_(None))))).all()}
    updates, reorders = _compare(plan, rows, now, report)
    in_plan = {milestone.code for milestone in plan.milestones}
    for code, row in rows.items():
        if code not in in_plan and row.active:
            report.milestones_deactivated.append(Ref(code, row.title))
            report.affected_milestone_ids.add(row.id)
            updates.append({"id": row.id, **_row_values(row), "plan_code": row.plan_code, "active": False,
                            "updated_at": now})
    for batch in (updates, reorders):  # one batch per set of columns
        if batch:
            await session.execute(update(Milestone), batch)
    ids = {code: row.id for code, row in rows.items()}
    new = [milestone for milestone in plan.milestones if milestone.code not in rows]
    if new:
        ids.update(await _insert(session, plan.code, new, now, report))
    return ids, {milestone.code for milestone in new}


def _compare(plan: Plan, rows: dict[str, Row], now: datetime,
             report: ImportReport) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Updates for the plan's milestones already stored: changed or reactivated ones, and moved (or legacy) ones."""
    updates: list[dict[str, object]] = []
    reorders: list[dict[str, object]] = []
    for milestone in plan.milestones:
        row = rows.get(milestone.code)
        if row is None:
            continue
        wanted = _values(milestone)
        changes = field_changes({name: getattr(row, name) for name in wanted}, wanted)
        if changes:
            report.milestones_changed.append(Changed(milestone.code, milestone.title, changes))
            if SCHEDULE_FIELDS.intersection(change.field for change in changes):
                report.affected_milestone_ids.add(row.id)
        if not row.active:
            report.milestones_reactivated.append(Ref(milestone.code, milestone.title))
            report.affected_milestone_ids.add(row.id)
        if changes or not row.active:
            updates.append({"id": row.id, **wanted, "sort_order": milestone.sort_order, "plan_code": plan.code,
                            "active": True, "updated_at": now})
        elif row.sort_order != milestone.sort_order or row.plan_code != plan.code:
            # a legacy row (plan_code NULL) is stamped with the plan's code: not a change anyone sees
            report.reordered += int(row.sort_order != milestone.sort_order)
            reorders.append({"id": row.id, "sort_order": milestone.sort_order, "plan_code": plan.code})
    return updates, reorders


async def _insert(session: AsyncSession, plan_code: str, new: list[PlanMilestone], now: datetime,
                  report: ImportReport) -> dict[str, int]:
    result = await session.execute(insert(Milestone).returning(Milestone.id, Milestone.code), [
        {**_values(milestone), "code": milestone.code, "plan_code": plan_code, "sort_order": milestone.sort_order,
         "active": True, "created_at": now, "updated_at": now}
        for milestone in new
    ])
    ids = {code: milestone_id for milestone_id, code in result.all()}
    report.milestones_added.extend(Ref(milestone.code, milestone.title) for milestone in new)
    report.affected_milestone_ids.update(ids.values())
    return ids


def _row_values(row: Row) -> dict[str, object]:
    """A row's plan-decided columns as they are, so every update of one batch sets the same columns."""
    return {name: getattr(row, name) for name in _PLAN_FIELDS} | {"sort_order": row.sort_order}


def _values(milestone: PlanMilestone) -> dict[str, object]:
    """The columns a plan decides, named as in the table (and in the change report)."""
    return {
        "title": milestone.title,
        "phase": milestone.phase,
        "source_text": milestone.source,
        "start_date": milestone.start,
        "due_date": milestone.due,
        "due_time": milestone.due_time,
        "requires_acceptance": milestone.requires_acceptance,
        "reminder_days": ",".join(str(day) for day in milestone.reminder_days)
        if milestone.reminder_days is not None else None,
    }
