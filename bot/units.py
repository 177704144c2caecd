"""The unit tree: lookup by code, subtrees by materialised path, ancestors."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import Unit


def normalise_code(code: str) -> str:
    return code.strip().upper()


async def get_unit_by_code(*, session: AsyncSession, code: str) -> Unit | None:
    """The active unit with this code (case-insensitive), or None."""
    statement = select(Unit).where(func.upper(Unit.code) == normalise_code(code), col(Unit.active).is_(True))
    return (await session.execute(statement)).scalars().first()


async def get_unit(*, session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


def in_subtree(root: Unit) -> ColumnElement[bool]:
    """SQL condition: the unit is `root` or below it (one indexed prefix match at any depth)."""
    return col(Unit.path).startswith(root.path)


def ancestor_ids(unit: Unit) -> list[int]:
    """Ids from the tree's root down to the unit itself ("/1/15/28/" -> [1, 15, 28])."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def is_within(unit: Unit, root_path: str) -> bool:
    return unit.path.startswith(root_path)


async def list_subtree(*, session: AsyncSession, root: Unit) -> list[Unit]:
    statement = (select(Unit).where(in_subtree(root), col(Unit.active).is_(True))
                 .order_by(Unit.depth, Unit.sort_order, Unit.code))
    return list((await session.execute(statement)).scalars().all())


async def count_children(*, session: AsyncSession, unit: Unit) -> int:
    statement = select(func.count()).select_from(Unit).where(Unit.parent_id == unit.id, col(Unit.active).is_(True))
    return int((await session.execute(statement)).scalars().one())
