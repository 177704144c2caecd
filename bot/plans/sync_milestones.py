"""Upserts a plan's milestones by code: changes in place, missing ones deactivated (never deleted).

Each milestone belongs to one plan row (`Milestone.plan_id`); codes are unique within a plan, so two plans may
both have an "M01", and an import only ever reads and deactivates milestones of its own plan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Milestone
from bot.plans.coordinating import stored_codes
from bot.plans.plan import Plan, PlanMilestone
from bot.plans.report import Changed, ImportReport, Ref, field_changes
from bot.plans.series_sync import check_series_kinds, readable_rule_change, resumed_periods

# A change to any of these moves the reminders of the milestone's assignments.
SCHEDULE_FIELDS = frozenset({"start_date", "due_date", "due_time", "reminder_days"})
_COLUMNS = (col(Milestone.id), col(Milestone.code), col(Milestone.title), col(Milestone.phase),
            col(Milestone.source_text), col(Milestone.start_date), col(Milestone.due_date), col(Milestone.due_time),
            col(Milestone.requires_acceptance), col(Milestone.reminder_days), col(Milestone.sort_order),
            col(Milestone.active), col(Milestone.repeat), col(Milestone.series_id), col(Milestone.coordinating))
_PLAN_FIELDS = ("title", "phase", "source_text", "start_date", "due_date", "due_time", "requires_acceptance",
                "reminder_days", "repeat", "coordinating")


async def sync_milestones(*, session: AsyncSession, plan: Plan, plan_id: int, now: datetime,
                          report: ImportReport) -> tuple[dict[str, int], set[str]]:
    """Writes the plan's milestones; returns the ids of all the plan's milestones by code, and the new codes."""
    rows = {row.code: row for row in (await session.execute(
        select(*_COLUMNS).where(col(Milestone.plan_id) == plan_id))).all()}
    check_series_kinds(plan, rows)
    updates, reorders = _compare(plan, rows, now, report)
    in_plan = {milestone.code for milestone in plan.milestones}
    # The periods of a series still in the file are the plan's too, though the file does not list them.
    series_in_plan = {rows[milestone.code].id for milestone in plan.milestones
                      if milestone.repeat is not None and milestone.code in rows}
    for code, row in rows.items():
        if code in in_plan or row.series_id in series_in_plan:
            continue
        if row.active or row.repeat is not None:  # a series that left the file: no more periods (repeat cleared)
            report.milestones_deactivated.append(Ref(code, row.title))
            report.affected_milestone_ids.add(row.id)
            updates.append({"id": row.id, **_row_values(row), "repeat": None, "active": False, "updated_at": now})
    updates += [{"id": row.id, **_row_values(row), "active": True, "updated_at": now}
                for row in resumed_periods(plan, rows, report)]
    for batch in (updates, reorders):  # one batch per set of columns
        if batch:
            await session.execute(update(Milestone), batch)
    ids = {code: row.id for code, row in rows.items()}
    new = [milestone for milestone in plan.milestones if milestone.code not in rows]
    if new:
        ids.update(await _insert(session, plan_id, new, now, report))
    return ids, {milestone.code for milestone in new}


def _compare(plan: Plan, rows: dict[str, Row[*tuple[Any, ...]]], now: datetime,
             report: ImportReport) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Updates for the plan's milestones already stored: changed or reactivated ones, and moved ones."""
    updates: list[dict[str, object]] = []
    reorders: list[dict[str, object]] = []
    for milestone in plan.milestones:
        row = rows.get(milestone.code)
        if row is None:
            continue
        wanted = _values(milestone)
        changes = readable_rule_change(field_changes({name: getattr(row, name) for name in wanted}, wanted))
        if changes:
            report.milestones_changed.append(Changed(milestone.code, milestone.title, changes))
            if SCHEDULE_FIELDS.intersection(change.field for change in changes):
                report.affected_milestone_ids.add(row.id)
        followed = milestone.repeat is None  # a series is never followed itself: its periods are
        if not row.active and followed:
            report.milestones_reactivated.append(Ref(milestone.code, milestone.title))
            report.affected_milestone_ids.add(row.id)
        if changes or row.active != followed:
            updates.append({"id": row.id, **wanted, "sort_order": milestone.sort_order, "active": followed,
                            "updated_at": now})
        elif row.sort_order != milestone.sort_order:
            report.reordered += 1
            reorders.append({"id": row.id, "sort_order": milestone.sort_order})
    return updates, reorders


async def _insert(session: AsyncSession, plan_id: int, new: list[PlanMilestone], now: datetime,
                  report: ImportReport) -> dict[str, int]:
    result = await session.execute(insert(Milestone).returning(col(Milestone.id), col(Milestone.code)), [
        {**_values(milestone), "code": milestone.code, "plan_id": plan_id, "sort_order": milestone.sort_order,
         "active": milestone.repeat is None, "created_at": now, "updated_at": now}
        for milestone in new
    ])
    ids: dict[str, int] = {}
    for milestone_id, code in result.all():
        assert milestone_id is not None  # a primary key, returned by the insert
        ids[code] = milestone_id
    report.milestones_added.extend(Ref(milestone.code, milestone.title) for milestone in new)
    report.affected_milestone_ids.update(ids.values())
    return ids


def _row_values(row: Row[*tuple[Any, ...]]) -> dict[str, object]:
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
        "repeat": milestone.repeat.to_json() if milestone.repeat is not None else None,
        "coordinating": stored_codes(milestone.coordinating),
    }
