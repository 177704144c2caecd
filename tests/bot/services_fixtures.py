"""The sample plan imported into the per-test database, and members bound to units (for service tests)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bot.access import Access, load_access
from bot.members import get_or_create_member
from bot.models import Assignment, Membership, Milestone, Role, Unit
from bot.plans.importer import import_plan
from bot.plans.validate import read_plan
from bot.settings import PROJECT_ROOT
from bot.units import get_unit_by_code

PLAN = read_plan(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml").plan


async def import_sample(session: AsyncSession, now: datetime) -> None:
    assert PLAN is not None
    await import_plan(session=session, plan=PLAN, now=now)
    await session.flush()


async def member_with(session: AsyncSession, user_id: int, now: datetime, *roles: tuple[str, Role],
                      admin_ids: list[int] | None = None) -> Access:
    member = await get_or_create_member(session=session, telegram_user_id=user_id, chat_id=user_id,
                                        full_name=f"User {user_id}", username=None, now=now)
    for code, role in roles:
        unit = await get_unit_by_code(session=session, code=code)
        assert unit is not None
        session.add(Membership(member_id=member.id, unit_id=unit.id, role=role, created_at=now))  # type: ignore[arg-type]
    await session.flush()
    return await load_access(session=session, telegram_user_id=user_id, admin_ids=admin_ids or [])


async def assignment_of(session: AsyncSession, unit_code: str, milestone_code: str) -> Assignment:
    statement = (select(Assignment).join(Unit, Unit.id == Assignment.unit_id)  # type: ignore[arg-type]
                 .join(Milestone, Milestone.id == Assignment.milestone_id)  # type: ignore[arg-type]
                 .where(Unit.code == unit_code, Milestone.code == milestone_code))
    return (await session.execute(statement)).scalars().one()
