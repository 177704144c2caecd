"""Urging late units: who is reached, and the per-unit cooldown read from the event log."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlmodel import select

from bot.models import AssignmentState, Event, Role
from bot.plans.registry import find_milestones
from bot.progress import StatusRules
from bot.settings import Settings
from bot.units import get_unit_by_code
from bot.urging import cooldown_from, urge_late_units
from tests.bot.services_fixtures import assignment_of, import_sample, member_with
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
RULES = StatusRules(tz=VN)
DAY = timedelta(hours=24)


async def test_urge_reaches_late_units_once_per_cooldown(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await import_sample(session, clock.now())
        boss = await member_with(session, 2001, NOW, ("TU", Role.supervisor))
        other_boss = await member_with(session, 2002, NOW, ("TU", Role.supervisor))
        await member_with(session, 3001, NOW, ("HU-DIENBIEN", Role.secretary))
        await member_with(session, 3002, NOW, ("HU-TUANGIAO", Role.secretary))
        await member_with(session, 3003, NOW, ("HU-MUONGCHA", Role.secretary))
        (await assignment_of(session, "HU-MUONGCHA", "M15")).state = AssignmentState.done  # not late any more
        await session.flush()
        root = await get_unit_by_code(session=session, code="TU")
        m15 = (await find_milestones(session=session, code="M15"))[0][0]
        assert root is not None and m15 is not None

        async def urge(actor, at):  # type: ignore[no-untyped-def]
            plan = await urge_late_units(session=session, actor=actor, roots=[root], milestone_id=m15.id, now=at,
                                         rules=RULES, cooldown=DAY)
            assert plan is not None
            return plan

        first = await urge(boss, NOW)
        assert sorted(t.item.unit_code for t in first.targets) == ["HU-DIENBIEN", "HU-TUANGIAO"]
        assert [m.telegram_user_id for t in first.targets for m in t.recipients] in ([3001, 3002], [3002, 3001])
        assert len(first.unreachable) == 12 and not first.cooled and first.late == 14
        events = (await session.execute(select(Event).where(Event.kind == "urge"))).scalars().all()
        assert len(events) == 2 and {e.milestone_id for e in events} == {m15.id}
        assert all(e.actor_member_id == boss.member.id and e.at == NOW for e in events)  # type: ignore[union-attr]

        # Within the cooldown nobody is reached again, whoever presses.
        again = await urge(boss, NOW + timedelta(hours=1))
        assert not again.targets and sorted(i.unit_code for i in again.cooled) == ["HU-DIENBIEN", "HU-TUANGIAO"]
        assert not (await urge(other_boss, NOW + DAY - timedelta(minutes=1))).targets
        # A unit that finished meanwhile is not late; the cooldown over, the others are urged again.
        (await assignment_of(session, "HU-TUANGIAO", "M15")).state = AssignmentState.done
        await session.flush()
        later = await urge(other_boss, NOW + DAY)
        assert [t.item.unit_code for t in later.targets] == ["HU-DIENBIEN"] and not later.cooled
        assert len((await session.execute(select(Event).where(Event.kind == "urge"))).scalars().all()) == 3

        # The cooldown is per milestone: M03's late units are not held back by M15's urge.
        m03 = (await find_milestones(session=session, code="M03"))[0][0]
        assert m03 is not None
        other = await urge_late_units(session=session, actor=boss, roots=[root], milestone_id=m03.id,
                                      now=NOW + timedelta(hours=2), rules=RULES, cooldown=DAY)
        assert other is not None and sorted(t.item.unit_code for t in other.targets) == ["HU-DIENBIEN", "HU-MUONGCHA",
                                                                                     "HU-TUANGIAO"]


async def test_urge_outside_ones_subtree_reaches_nobody(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await import_sample(session, clock.now())
        district_boss = await member_with(session, 2003, NOW, ("HU-TUANGIAO", Role.supervisor))
        await member_with(session, 3001, NOW, ("HU-DIENBIEN", Role.secretary))
        root = await get_unit_by_code(session=session, code="TU")
        m15 = (await find_milestones(session=session, code="M15"))[0][0]
        plan = await urge_late_units(session=session, actor=district_boss, roots=[root], milestone_id=m15.id,  # type: ignore[union-attr, arg-type]
                                     now=NOW, rules=RULES, cooldown=DAY)
        assert plan is not None and plan.late == 0
        assert await urge_late_units(session=session, actor=district_boss, roots=[root], milestone_id=99999,
                                     now=NOW, rules=RULES, cooldown=DAY) is None


def test_cooldown_setting() -> None:
    assert cooldown_from(Settings(_env_file=None)) == DAY  # type: ignore[call-arg]
    assert cooldown_from(SimpleNamespace(urge_cooldown_hours=6)) == timedelta(hours=6)
