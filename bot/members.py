"""Members: Telegram users bound to units with roles, and their language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.i18n import normalise_language
from bot.models import Member, Membership, Role, Unit


@dataclass(frozen=True)
class UnitRole:
    unit: Unit
    role: Role


async def find_member(*, session: AsyncSession, telegram_user_id: int, chat_id: int | None = None) -> Member | None:
    """The member for this user (in this chat if given, else their first — usually private — chat)."""
    statement = select(Member).where(Member.telegram_user_id == telegram_user_id)
    if chat_id is not None:
        statement = statement.where(Member.chat_id == chat_id)
    return (await session.execute(statement.order_by(Member.id))).scalars().first()


async def get_or_create_member(*, session: AsyncSession, telegram_user_id: int, chat_id: int, full_name: str,
                               username: str | None, now: datetime, language: str = "vi") -> Member:
    member = await find_member(session=session, telegram_user_id=telegram_user_id, chat_id=chat_id)
    if member is None:
        member = Member(telegram_user_id=telegram_user_id, chat_id=chat_id, full_name=full_name[:255],
                        username=username, language=normalise_language(language), created_at=now)
        session.add(member)
    else:
        member.full_name = full_name[:255] or member.full_name
        member.username = username
        member.active = True
    await session.flush()
    return member


async def roles_of(*, session: AsyncSession, telegram_user_id: int) -> list[UnitRole]:
    """Every (unit, role) the user holds, over all their chats."""
    statement = (select(Unit, Membership.role)
                 .join(Membership, col(Membership.unit_id) == Unit.id)
                 .join(Member, col(Member.id) == Membership.member_id)
                 .where(Member.telegram_user_id == telegram_user_id, col(Unit.active).is_(True))
                 .order_by(Unit.depth, Unit.sort_order, Unit.code, Membership.role))
    return [UnitRole(unit=unit, role=role) for unit, role in (await session.execute(statement)).all()]


async def members_with_role(*, session: AsyncSession, unit_id: int, role: Role) -> list[Member]:
    statement = (select(Member).join(Membership, col(Membership.member_id) == Member.id)
                 .where(Membership.unit_id == unit_id, Membership.role == role, col(Member.active).is_(True))
                 .order_by(Member.id))
    return list((await session.execute(statement)).scalars().all())


async def set_language(*, session: AsyncSession, telegram_user_id: int, language: str) -> str:
    """Sets the language of every chat of the user; returns the language kept."""
    language = normalise_language(language)
    members = (await session.execute(select(Member).where(Member.telegram_user_id == telegram_user_id))).scalars().all()
    for member in members:
        member.language = language
    await session.flush()
    return language
