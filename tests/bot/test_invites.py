"""Invites: single use, expiry, revocation, unknown codes — and a membership only on success."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.invites import InviteFailure, create_invite, deep_link, redeem_invite, revoke_invite
from bot.members import get_or_create_member, roles_of
from bot.models import Invite, Membership, Role
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import import_sample


async def _member(session, user_id: int, clock: FixedClock):  # type: ignore[no-untyped-def]
    return await get_or_create_member(session=session, telegram_user_id=user_id, chat_id=user_id,
                                      full_name="Lan", username=None, now=clock.now())


async def test_redeem_once_then_used(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        invite = await create_invite(session=session, unit=unit, role=Role.secretary, now=clock.now(), ttl_days=7)
        assert len(invite.code) >= 16 and invite.expires_at == clock.now() + timedelta(days=7)
        assert deep_link("@nhacviec_bot", invite.code) == f"https://t.me/nhacviec_bot?start={invite.code}"
        first = await redeem_invite(session=session, code=invite.code, member=await _member(session, 1, clock),
                                    now=clock.now())
        assert first.ok and first.unit.code == "HU-DIENBIEN" and first.role == Role.secretary
        assert [(r.unit.code, r.role) for r in await roles_of(session=session, telegram_user_id=1)] == [
            ("HU-DIENBIEN", Role.secretary)]
        second = await redeem_invite(session=session, code=invite.code, member=await _member(session, 2, clock),
                                     now=clock.now())
        assert second.failure == InviteFailure.used
        assert await roles_of(session=session, telegram_user_id=2) == []


async def test_expired_revoked_unknown(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        unit = await get_unit_by_code(session=session, code="TU")
        member = await _member(session, 1, clock)
        old = await create_invite(session=session, unit=unit, role=Role.supervisor, now=clock.now(), ttl_days=1)
        later = clock.now() + timedelta(days=1, seconds=1)
        assert (await redeem_invite(session=session, code=old.code, member=member, now=later)).failure == \
            InviteFailure.expired
        revoked = await create_invite(session=session, unit=unit, role=Role.supervisor, now=clock.now(), ttl_days=7)
        assert await revoke_invite(session=session, code=revoked.code, now=clock.now())
        assert not await revoke_invite(session=session, code=revoked.code, now=clock.now())
        assert (await redeem_invite(session=session, code=revoked.code, member=member, now=clock.now())).failure == \
            InviteFailure.revoked
        assert (await redeem_invite(session=session, code="nope", member=member, now=clock.now())).failure == \
            InviteFailure.unknown
        assert (await session.execute(select(Membership))).scalars().all() == []


async def test_two_people_redeeming_one_invite_at_once_get_one_membership(session_factory, clock: FixedClock) -> None:
    # Two bot processes (webhook replicas) handle two /start with the same link at the same moment: the second
    # read the invite as unused just before the first one's redemption committed.
    async with session_factory() as session:
        await import_sample(session, clock.now())
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        code = (await create_invite(session=session, unit=unit, role=Role.secretary, now=clock.now(), ttl_days=7)).code
        await session.commit()
    async with session_factory() as late, session_factory() as first:
        stale = (await late.execute(select(Invite).where(Invite.code == code))).scalars().one()
        assert stale.used_at is None
        await late.commit()  # ends the read; the session still holds what it read
        won = await redeem_invite(session=first, code=code, member=await _member(first, 11, clock), now=clock.now())
        await first.commit()
        lost = await redeem_invite(session=late, code=code, member=await _member(late, 12, clock), now=clock.now())
        await late.commit()
    assert won.ok and lost.failure == InviteFailure.used
    async with session_factory() as session:
        assert [r.role for r in await roles_of(session=session, telegram_user_id=11)] == [Role.secretary]
        assert await roles_of(session=session, telegram_user_id=12) == []
