"""Gives each milestone of a plan to its units: new assignments open, dropped ones deactivated, states untouched.

An assignment's state (open / reported / done) belongs to the people who confirmed it; an import never resets it.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Assignment, AssignmentState
from bot.plans.plan import Plan
from bot.plans.report import AssignmentDiff, ImportReport


async def sync_assignments(*, session: AsyncSession, plan: Plan, unit_ids: dict[str, int],
                           milestone_ids: dict[str, int], new_milestones: set[str], report: ImportReport) -> None:
    code_by_unit = {unit_id: code for code, unit_id in unit_ids.items()}
    inserts: list[dict[str, object]] = []
    flips: list[dict[str, object]] = []
    for milestone in plan.milestones:
        milestone_id = milestone_ids[milestone.code]
        wanted = {unit_ids[code] for code in milestone.units}
        # One read per milestone (not per row): memory stays bounded by the largest milestone.
        existing = {} if milestone.code in new_milestones else {
            row.unit_id: row for row in (await session.execute(
                select(Assignment.id, Assignment.unit_id, Assignment.active)
                .where(Assignment.milestone_id == milestone_id))).all()
        }
        added = [unit_id for unit_id in wanted if unit_id not in existing or not existing[unit_id].active]
        removed = [unit_id for unit_id, row in existing.items() if row.active and unit_id not in wanted]
        inserts.extend({"milestone_id": milestone_id, "unit_id": unit_id, "state": AssignmentState.open,
                        "active": True} for unit_id in added if unit_id not in existing)
        flips.extend({"id": existing[unit_id].id, "active": True} for unit_id in added if unit_id in existing)
        flips.extend({"id": existing[unit_id].id, "active": False} for unit_id in removed)
        report.assignments_added += len(added)
        report.assignments_removed += len(removed)
        if (added or removed) and milestone.code not in new_milestones:
            report.affected_milestone_ids.add(milestone_id)
            report.assignments.append(AssignmentDiff(milestone.code, _codes(added, code_by_unit),
                                                     _codes(removed, code_by_unit)))
    if inserts:
        await session.execute(insert(Assignment), inserts)
    if flips:
        await session.execute(update(Assignment), flips)


def _codes(unit_ids: list[int], code_by_unit: dict[int, str]) -> tuple[str, ...]:
    return tuple(sorted(code_by_unit[unit_id] for unit_id in unit_ids))
