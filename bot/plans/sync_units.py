"""Upserts the unit tree of a plan by code: new units parent-first, changes in place, missing ones deactivated.

Works in bulk (one read, batched inserts and updates) because a national tree holds ~60,000 units.
"""

from __future__ import annotations

from itertools import groupby

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Unit
from bot.plans.plan import Plan, PlanUnit
from bot.plans.report import Changed, ImportReport, Ref, field_changes

_COLUMNS = (Unit.id, Unit.code, Unit.name, Unit.short_name, Unit.kind, Unit.parent_id, Unit.path, Unit.depth,
            Unit.sort_order, Unit.aliases, Unit.active)


async def sync_units(*, session: AsyncSession, plan: Plan, report: ImportReport) -> dict[str, int]:
    """Writes the plan's units; returns the id of every unit in the database (active or not) by code."""
    rows = {row.code: row for row in (await session.execute(select(*_COLUMNS))).all()}
    ids = {code: row.id for code, row in rows.items()}
    new_units = [unit for unit in plan.units if unit.code not in rows]
    await _insert_new(session, new_units, ids, report)
    code_by_id = {unit_id: code for code, unit_id in ids.items()}
    stored = {row.id: _row_values(row) for row in rows.values()}
    values = {unit_id: dict(current) for unit_id, current in stored.items()}
    for unit in plan.units:
        if unit.code in rows:
            _report_changes(unit, rows[unit.code], code_by_id, report)
        values.setdefault(ids[unit.code], {}).update(_plan_values(unit, ids))
    in_plan = {unit.code for unit in plan.units}
    for code, row in rows.items():
        if code not in in_plan and row.active:
            values[row.id]["active"] = False
            report.units_deactivated.append(Ref(code, row.name))
    _place(values)
    # New units were written whole but for their place, which needs their own id; stored ones only if changed.
    placed = [{"id": unit_id, "path": values[unit_id]["path"], "depth": values[unit_id]["depth"]}
              for unit_id in (ids[unit.code] for unit in new_units)]
    changed = [{"id": unit_id, **current} for unit_id, current in values.items()
               if unit_id in stored and stored[unit_id] != current]
    for batch in (placed, changed):  # one batch per set of columns
        if batch:
            await session.execute(update(Unit), batch)
    return ids


async def _insert_new(session: AsyncSession, units: list[PlanUnit], ids: dict[str, int],
                      report: ImportReport) -> None:
    # Level by level, so each parent has its id before its children are written; paths come after (_place).
    for _depth, level in groupby(sorted(units, key=lambda unit: unit.depth), key=lambda unit: unit.depth):
        batch = list(level)
        result = await session.execute(insert(Unit).returning(Unit.id, Unit.code), [
            {**_plan_values(unit, ids), "code": unit.code, "path": "/", "depth": unit.depth} for unit in batch
        ])
        ids.update({code: unit_id for unit_id, code in result.all()})
        report.units_added.extend(Ref(unit.code, unit.name) for unit in batch)


def _report_changes(unit: PlanUnit, row: Row, code_by_id: dict[int, str], report: ImportReport) -> None:
    old = {"name": row.name, "short_name": row.short_name, "kind": row.kind, "aliases": row.aliases,
           "parent": code_by_id.get(row.parent_id)}
    new = {"name": unit.name, "short_name": unit.short_name, "kind": unit.kind, "aliases": _aliases(unit),
           "parent": unit.parent}
    if changes := field_changes(old, new):
        report.units_changed.append(Changed(unit.code, unit.name, changes))
    elif row.sort_order != unit.sort_order:
        report.reordered += 1
    if not row.active:
        report.units_reactivated.append(Ref(unit.code, unit.name))


def _plan_values(unit: PlanUnit, ids: dict[str, int]) -> dict[str, object]:
    """The columns the plan decides (path and depth follow from the parents)."""
    return {"name": unit.name, "short_name": unit.short_name, "kind": unit.kind, "aliases": _aliases(unit),
            "sort_order": unit.sort_order, "parent_id": ids.get(unit.parent or ""), "active": True}


def _place(values: dict[int, dict[str, object]]) -> None:
    """Recomputes every materialised path ("/1/4/17/") and depth from the parent links."""
    children: dict[int | None, list[int]] = {}
    for unit_id, current in values.items():
        children.setdefault(current["parent_id"], []).append(unit_id)  # type: ignore[arg-type]
    pending: list[tuple[int, str, int]] = [(unit_id, "/", 0) for unit_id in children.get(None, [])]
    while pending:
        unit_id, parent_path, depth = pending.pop()
        path = f"{parent_path}{unit_id}/"
        values[unit_id].update(path=path, depth=depth)
        pending.extend((child, path, depth + 1) for child in children.get(unit_id, []))


def _row_values(row: Row) -> dict[str, object]:
    return {"name": row.name, "short_name": row.short_name, "kind": row.kind, "path": row.path, "depth": row.depth,
            "aliases": row.aliases, "active": row.active, "sort_order": row.sort_order, "parent_id": row.parent_id}


def _aliases(unit: PlanUnit) -> str | None:
    return "\n".join(unit.aliases) or None
