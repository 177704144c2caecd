"""Gives each milestone of a plan to its units: new assignments open, dropped ones deactivated, states untouched.

An assignment's state (open / reported / done) belongs to the people who confirmed it; an import never resets it.
A retired unit is given nothing, and what it had stays as its retirement left it (inactive, history kept).

Set-based: per milestone, the wanted unit ids go to the database as one parameter (a JSON array on SQLite, an
integer array on PostgreSQL); one statement inserts the missing assignments, one reactivates, one deactivates,
each returning only the units it changed. A national plan (60,000 units, 1.2 M assignments) is neither read back
row by row nor sent one row at a time.
"""

from __future__ import annotations

import json

from sqlalchemy import Insert, Integer, exists, func, insert, literal, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import TableValuedAlias
from sqlmodel import col

from bot.models import Assignment, AssignmentState
from bot.plans.plan import Plan
from bot.plans.report import AssignmentDiff, ImportReport


async def sync_assignments(*, session: AsyncSession, plan: Plan, unit_ids: dict[str, int], retired: set[str],
                           milestone_ids: dict[str, int], new_milestones: set[str], report: ImportReport) -> None:
    code_by_unit = {unit_id: code for code, unit_id in unit_ids.items()}
    for milestone in plan.milestones:
        milestone_id = milestone_ids[milestone.code]
        wanted = sorted({unit_ids[code] for code in milestone.units if code not in retired})
        left_alone = sorted({unit_ids[code] for code in milestone.units})  # a retired unit's rows: not "removed"
        if milestone.code in new_milestones:
            inserted = await session.execute(_insert_missing(session, milestone_id, wanted, check=False))
            report.assignments_added += inserted.rowcount  # type: ignore[attr-defined]  # an INSERT: a CursorResult
            continue
        inserted = await session.execute(
            _insert_missing(session, milestone_id, wanted).returning(col(Assignment.unit_id)))
        added = list(inserted.scalars()) + await _switch(session, milestone_id, wanted, active=True)
        removed = await _switch(session, milestone_id, left_alone, active=False)
        report.assignments_added += len(added)
        report.assignments_removed += len(removed)
        if added or removed:
            report.affected_milestone_ids.add(milestone_id)
            report.assignments.append(AssignmentDiff(milestone.code, _codes(added, code_by_unit),
                                                     _codes(removed, code_by_unit)))


def _rows(session: AsyncSession, ids: list[int]) -> TableValuedAlias:
    """The ids as a one-column table (`value`), sent as a single parameter."""
    if session.get_bind().dialect.name == "postgresql":
        return func.unnest(literal(ids, ARRAY(Integer))).table_valued("value").render_derived()
    return func.json_each(json.dumps(ids)).table_valued("value")


def _insert_missing(session: AsyncSession, milestone_id: int, unit_ids: list[int], *, check: bool = True) -> Insert:
    """INSERT … SELECT of open assignments for these units: those the milestone lacks (all of them, unchecked,
    for a new milestone)."""
    wanted = _rows(session, unit_ids)
    state = literal(AssignmentState.open, Assignment.__table__.c.state.type)  # type: ignore[attr-defined]  # SQLModel's
    rows = select(literal(milestone_id), wanted.c.value, state, true())
    if check:
        rows = rows.where(~exists().where(col(Assignment.milestone_id) == milestone_id,
                                          col(Assignment.unit_id) == wanted.c.value))
    return insert(Assignment).from_select(["milestone_id", "unit_id", "state", "active"], rows)


async def _switch(session: AsyncSession, milestone_id: int, wanted: list[int], *, active: bool) -> list[int]:
    """Reactivates the milestone's inactive assignments of the wanted units (active=True), or deactivates its
    active ones of every other unit (active=False); returns the units switched."""
    chosen = select(_rows(session, wanted).c.value)
    units = col(Assignment.unit_id).in_(chosen) if active else col(Assignment.unit_id).not_in(chosen)
    statement = (update(Assignment)
                 .where(col(Assignment.milestone_id) == milestone_id, col(Assignment.active).is_(not active), units)
                 .values(active=active).returning(col(Assignment.unit_id))
                 .execution_options(synchronize_session=False))  # no Assignment objects are loaded in an import
    return list((await session.execute(statement)).scalars())


def _codes(unit_ids: list[int], code_by_unit: dict[int, str]) -> tuple[str, ...]:
    return tuple(sorted(code_by_unit[unit_id] for unit_id in unit_ids))
