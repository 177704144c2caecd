"""Members: Telegram users bound to units with roles, and their language."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.i18n import normalise_language
from bot.models import Event, Member, Membership, Role, Unit


@dataclass(frozen=True)
class UnitRole:
    unit: Unit
    role: Role


async def find_member(*, session: AsyncSession, telegram_user_id: int, chat_id: int | None = None) -> Member | None:
    """The member for this user (in this chat if given, else their first — usually private — chat)."""
    statement = select(Member).where(Member.telegram_user_id == telegram_user_id)
    if chat_id is not None:
        statement = statement.where(Member.chat_id == chat_id)
    return (await session.execute(statement.order_by(col(Member.id)))).scalars().first()


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


async def reactivate_member(*, session: AsyncSession, telegram_user_id: int, chat_id: int) -> bool:
    """Marks the member of this user in this chat active again (they wrote: the chat is open); True if changed.

    Read first: an UPDATE on every update would take SQLite's write lock for nothing.
    """
    member = (await session.execute(select(Member).where(
        Member.telegram_user_id == telegram_user_id, Member.chat_id == chat_id,
        col(Member.active).is_(False)))).scalars().first()
    if member is None:
        return False
    member.active = True
    await session.flush()
    return True


async def roles_of(*, session: AsyncSession, telegram_user_id: int) -> list[UnitRole]:
    """Every (unit, role) the user holds, over all their chats."""
    statement = (select(Unit, col(Membership.role))
                 .join(Membership, col(Membership.unit_id) == Unit.id)
                 .join(Member, col(Member.id) == Membership.member_id)
                 .where(Member.telegram_user_id == telegram_user_id, col(Unit.active).is_(True))
                 .order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.code), col(Membership.role)))
    return [UnitRole(unit=unit, role=role) for unit, role in (await session.execute(statement)).all()]


async def members_with_role(*, session: AsyncSession, unit_id: int, role: Role) -> list[Member]:
    statement = (select(Member).join(Membership, col(Membership.member_id) == Member.id)
                 .where(Membership.unit_id == unit_id, Membership.role == role, col(Member.active).is_(True))
                 .order_by(col(Member.id)))
    return list((await session.execute(statement)).scalars().all())


async def set_language(*, session: AsyncSession, telegram_user_id: int, language: str) -> str:
    """Sets the language of every chat of the user; returns the language kept."""
    language = normalise_language(language)
    members = (await session.execute(select(Member).where(Member.telegram_user_id == telegram_user_id))).scalars().all()
    for member in members:
        member.language = language
    await session.flush()
    return language


# --- Managing who is registered (/thanhvien): list a unit's members, remove one membership. ---

_ROLE_ORDER = {Role.secretary: 0, Role.supervisor: 1, Role.admin: 2}


@dataclass(frozen=True)
class MemberEntry:
    """One membership of a unit, as the people managing it see it."""

    membership_id: int
    member_id: int
    full_name: str
    username: str | None
    role: Role
    since: datetime
    reachable: bool  # False once they blocked the bot (member.active)
    in_group: bool  # bound through a group chat rather than a private one


async def list_members(*, session: AsyncSession, unit_id: int) -> list[MemberEntry]:
    """Everyone registered for the unit: secretaries, then supervisors, then unit admins; oldest first."""
    statement = (select(Membership, Member).join(Member, col(Member.id) == Membership.member_id)
                 .where(Membership.unit_id == unit_id))
    entries = [MemberEntry(membership_id=membership.id, member_id=member.id, full_name=member.full_name,  # type: ignore[arg-type]
                           username=member.username, role=membership.role, since=membership.created_at,
                           reachable=member.active, in_group=member.chat_id != member.telegram_user_id)
               for membership, member in (await session.execute(statement)).all()]
    return sorted(entries, key=lambda e: (_ROLE_ORDER[e.role], e.since, e.membership_id))


@dataclass(frozen=True)
class HeldRole:
    membership: Membership
    member: Member
    unit: Unit


async def find_membership(*, session: AsyncSession, membership_id: int) -> HeldRole | None:
    """The membership with its member and (active) unit, or None."""
    statement = (select(Membership, Member, Unit).join(Member, col(Member.id) == Membership.member_id)
                 .join(Unit, col(Unit.id) == Membership.unit_id)
                 .where(Membership.id == membership_id, col(Unit.active).is_(True)))
    row = (await session.execute(statement)).first()
    return HeldRole(*row) if row else None


async def remove_membership(*, session: AsyncSession, held: HeldRole, now: datetime, actor_member_id: int | None,
                            actor_label: str) -> bool:
    """Removes one membership (the person keeps their other units) and logs who removed whom, when.

    False if it was already gone (two managers pressing at once: one removal, one event). Past events keep
    naming the member; from now on they get nothing for this unit (recipients are read at send time).
    """
    deleted = await session.execute(delete(Membership).where(col(Membership.id) == held.membership.id)
                                    .execution_options(synchronize_session=False))
    if deleted.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(Event(at=now, kind="member_removed", actor_member_id=actor_member_id, actor_label=actor_label[:255],
                      unit_id=held.unit.id, details=json.dumps({
                          "membership_id": held.membership.id, "member_id": held.member.id,
                          "telegram_user_id": held.member.telegram_user_id, "name": held.member.full_name,
                          "role": held.membership.role.value, "since": held.membership.created_at.isoformat()},
                          ensure_ascii=False)))
    await session.flush()
    return True
