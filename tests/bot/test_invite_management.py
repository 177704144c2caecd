"""Invites as managers handle them: the open ones of a unit, revoking one (logged; refused at /start after),
one per unit at once (`invite --all`), and role names the same in chat and on the command line."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.invites import InviteFailure, create_invite, create_invites, open_invites, redeem_invite, revoke_invite
from bot.members import get_or_create_member
from bot.models import Event, Invite, Role
from bot.roles import parse_role
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import import_sample


@pytest.mark.parametrize("word, role", [
    ("thu_ky", Role.secretary), ("THU_KY", Role.secretary), ("thuky", Role.secretary), ("secretary", Role.secretary),
    ("Thư_ký", Role.secretary), ("thư ký", Role.secretary), ("thu-ky", Role.secretary),
    ("giam_sat", Role.supervisor), ("giamsat", Role.supervisor), ("Supervisor", Role.supervisor),
    ("giám_sát", Role.supervisor), ("Giám sát", Role.supervisor),
    ("admin", None), ("thu", None), ("", None), (None, None),
])
def test_role_words(word: str | None, role: Role | None) -> None:
    assert parse_role(word) == role


async def _member(session, user_id: int, clock: FixedClock):  # type: ignore[no-untyped-def]
    return await get_or_create_member(session=session, telegram_user_id=user_id, chat_id=user_id,
                                      full_name=f"User {user_id}", username=None, now=clock.now())


async def test_open_invites_then_revoke_one(session_factory, clock: FixedClock) -> None:
    now = clock.now()
    async with session_factory() as session:
        await import_sample(session, now)
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        used, revoked, expired, kept, later = [
            await create_invite(session=session, unit=unit, role=role, now=now, ttl_days=ttl)
            for role, ttl in ((Role.secretary, 7), (Role.secretary, 7), (Role.supervisor, 1), (Role.supervisor, 7),
                              (Role.secretary, 7))]
        other_unit = await get_unit_by_code(session=session, code="HU-TUANGIAO")
        await create_invite(session=session, unit=other_unit, role=Role.secretary, now=now, ttl_days=7)
        assert (await redeem_invite(session=session, code=used.code, member=await _member(session, 1, clock),
                                    now=now)).ok
        assert await revoke_invite(session=session, code=revoked.code, now=now) is not None
        two_days = now + timedelta(days=2)
        assert [i.id for i in await open_invites(session=session, unit_id=unit.id, now=two_days)] == [kept.id, later.id]

        done = await revoke_invite(session=session, invite_id=kept.id, now=two_days, actor_member_id=None,
                                   actor_label="Quản trị (900001)")
        assert done is not None and done.revoked_at == two_days
        assert [i.id for i in await open_invites(session=session, unit_id=unit.id, now=two_days)] == [later.id]
        # Nothing to revoke in a used, revoked or expired invite, nor an unknown one: None, and no event.
        for invite_id in (used.id, revoked.id, expired.id, kept.id, 10**9):
            assert await revoke_invite(session=session, invite_id=invite_id, now=two_days) is None
        await session.commit()
        events = (await session.execute(select(Event).where(Event.kind == "invite_revoked")
                                         .order_by(Event.id))).scalars().all()
        assert [(e.unit_id, e.actor_label) for e in events] == [(unit.id, "cli"), (unit.id, "Quản trị (900001)")]
        assert json.loads(events[1].details) == {"invite_id": kept.id, "role": "supervisor"}
        refused = await redeem_invite(session=session, code=kept.code, member=await _member(session, 2, clock),
                                      now=two_days)
        assert refused.failure == InviteFailure.revoked


async def test_revoking_what_was_redeemed_meanwhile_changes_nothing(session_factory, clock: FixedClock) -> None:
    # The manager's list was read before the person opened the link; the ✖️ press comes after.
    async with session_factory() as session:
        await import_sample(session, clock.now())
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        code = (await create_invite(session=session, unit=unit, role=Role.secretary, now=clock.now(), ttl_days=7)).code
        await session.commit()
    async with session_factory() as manager, session_factory() as person:
        stale = (await manager.execute(select(Invite).where(Invite.code == code))).scalars().one()
        await manager.commit()  # the manager's session still holds the unused invite it read
        assert (await redeem_invite(session=person, code=code, member=await _member(person, 5, clock),
                                    now=clock.now())).ok
        await person.commit()
        assert stale.used_at is None
        assert await revoke_invite(session=manager, invite_id=stale.id, now=clock.now()) is None
        await manager.commit()
    async with session_factory() as session:
        invite = (await session.execute(select(Invite).where(Invite.code == code))).scalars().one()
        assert invite.revoked_at is None and invite.used_at is not None
        assert (await session.execute(select(Event).where(Event.kind == "invite_revoked"))).scalars().all() == []


async def test_one_invite_per_unit_at_once(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        units = [await get_unit_by_code(session=session, code=c) for c in ("HU-DIENBIEN", "HU-TUANGIAO", "TU")]
        invites = await create_invites(session=session, units=units, role=Role.supervisor, now=clock.now(),
                                       ttl_days=7, created_by=None)
        await session.commit()
        assert [i.unit_id for i in invites] == [u.id for u in units]
        assert len({i.code for i in invites}) == 3
        assert all(i.role == Role.supervisor and i.expires_at == clock.now() + timedelta(days=7) for i in invites)
        logged = (await session.execute(select(Event.unit_id).where(Event.kind == "invite"))).scalars().all()
        assert sorted(logged) == sorted(u.id for u in units)
