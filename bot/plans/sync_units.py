"""Writes units into the organisation's tree by code: new units added, existing ones changed only when asked.

The tree is the office's, not a plan's: nothing here ever retires a unit (that is `bot.plans.retire`). A plan file
adds the units it brings and leaves the stored ones as they are, reporting where it describes them differently
(`update=False`); a units file, or a plan imported with --update-units, is taken as the description of record
(`update=True`): names, kinds, parents are applied and retired units it lists come back.

Works in bulk (one read, batched inserts and updates) because a national tree holds ~60,000 units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Unit
from bot.plans.plan import PlanUnit
from bot.plans.report import Changed, FieldChange, Ref, UnitsReport, field_changes

_COLUMNS = (col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.short_name), col(Unit.kind), col(Unit.parent_id),
            col(Unit.path), col(Unit.depth), col(Unit.sort_order), col(Unit.aliases), col(Unit.active))


@dataclass
class StoredUnits:
    """Every unit in the database after the sync (active or not), by code."""

    ids: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    retired: set[str] = field(default_factory=set)


async def sync_units(*, session: AsyncSession, units: Sequence[PlanUnit], report: UnitsReport, update_existing: bool,
                     file_order: bool) -> StoredUnits:
    """Writes `units` (parents first). `file_order`: their position in the file becomes their display order
    (a units file); otherwise only new units get one, after every stored unit (a plan file)."""
    rows = {row.code: row for row in (await session.execute(select(*_COLUMNS))).all()}
    ids = {code: row.id for code, row in rows.items()}
    new_units = [unit for unit in units if unit.code not in rows]
    if not file_order:  # appended in file order, after the tree as it stands
        after = max((row.sort_order for row in rows.values()), default=-1) + 1
        new_units = [replace(unit, sort_order=after + rank) for rank, unit in enumerate(new_units)]
    await _insert_new(session, new_units, ids, report)
    code_by_id = {unit_id: code for code, unit_id in ids.items()}
    stored = {row.id: _row_values(row) for row in rows.values()}
    values = {unit_id: dict(current) for unit_id, current in stored.items()}
    for unit in new_units:
        values[ids[unit.code]] = _file_values(unit, ids) | {"sort_order": unit.sort_order}
    for unit in units:
        row = rows.get(unit.code)
        if row is None:
            continue
        differences = _differences(unit, row, code_by_id)
        if not update_existing:
            if differences:
                report.units_kept.append(Changed(unit.code, unit.name, differences))
            if not row.active:
                report.units_skipped.append(Ref(unit.code, unit.name))
            continue
        if differences:
            report.units_changed.append(Changed(unit.code, unit.name, differences))
        elif file_order and row.sort_order != unit.sort_order:
            report.reordered += 1
        if not row.active:
            report.units_reactivated.append(Ref(unit.code, unit.name))
        values[row.id].update(_file_values(unit, ids))
        if file_order:
            values[row.id]["sort_order"] = unit.sort_order
    _place(values)
    # New units were written whole but for their place, which needs their own id; stored ones only if changed.
    placed = [{"id": unit_id, "path": values[unit_id]["path"], "depth": values[unit_id]["depth"]}
              for unit_id in (ids[unit.code] for unit in new_units)]
    changed = [{"id": unit_id, **current} for unit_id, current in values.items()
               if unit_id in stored and stored[unit_id] != current]
    for batch in (placed, changed):  # one batch per set of columns
        if batch:
            await session.execute(update(Unit), batch)
    names = {code: row.name for code, row in rows.items()} | {unit.code: unit.name for unit in units}
    retired = {code_by_id[unit_id] for unit_id, current in values.items() if not current["active"]}
    return StoredUnits(ids=ids, names=names, retired=retired)


async def _insert_new(session: AsyncSession, units: list[PlanUnit], ids: dict[str, int],
                      report: UnitsReport) -> None:
    # Level by level, so each parent has its id before its children are written; paths come after (_place).
    # A new unit's parent may be a stored unit: its depth is then unknown here, and set by _place.
    for _depth, level in groupby(sorted(units, key=lambda unit: unit.depth), key=lambda unit: unit.depth):
        batch = list(level)
        result = await session.execute(insert(Unit).returning(col(Unit.id), col(Unit.code)), [
            {**_file_values(unit, ids), "sort_order": unit.sort_order, "code": unit.code, "path": "/",
             "depth": unit.depth} for unit in batch
        ])
        for unit_id, code in result.all():
            assert unit_id is not None  # a primary key, returned by the insert
            ids[code] = unit_id
        report.units_added.extend(Ref(unit.code, unit.name) for unit in batch)


def _differences(unit: PlanUnit, row: Row[*tuple[Any, ...]], code_by_id: dict[int, str]) -> tuple[FieldChange, ...]:
    old = {"name": row.name, "short_name": row.short_name, "kind": row.kind, "aliases": row.aliases,
           "parent": code_by_id.get(row.parent_id)}
    new = {"name": unit.name, "short_name": unit.short_name, "kind": unit.kind, "aliases": _aliases(unit),
           "parent": unit.parent}
    return field_changes(old, new)


def _file_values(unit: PlanUnit, ids: dict[str, int]) -> dict[str, object]:
    """The columns a file decides but the order (path and depth follow from the parents)."""
    return {"name": unit.name, "short_name": unit.short_name, "kind": unit.kind, "aliases": _aliases(unit),
            "parent_id": ids.get(unit.parent or ""), "active": True}


def _place(values: dict[int, dict[str, object]]) -> None:
    """Recomputes every materialised path ("/1/4/17/") and depth from the parent links."""
    children: dict[int | None, list[int]] = {}
    for unit_id, current in values.items():
        children.setdefault(current["parent_id"], []).append(unit_id)  # type: ignore[arg-type]  # an int or None
    pending: list[tuple[int, str, int]] = [(unit_id, "/", 0) for unit_id in children.get(None, [])]
    while pending:
        unit_id, parent_path, depth = pending.pop()
        path = f"{parent_path}{unit_id}/"
        values[unit_id].update(path=path, depth=depth)
        pending.extend((child, path, depth + 1) for child in children.get(unit_id, []))


def _row_values(row: Row[*tuple[Any, ...]]) -> dict[str, object]:
    return {"name": row.name, "short_name": row.short_name, "kind": row.kind, "path": row.path, "depth": row.depth,
            "aliases": row.aliases, "active": row.active, "sort_order": row.sort_order, "parent_id": row.parent_id}


def _aliases(unit: PlanUnit) -> str | None:
    return "\n".join(unit.aliases) or None
