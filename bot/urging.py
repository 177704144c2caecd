"""Urging ("đôn đốc"): a supervisor reminds the late units of one milestone now, at most once per cooldown.

The cooldown is read from the event log (kind "urge", one row per urged assignment): a unit urged for this
milestone less than `cooldown` ago is skipped, whoever urged it. The events and the urges themselves (queued in the
outbox, bot/outbox.py) are written in the caller's transaction, so a second press (or a second supervisor) finds
them, and an urge is sent — retried, reported if it fails — once the press is committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.access import Access
from bot.db import serialize
from bot.members import members_with_role
from bot.models import Event, Member, Milestone, Role, Unit
from bot.outbox import Message, MessageKind, queue_messages
from bot.progress import Item, StatusRules, milestone_breakdown
from bot.settings import Settings
from bot.status import Status


def cooldown_from(settings: Settings) -> timedelta:
    """`URGE_COOLDOWN_HOURS` (default 24: once a day)."""
    return timedelta(hours=settings.urge_cooldown_hours)


@dataclass(frozen=True)
class UrgeTarget:
    item: Item
    recipients: list[Member]


@dataclass
class UrgePlan:
    milestone: Milestone
    targets: list[UrgeTarget] = field(default_factory=list)  # urged now (events logged, urges queued)
    cooled: list[Item] = field(default_factory=list)  # urged within the cooldown
    unreachable: list[Item] = field(default_factory=list)  # late, but nobody to write to

    @property
    def late(self) -> int:
        return len(self.targets) + len(self.cooled) + len(self.unreachable)


async def urged_since(*, session: AsyncSession, assignment_ids: list[int], since: datetime) -> set[int]:
    """Assignments with an "urge" event after `since` (one urged exactly a cooldown ago may be urged again)."""
    if not assignment_ids:
        return set()
    statement = (select(Event.assignment_id).where(Event.kind == "urge", col(Event.at) > since,
                                                   col(Event.assignment_id).in_(assignment_ids)).distinct())
    return {row for row in (await session.execute(statement)).scalars().all() if row is not None}


async def late_items(*, session: AsyncSession, roots: list[Unit], milestone_id: int, now: datetime,
                     rules: StatusRules) -> list[Item]:
    found: dict[int, Item] = {}
    for root in roots:
        for item in await milestone_breakdown(session=session, root=root, milestone_id=milestone_id, now=now,
                                              rules=rules):
            if item.status == Status.overdue:
                found.setdefault(item.assignment_id, item)
    return list(found.values())


async def urge_late_units(*, session: AsyncSession, actor: Access, roots: list[Unit], milestone_id: int,
                          now: datetime, rules: StatusRules, cooldown: timedelta) -> UrgePlan | None:
    """Urges the late units (events logged, urges queued); None when the milestone does not exist. The caller
    commits."""
    milestone = await session.get(Milestone, milestone_id)
    if milestone is None or not milestone.active:
        return None
    roots = [root for root in roots if actor.is_admin or actor.supervises(root)]
    plan = UrgePlan(milestone=milestone)
    await serialize(session, f"urge:{milestone_id}")  # two supervisors pressing at once urge a unit once
    items = await late_items(session=session, roots=roots, milestone_id=milestone_id, now=now, rules=rules)
    recent = await urged_since(session=session, assignment_ids=[i.assignment_id for i in items], since=now - cooldown)
    member = actor.member
    for item in items:
        if item.assignment_id in recent:
            plan.cooled.append(item)
            continue
        recipients = await members_with_role(session=session, unit_id=item.unit_id, role=Role.secretary)
        if not recipients:
            plan.unreachable.append(item)
            continue
        plan.targets.append(UrgeTarget(item=item, recipients=recipients))
        session.add(Event(at=now, kind="urge", actor_member_id=member.id if member else None,
                          actor_label=member.full_name if member else str(actor.telegram_user_id),
                          unit_id=item.unit_id, milestone_id=milestone_id, assignment_id=item.assignment_id,
                          details=json.dumps({"recipients": [m.id for m in recipients]})))
    by = {"by": member.id} if member is not None else {}  # the urger, named in the urge
    await queue_messages(session, [Message(kind=MessageKind.urge, unit_id=target.item.unit_id,
                                           recipients=target.recipients, assignment_id=target.item.assignment_id,
                                           params=by) for target in plan.targets], now=now)
    await session.flush()
    return plan
