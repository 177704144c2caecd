"""Managing who is registered: a unit's members as /thanhvien lists them, removing one membership (logged, the
person's other units kept, nothing more sent for that unit), one person in several units, and who may do what."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from bot.access import load_access
from bot.invites import create_invite, redeem_invite
from bot.members import find_membership, get_or_create_member, list_members, remove_membership, roles_of
from bot.models import Event, Member, Membership, Reminder, ReminderDelivery, ReminderDigest, Role
from bot.settings import Settings
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code
from scheduler.outbox import load_outgoing
from scheduler.states import DeliveryStatus
from tests.bot.services_fixtures import assignment_of, import_sample, member_with


async def _join(session, user_id: int, name: str, code: str, role: Role, now, *, chat_id: int | None = None):  # type: ignore[no-untyped-def]
    """What a /start with an invite does: the member (per chat), then the redemption."""
    unit = await get_unit_by_code(session=session, code=code)
    invite = await create_invite(session=session, unit=unit, role=role, now=now, ttl_days=7)
    member = await get_or_create_member(session=session, telegram_user_id=user_id, chat_id=chat_id or user_id,
                                        full_name=name, username=f"user{user_id}", now=now)
    assert (await redeem_invite(session=session, code=invite.code, member=member, now=now)).ok
    return member


async def _membership_id(session, user_id: int, code: str, role: Role) -> int:  # type: ignore[no-untyped-def]
    unit = await get_unit_by_code(session=session, code=code)
    statement = (select(Membership.id).join(Member, Member.id == Membership.member_id)
                 .where(Member.telegram_user_id == user_id, Membership.unit_id == unit.id, Membership.role == role))
    return (await session.execute(statement)).scalars().one()


async def test_one_person_holds_roles_in_several_units(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        for code, role in (("HU-DIENBIEN", Role.secretary), ("TU", Role.supervisor), ("HU-TUANGIAO", Role.secretary)):
            await _join(session, 7, "Lan", code, role, clock.now())
        assert [(held.unit.code, held.role) for held in await roles_of(session=session, telegram_user_id=7)] == [
            ("TU", Role.supervisor), ("HU-DIENBIEN", Role.secretary), ("HU-TUANGIAO", Role.secretary)]
        access = await load_access(session=session, telegram_user_id=7, admin_ids=[])
        dien_bien = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        tuan_giao = await get_unit_by_code(session=session, code="HU-TUANGIAO")
        assert access.is_secretary_of(dien_bien) and access.is_secretary_of(tuan_giao)
        assert access.supervises(dien_bien)  # through TU

        # Removing one of them leaves the others as they were.
        held = await find_membership(session=session, membership_id=await _membership_id(
            session, 7, "HU-DIENBIEN", Role.secretary))
        assert await remove_membership(session=session, held=held, now=clock.now(), actor_member_id=None,
                                       actor_label="Quản trị (900001)")
        assert [(h.unit.code, h.role) for h in await roles_of(session=session, telegram_user_id=7)] == [
            ("TU", Role.supervisor), ("HU-TUANGIAO", Role.secretary)]


async def test_list_members_says_role_since_and_reachability(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        later = clock.now() + timedelta(days=2)
        await _join(session, 2, "Hùng", "HU-DIENBIEN", Role.supervisor, clock.now())
        await _join(session, 3, "Mai", "HU-DIENBIEN", Role.secretary, later)
        lan = await _join(session, 1, "Lan", "HU-DIENBIEN", Role.secretary, clock.now())
        await _join(session, 1, "Lan", "HU-DIENBIEN", Role.secretary, clock.now(), chat_id=-100123)  # a group
        lan.active = False  # she blocked the bot
        await _join(session, 4, "Khác", "HU-TUANGIAO", Role.secretary, clock.now())
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        entries = await list_members(session=session, unit_id=unit.id)
    # Secretaries first, the oldest first; then supervisors. Another unit's people are not there.
    assert [(e.full_name, e.role, e.since, e.reachable, e.in_group) for e in entries] == [
        ("Lan", Role.secretary, clock.now(), False, False),
        ("Lan", Role.secretary, clock.now(), True, True),
        ("Mai", Role.secretary, later, True, False),
        ("Hùng", Role.supervisor, clock.now(), True, False),
    ]
    assert entries[0].username == "user1"


async def test_removal_is_logged_once_and_history_stays(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        lan = await _join(session, 1, "Lan", "HU-DIENBIEN", Role.secretary, clock.now())
        boss = await _join(session, 2, "Hùng", "TU", Role.supervisor, clock.now())
        membership_id = await _membership_id(session, 1, "HU-DIENBIEN", Role.secretary)
        held = await find_membership(session=session, membership_id=membership_id)
        later = clock.now() + timedelta(hours=3)
        assert await remove_membership(session=session, held=held, now=later, actor_member_id=boss.id,
                                       actor_label="Hùng (2)")
        # A second press (another manager, the same moment) finds nothing to remove and logs nothing.
        assert not await remove_membership(session=session, held=held, now=later, actor_member_id=boss.id,
                                           actor_label="Hùng (2)")
        await session.commit()
        assert await find_membership(session=session, membership_id=membership_id) is None
        assert await roles_of(session=session, telegram_user_id=1) == []
        events = (await session.execute(select(Event).where(Event.unit_id == held.unit.id)
                                        .order_by(Event.id))).scalars().all()
    assert [e.kind for e in events] == ["invite", "join", "member_removed"]  # the join is still there
    removed = events[-1]
    assert (removed.at, removed.actor_member_id, removed.actor_label) == (later, boss.id, "Hùng (2)")
    details = json.loads(removed.details)
    assert details["member_id"] == lan.id and details["telegram_user_id"] == 1 and details["role"] == "secretary"
    assert details["name"] == "Lan" and details["membership_id"] == membership_id


async def test_a_removed_secretary_gets_nothing_more_for_that_unit(session_factory, clock: FixedClock) -> None:
    # A reminder digest was composed for the unit's two secretaries; Lan is removed before it goes out.
    settings = Settings(_env_file=None)
    async with session_factory() as session:
        await import_sample(session, clock.now())
        lan = await _join(session, 1, "Lan", "HU-DIENBIEN", Role.secretary, clock.now())
        mai = await _join(session, 3, "Mai", "HU-DIENBIEN", Role.secretary, clock.now())
        item = await assignment_of(session, "HU-DIENBIEN", "M16")
        digest = ReminderDigest(kind="reminder", unit_id=item.unit_id, created_at=clock.now())
        session.add(digest)
        await session.flush()
        session.add(Reminder(assignment_id=item.id, step="d3:2020-05-15", fire_at=clock.now(), status="queued",
                             digest_id=digest.id))
        deliveries = [ReminderDelivery(digest_id=digest.id, member_id=m.id, chat_id=m.chat_id,
                                       next_attempt_at=clock.now(), created_at=clock.now()) for m in (lan, mai)]
        session.add_all(deliveries)
        await session.flush()
        held = await find_membership(session=session, membership_id=await _membership_id(
            session, 1, "HU-DIENBIEN", Role.secretary))
        assert await remove_membership(session=session, held=held, now=clock.now(), actor_member_id=None,
                                       actor_label="cli")
        outgoing = {o.member_id: o for o in await load_outgoing(
            session, delivery_ids=[d.id for d in deliveries], now=clock.now(), settings=settings)}
    assert outgoing[lan.id].message is None and outgoing[lan.id].skip == DeliveryStatus.cancelled
    assert outgoing[mai.id].message is not None and "M16" in outgoing[mai.id].message.text


async def test_who_may_see_and_remove(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        top = await member_with(session, 1, clock.now(), ("TU", Role.supervisor))
        district = await member_with(session, 2, clock.now(), ("HU-DIENBIEN", Role.supervisor))
        secretary = await member_with(session, 3, clock.now(), ("HU-DIENBIEN", Role.secretary))
        admin = await member_with(session, 900001, clock.now(), admin_ids=[900001])
        tu, dien_bien, commune, tuan_giao = [await get_unit_by_code(session=session, code=c) for c in
                                             ("TU", "HU-DIENBIEN", "DUX-THANHXUONG", "HU-TUANGIAO")]
    assert commune.parent_id == dien_bien.id
    # Seeing: admins everything, supervisors their subtree, secretaries nothing.
    assert top.can_manage_members(tu) and top.can_manage_members(commune)
    assert district.can_manage_members(dien_bien) and district.can_manage_members(commune)
    assert not district.can_manage_members(tuan_giao) and not district.can_manage_members(tu)
    assert not secretary.can_manage_members(dien_bien)
    assert admin.can_manage_members(tu)
    # Removing: secretaries anywhere below, supervisors strictly below; never a co-supervisor or anyone above.
    assert district.can_remove(dien_bien, Role.secretary) and district.can_remove(commune, Role.supervisor)
    assert not district.can_remove(dien_bien, Role.supervisor)
    assert not district.can_remove(tuan_giao, Role.secretary) and not district.can_remove(tu, Role.supervisor)
    assert top.can_remove(dien_bien, Role.supervisor) and not top.can_remove(tu, Role.supervisor)
    assert not secretary.can_remove(dien_bien, Role.secretary)
    assert admin.can_remove(tu, Role.supervisor)
