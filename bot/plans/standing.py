"""The organisation's unit tree as stored, in the shape a file check takes (`read_plan(path, known=...)`).

A plan file may leave out `units:` and name units of this tree, or hang new units on them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Unit
from bot.plans.plan import PlanUnit


async def standing_units(session: AsyncSession) -> tuple[PlanUnit, ...]:
    """The active units, parents first (retired ones cannot be given work, so a file cannot name them)."""
    rows = (await session.execute(
        select(col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.kind), col(Unit.parent_id),
               col(Unit.short_name), col(Unit.aliases), col(Unit.sort_order), col(Unit.depth))
        .where(col(Unit.active)).order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.id)))).all()
    code_of = {row.id: row.code for row in rows}
    return tuple(
        # An active unit under a retired one is a root here: its parent cannot be named.
        PlanUnit(code=row.code, name=row.name, kind=row.kind, parent=code_of.get(row.parent_id),
                 short_name=row.short_name, aliases=tuple(line for line in (row.aliases or "").splitlines() if line),
                 sort_order=row.sort_order, depth=row.depth)
        for row in rows)
