"""Who may see and act on what: members see their units, supervisors their whole subtree, admins everything."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.members import UnitRole, find_member, roles_of
from bot.models import Member, Role, Unit


@dataclass(frozen=True)
class Access:
    """One user's rights, loaded afresh for every update (never trusted from an old message)."""

    telegram_user_id: int
    member: Member | None
    roles: list[UnitRole] = field(default_factory=list)
    is_admin: bool = False

    @property
    def registered(self) -> bool:
        return self.member is not None and bool(self.roles)

    def units_with(self, role: Role) -> list[Unit]:
        return [held.unit for held in self.roles if held.role == role]

    def is_secretary_of(self, unit: Unit) -> bool:
        return any(held.role == Role.secretary and held.unit.id == unit.id for held in self.roles)

    def supervises(self, unit: Unit) -> bool:
        """A supervisor of the unit itself or of any unit above it."""
        return any(held.role in (Role.supervisor, Role.admin) and unit.path.startswith(held.unit.path)
                   for held in self.roles)

    def can_view(self, unit: Unit) -> bool:
        return self.is_admin or self.supervises(unit) or any(held.unit.id == unit.id for held in self.roles)

    def can_confirm(self, unit: Unit) -> bool:
        return self.is_secretary_of(unit) or self.supervises(unit)

    def can_accept(self, unit: Unit) -> bool:
        return self.supervises(unit)

    def can_manage_members(self, unit: Unit) -> bool:
        """Sees who is registered for the unit and its open invites (/thanhvien)."""
        return self.is_admin or self.supervises(unit)

    def can_remove(self, unit: Unit, role: Role) -> bool:
        """Removes a membership, or revokes an invite, of this role in this unit. Supervisors manage the
        secretaries of their subtree and the supervisors strictly below them: never a co-supervisor of their
        own unit, nor anyone above."""
        if self.is_admin:
            return True
        if role == Role.secretary:
            return self.supervises(unit)
        return any(held.role in (Role.supervisor, Role.admin) and unit.id != held.unit.id
                   and unit.path.startswith(held.unit.path) for held in self.roles)


async def load_access(*, session: AsyncSession, telegram_user_id: int, admin_ids: list[int]) -> Access:
    member = await find_member(session=session, telegram_user_id=telegram_user_id)
    roles = await roles_of(session=session, telegram_user_id=telegram_user_id) if member else []
    return Access(telegram_user_id=telegram_user_id, member=member, roles=roles,
                  is_admin=telegram_user_id in admin_ids)


async def supervised_roots(*, session: AsyncSession, access: Access) -> list[Unit]:
    """The subtrees this person oversees (as supervisor or unit admin; every root for a bot admin), without
    units that lie inside another one of them, whose lines would repeat."""
    from bot.progress import root_units

    roots = access.units_with(Role.supervisor) + access.units_with(Role.admin)
    if not roots and access.is_admin:
        roots = await root_units(session=session)
    return [u for u in roots if not any(o.id != u.id and u.path.startswith(o.path) for o in roots)]
