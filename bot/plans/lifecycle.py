"""Closing a finished plan (no more reminders; history and reports kept) and reopening it.

    change = await set_plan_status(session=session, code="DB-CT35-2019", status=PlanStatus.closed, now=now)
    await replan(session, change.milestone_ids)     # the reminder engine cancels (or re-plans) their reminders

The caller re-plans in the same transaction, as after an import: `scheduler.assignments_changed` (milestone_ids=…)
cancels every pending reminder of a closed plan's milestones and plans those of a reopened one again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Event, Milestone, Plan, PlanStatus
from bot.plans.registry import get_plan

EVENT_KINDS = {PlanStatus.closed: "plan_close", PlanStatus.active: "plan_reopen"}


@dataclass
class StatusChange:
    plan: Plan
    changed: bool  # False: the plan already had that status, nothing was written
    milestone_ids: list[int] = field(default_factory=list)


async def set_plan_status(*, session: AsyncSession, code: str, status: PlanStatus, now: datetime,
                          actor: str = "cli") -> StatusChange | None:
    """Sets the plan's status and logs it; None when no plan has this code. Flushed, not committed."""
    plan = await get_plan(session=session, code=code)
    if plan is None:
        return None
    if plan.status == status:
        return StatusChange(plan, changed=False)
    plan.status = status.value  # type: ignore[assignment]  # a string column
    plan.closed_at = now if status is PlanStatus.closed else None
    plan.updated_at = now
    session.add(plan)
    session.add(Event(at=now, kind=EVENT_KINDS[status], actor_label=actor,
                      details=json.dumps({"plan": plan.code}, ensure_ascii=False)))
    await session.flush()
    ids = (await session.execute(select(col(Milestone.id)).where(col(Milestone.plan_id) == plan.id))).scalars().all()
    return StatusChange(plan, changed=True, milestone_ids=[milestone_id for milestone_id in ids if milestone_id])
