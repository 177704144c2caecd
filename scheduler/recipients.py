"""Who receives what: the secretaries of a unit, the supervisors above it.

Recipients are looked up when a digest is composed, so a member bound or blocked since the plan was made
is taken into account. One chat gets one copy even if its member holds the role twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Member, Membership, Role, Unit


@dataclass(frozen=True)
class Recipient:
    member_id: int
    chat_id: int


async def recipients_by_unit(
    session: AsyncSession, *, unit_ids: Iterable[int], role: Role
) -> dict[int, list[Recipient]]:
    """Active members holding `role` in each unit, one per chat."""
    ids = sorted(set(unit_ids))
    found: dict[int, dict[int, Recipient]] = {unit_id: {} for unit_id in ids}
    if not ids:
        return {}
    rows = await session.execute(
        select(col(Membership.unit_id), col(Member.id), col(Member.chat_id))
        .join(Member, col(Member.id) == Membership.member_id)
        .where(col(Membership.unit_id).in_(ids), col(Membership.role) == role, col(Member.active))
        .order_by(col(Membership.unit_id), col(Member.id))
    )
    for unit_id, member_id, chat_id in rows:
        assert member_id is not None  # a primary key, read back
        found[unit_id].setdefault(chat_id, Recipient(member_id=member_id, chat_id=chat_id))
    return {unit_id: list(by_chat.values()) for unit_id, by_chat in found.items()}


async def supervisors_around(session: AsyncSession, *, unit_id: int, exclude_member_id: int) -> list[Recipient]:
    """Supervisors of a unit and of its parent: who hears that one of the unit's members blocked the bot."""
    parent_id = (await session.execute(select(col(Unit.parent_id)).where(col(Unit.id) == unit_id))).scalar_one_or_none()
    unit_ids = [unit_id] + ([parent_id] if parent_id is not None else [])
    by_unit = await recipients_by_unit(session, unit_ids=unit_ids, role=Role.supervisor)
    seen: dict[int, Recipient] = {}
    for recipient in (r for unit in unit_ids for r in by_unit.get(unit, [])):
        if recipient.member_id != exclude_member_id:
            seen.setdefault(recipient.chat_id, recipient)
    return list(seen.values())
