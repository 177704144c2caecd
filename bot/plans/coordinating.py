"""The co-ordinating (phối hợp) units of a milestone: stored as their codes on the milestone, shown by name.

    stored_codes(("SO-TC", "SO-KHCN"))        # "SO-TC,SO-KHCN", the Milestone.coordinating column
    await coordinating_names(session=session, milestones=[m])   # {m.id: ["Sở Tài chính", "Sở Khoa học …"]}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Milestone, Unit

SEPARATOR = ","  # never part of a code (bot.plans.fields.CODE_PATTERN)


def stored_codes(codes: Sequence[str]) -> str | None:
    return SEPARATOR.join(codes) or None


def codes_of(stored: str | None) -> list[str]:
    return [code for code in (stored or "").split(SEPARATOR) if code]


async def coordinating_names(*, session: AsyncSession, milestones: Iterable[Milestone]) -> dict[int, list[str]]:
    """The names of each milestone's co-ordinating units, in the plan's order (a code no unit has any more is
    shown as written); milestones without any are left out. One query for all of them."""
    codes = {milestone.id: codes_of(milestone.coordinating) for milestone in milestones if milestone.coordinating}
    wanted = sorted({code for listed in codes.values() for code in listed})
    if not wanted:
        return {}
    rows = await session.execute(select(col(Unit.code), col(Unit.name)).where(col(Unit.code).in_(wanted)))
    names = {code: name for code, name in rows.all()}
    return {milestone_id: [names.get(code, code) for code in listed]
            for milestone_id, listed in codes.items() if milestone_id is not None}
