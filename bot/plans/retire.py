"""Retiring units: the explicit act that takes a unit (and everything under it) out of the organisation.

    scope = await retirement_scope(session=session, codes=["HU-DIENBIEN"])     # the units and those below them
    work = await open_work(session=session, unit_ids=scope.ids)                # what it leaves open: show, confirm
    milestone_ids = await retire_units(session=session, units=scope.units, now=now)
    await replan(session, milestone_ids)                                       # cancels their pending reminders

Nothing is deleted: the units, their assignments (with every confirmation) and their members' bonds stay as
history; the assignments leave progress (`active=False`) and get no more reminders. An import never retires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.i18n import N_, Translator
from bot.models import Assignment, AssignmentState, Event, Member, Membership, Milestone, Plan, Reminder, Unit
from bot.plans.registry import plan_label
from bot.plans.report import Ref
from bot.units import in_subtree

LISTED = 20  # members and units shown by name; the rest counted


@dataclass
class Scope:
    units: list[Unit] = field(default_factory=list)  # active units to retire, each root before what is below it
    unknown: list[str] = field(default_factory=list)  # codes of no unit
    already: list[str] = field(default_factory=list)  # codes of units retired before

    @property
    def ids(self) -> list[int]:
        return [unit.id for unit in self.units if unit.id is not None]


@dataclass
class OpenWork:
    units: list[Ref]
    open_by_plan: list[tuple[str, int]]  # (plan label, open assignments)
    members: list[tuple[str, str, str]]  # (unit code, member's name, role)
    pending_reminders: int

    @property
    def open_assignments(self) -> int:
        return sum(count for _, count in self.open_by_plan)


async def retirement_scope(*, session: AsyncSession, codes: list[str]) -> Scope:
    """The active units with these codes and every active unit below them."""
    scope = Scope()
    seen: set[int] = set()
    for code in codes:
        statement = select(Unit).where(func.upper(col(Unit.code)) == code.strip().upper())
        root = (await session.execute(statement)).scalars().first()
        if root is None:
            scope.unknown.append(code)
            continue
        if not root.active:
            scope.already.append(root.code)
            continue
        below = (await session.execute(select(Unit).where(in_subtree(session, root), col(Unit.active).is_(True))
                                       .order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.id)))).scalars().all()
        for unit in below:
            assert unit.id is not None  # loaded, so stored
            if unit.id not in seen:
                seen.add(unit.id)
                scope.units.append(unit)
    return scope


async def open_work(*, session: AsyncSession, unit_ids: list[int]) -> OpenWork:
    """What retiring these units leaves undone: open assignments by plan, bound members, reminders not yet sent."""
    units = (await session.execute(select(col(Unit.code), col(Unit.name)).where(col(Unit.id).in_(unit_ids))
                                   .order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.id)))).all()
    open_rows = (await session.execute(
        select(Plan, func.count(col(Assignment.id)))
        .join(Milestone, col(Milestone.plan_id) == Plan.id)
        .join(Assignment, col(Assignment.milestone_id) == Milestone.id)
        .where(col(Assignment.unit_id).in_(unit_ids), col(Assignment.active).is_(True),
               col(Assignment.state) != AssignmentState.done, col(Milestone.active).is_(True))
        .group_by(col(Plan.id)).order_by(col(Plan.id)))).all()
    members = (await session.execute(
        select(col(Unit.code), col(Member.full_name), col(Membership.role))
        .join(Membership, col(Membership.unit_id) == Unit.id).join(Member, col(Member.id) == Membership.member_id)
        .where(col(Unit.id).in_(unit_ids))
        .order_by(col(Unit.depth), col(Unit.sort_order), col(Member.full_name)))).all()
    pending = (await session.execute(
        select(func.count()).select_from(Reminder).join(Assignment, col(Assignment.id) == Reminder.assignment_id)
        .where(col(Assignment.unit_id).in_(unit_ids), col(Reminder.status) == "pending"))).scalar_one()
    return OpenWork(units=[Ref(code, name) for code, name in units],
                    open_by_plan=[(plan_label(plan), int(count)) for plan, count in open_rows],
                    members=[(code, name, getattr(role, "value", role)) for code, name, role in members],
                    pending_reminders=int(pending))


async def retire_units(*, session: AsyncSession, units: list[Unit], now: datetime, actor: str = "cli",
                       reason: str | None = None) -> set[int]:
    """Retires the units: they and all their assignments leave progress; one event per unit. Returns the
    milestones whose reminders must be planned again (the caller re-plans in this transaction)."""
    ids = [unit.id for unit in units if unit.id is not None]
    if not ids:
        return set()
    await session.execute(update(Unit).where(col(Unit.id).in_(ids)).values(active=False)
                          .execution_options(synchronize_session=False))
    left = (await session.execute(
        update(Assignment).where(col(Assignment.unit_id).in_(ids), col(Assignment.active).is_(True))
        .values(active=False).returning(col(Assignment.unit_id), col(Assignment.milestone_id))
        .execution_options(synchronize_session=False))).all()
    for unit in units:
        unit.active = False
        count = sum(1 for unit_id, _ in left if unit_id == unit.id)
        details = {"code": unit.code, "assignments": count} | ({"reason": reason} if reason else {})
        session.add(Event(at=now, kind="retire", actor_label=actor, unit_id=unit.id,
                          details=json.dumps(details, ensure_ascii=False)))
    await session.flush()
    return {milestone_id for _, milestone_id in left}


def render_open_work(work: OpenWork, t: Translator) -> list[str]:
    """The confirmation text: what is retired, and what it leaves open."""
    codes = ", ".join(ref.code for ref in work.units[:LISTED])
    if len(work.units) > LISTED:
        codes += " " + t(N_("… and {count} more")).format(count=len(work.units) - LISTED)
    lines = [t(N_("Retire {count} units: {codes}")).format(count=len(work.units), codes=codes)]
    if work.open_by_plan:
        plans = ", ".join(f"{label}: {count}" for label, count in work.open_by_plan)
        lines.append(t(N_("Open assignments that leave progress: {count} ({plans})")).format(
            count=work.open_assignments, plans=plans))
    else:
        lines.append(t(N_("No open assignments.")))
    if work.members:
        lines.append(t(N_("Members still bound to these units (their bond stays; remove it in chat): {count}")).format(
            count=len(work.members)))
        lines += [f"  {code}  {name} ({t(role)})" for code, name, role in work.members[:LISTED]]
        if len(work.members) > LISTED:
            lines.append("  " + t(N_("… and {count} more")).format(count=len(work.members) - LISTED))
    lines.append(t(N_("Reminders not yet sent, to be cancelled: {count}")).format(count=work.pending_reminders))
    return lines
