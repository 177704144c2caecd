"""Who may see and confirm what: members of a unit, supervisors of an ancestor, admins."""

from __future__ import annotations

from bot.models import Role
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import import_sample, member_with


async def test_secretary_sees_only_own_unit_and_supervisor_sees_subtree(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        supervisor = await member_with(session, 2, clock.now(), ("HU-DIENBIEN", Role.supervisor))
        admin = await member_with(session, 3, clock.now(), admin_ids=[3])
        units = {code: await get_unit_by_code(session=session, code=code)
                 for code in ("TU", "HU-DIENBIEN", "DUX-THANHXUONG", "HU-TUANGIAO")}

        assert secretary.can_view(units["HU-DIENBIEN"]) and secretary.can_confirm(units["HU-DIENBIEN"])
        assert not secretary.can_view(units["DUX-THANHXUONG"]) and not secretary.can_confirm(units["TU"])
        assert not secretary.can_accept(units["HU-DIENBIEN"])

        assert supervisor.can_view(units["DUX-THANHXUONG"]) and supervisor.can_confirm(units["DUX-THANHXUONG"])
        assert supervisor.can_accept(units["HU-DIENBIEN"])
        assert not supervisor.can_view(units["HU-TUANGIAO"]) and not supervisor.can_view(units["TU"])

        assert admin.is_admin and admin.can_view(units["HU-TUANGIAO"]) and not admin.registered
        assert not admin.can_confirm(units["HU-TUANGIAO"])


async def test_unit_code_lookup_is_case_insensitive(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        assert (await get_unit_by_code(session=session, code=" hu-dienbien ")).code == "HU-DIENBIEN"
        assert await get_unit_by_code(session=session, code="NOPE") is None
