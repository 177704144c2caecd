"""The unit tree: lookup by code, subtrees by materialised path, ancestors."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, literal
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


def in_subtree(session: AsyncSession, root: Unit) -> ColumnElement[bool]:
    """SQL condition: the unit is `root` or below it, as a range of materialised paths compared byte by byte.

    "/1/4/" and below are the paths from "/1/4/" up to (not including) "/1/40", '0' being the byte after '/'.
    A range is an index range scan on both backends where `LIKE '/1/4/%'` is not: SQLite's LIKE ignores case, so
    its index cannot serve it; PostgreSQL compares in the database's collation, so there the index on the path
    is `varchar_pattern_ops` and the range uses its byte-wise operators (right under any collation).
    The bounds are written into the statement, not bound: PostgreSQL plans a prepared statement once for any
    values after a few runs, and the plan for a district (a few units) is the wrong one for the whole country.
    """
    low = literal(root.path, literal_execute=True)
    high = literal(root.path[:-1] + chr(ord(root.path[-1]) + 1), literal_execute=True)
    path = col(Unit.path)
    if session.get_bind().dialect.name == "postgresql":
        return and_(path.op("~>=~", is_comparison=True)(low), path.op("~<~", is_comparison=True)(high))
    return and_(path >= low, path < high)


def ancestor_ids(unit: Unit) -> list[int]:
    """Ids from the tree's root down to the unit itself ("/1/15/28/" -> [1, 15, 28])."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def is_within(unit: Unit, root_path: str) -> bool:
    return unit.path.startswith(root_path)


async def list_subtree(*, session: AsyncSession, root: Unit) -> list[Unit]:
    statement = (select(Unit).where(in_subtree(session, root), col(Unit.active).is_(True))
                 .order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.code)))
    return list((await session.execute(statement)).scalars().all())


async def count_children(*, session: AsyncSession, unit: Unit) -> int:
    statement = select(func.count()).select_from(Unit).where(Unit.parent_id == unit.id, col(Unit.active).is_(True))
    return int((await session.execute(statement)).scalars().one())
