"""One-time invites: a random code in a deep link binds a Telegram user to a unit with a role."""

from __future__ import annotations

import enum
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from bot.i18n import N_
from bot.models import Event, Invite, Member, Membership, Role, Unit


class InviteFailure(str, enum.Enum):
    unknown = "unknown"
    used = "used"
    expired = "expired"
    revoked = "revoked"

    @property
    def label(self) -> str:
        return _FAILURE_LABELS[self]


_FAILURE_LABELS = {
    InviteFailure.unknown: N_("This invite code is not valid."),
    InviteFailure.used: N_("This invite has already been used."),
    InviteFailure.expired: N_("This invite has expired."),
    InviteFailure.revoked: N_("This invite has been revoked."),
}


@dataclass(frozen=True)
class Redemption:
    failure: InviteFailure | None
    unit: Unit | None = None
    role: Role | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def new_code() -> str:
    """URL-safe, fits Telegram's deep-link limit (64 chars of [A-Za-z0-9_-])."""
    return secrets.token_urlsafe(16)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


async def create_invite(*, session: AsyncSession, unit: Unit, role: Role, now: datetime, ttl_days: int,
                        created_by: int | None = None) -> Invite:
    invite = Invite(code=new_code(), unit_id=unit.id, role=role, created_by=created_by, created_at=now,  # type: ignore[arg-type]
                    expires_at=now + timedelta(days=ttl_days))
    session.add(invite)
    session.add(Event(at=now, kind="invite", unit_id=unit.id, actor_label=str(created_by or "cli"),
                      details=json.dumps({"role": role.value})))
    await session.flush()
    return invite


async def create_invites(*, session: AsyncSession, units: list[Unit], role: Role, now: datetime, ttl_days: int,
                         created_by: int | None = None) -> list[Invite]:
    """One invite per unit (`nhacviec invite --all`), each logged like a single one, in one flush."""
    invites = [Invite(code=new_code(), unit_id=unit.id, role=role, created_by=created_by, created_at=now,  # type: ignore[arg-type]
                      expires_at=now + timedelta(days=ttl_days)) for unit in units]
    session.add_all(invites)
    session.add_all(Event(at=now, kind="invite", unit_id=unit.id, actor_label=str(created_by or "cli"),
                          details=json.dumps({"role": role.value})) for unit in units)
    await session.flush()
    return invites


def is_open(invite: Invite, now: datetime) -> bool:
    return invite.used_at is None and invite.revoked_at is None and now < invite.expires_at


async def open_invites(*, session: AsyncSession, unit_id: int, now: datetime) -> list[Invite]:
    """The unit's invites nobody has used yet, neither revoked nor expired, oldest first."""
    statement = (select(Invite).where(Invite.unit_id == unit_id, col(Invite.used_at).is_(None),
                                      col(Invite.revoked_at).is_(None), col(Invite.expires_at) > now)
                 .order_by(col(Invite.created_at), col(Invite.id)))
    return list((await session.execute(statement)).scalars().all())


async def revoke_invite(*, session: AsyncSession, now: datetime, code: str | None = None, invite_id: int | None = None,
                        actor_member_id: int | None = None, actor_label: str = "cli") -> Invite | None:
    """Revokes an open invite (by code or id) and logs it; None (changing nothing) if it is not open any more."""
    where = Invite.code == code if code is not None else Invite.id == invite_id
    invite = (await session.execute(select(Invite).where(where))).scalars().first()
    if invite is None or not is_open(invite, now):
        return None
    # Conditional, like redemption: a /start with this code at the same moment either wins or finds it revoked.
    revoked = await session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None), col(Invite.revoked_at).is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:  # type: ignore[attr-defined]
        return None
    set_committed_value(invite, "revoked_at", now)
    session.add(Event(at=now, kind="invite_revoked", unit_id=invite.unit_id, actor_member_id=actor_member_id,
                      actor_label=actor_label[:255],
                      details=json.dumps({"invite_id": invite.id, "role": invite.role.value})))
    await session.flush()
    return invite


async def redeem_invite(*, session: AsyncSession, code: str, member: Member, now: datetime) -> Redemption:
    """Single use: binds `member` to the invite's unit and role, or says why not (changing nothing)."""
    invite = (await session.execute(select(Invite).where(Invite.code == code.strip()))).scalars().first()
    if invite is None:
        return Redemption(InviteFailure.unknown)
    if invite.revoked_at is not None:
        return Redemption(InviteFailure.revoked)
    if invite.used_at is not None:
        return Redemption(InviteFailure.used)
    if now >= invite.expires_at:
        return Redemption(InviteFailure.expired)
    unit = await session.get(Unit, invite.unit_id)
    if unit is None or not unit.active:
        return Redemption(InviteFailure.unknown)
    # Claimed with one conditional UPDATE: of two people redeeming the same link at once (perhaps in two bot
    # processes), exactly one finds it unused, whatever either of them read before.
    claimed = await session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None), col(Invite.revoked_at).is_(None))
        .values(used_at=now, used_by_member_id=member.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return Redemption(InviteFailure.used)
    set_committed_value(invite, "used_at", now)  # what the UPDATE wrote, without a second UPDATE at flush
    set_committed_value(invite, "used_by_member_id", member.id)
    existing = (await session.execute(select(Membership).where(
        Membership.member_id == member.id, Membership.unit_id == unit.id,
        Membership.role == invite.role))).scalars().first()
    if existing is None:
        session.add(Membership(member_id=member.id, unit_id=unit.id, role=invite.role, created_at=now))  # type: ignore[arg-type]
    session.add(Event(at=now, kind="join", actor_member_id=member.id, actor_label=member.full_name,
                      unit_id=unit.id, details=json.dumps({"role": invite.role.value, "invite_id": invite.id})))
    await session.flush()
    return Redemption(None, unit=unit, role=invite.role)
