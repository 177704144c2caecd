"""Imports a validated plan into the database, idempotently, and says what changed.

    report = await import_plan(session=session, plan=plan, now=clock.now())

Units and milestones are matched by code; nothing is deleted (what left the plan is deactivated, and comes
back if the plan brings it back); confirmations already made are kept.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Event
from bot.plans.plan import Plan
from bot.plans.report import ImportReport
from bot.plans.sync_assignments import sync_assignments
from bot.plans.sync_milestones import sync_milestones
from bot.plans.sync_units import sync_units


async def import_plan(*, session: AsyncSession, plan: Plan, now: datetime, actor: str = "cli") -> ImportReport:
    """Writes `plan` in the session's transaction (flushed, not committed) and logs one import event if needed."""
    report = ImportReport(plan_code=plan.code)
    unit_ids = await sync_units(session=session, plan=plan, report=report)
    milestone_ids, new_milestones = await sync_milestones(session=session, plan=plan, now=now, report=report)
    await sync_assignments(session=session, plan=plan, unit_ids=unit_ids, milestone_ids=milestone_ids,
                           new_milestones=new_milestones, report=report)
    if report.changed:
        details = {"file": plan.source_file, **report.summary()}
        session.add(Event(at=now, kind="import", actor_label=actor, details=json.dumps(details, ensure_ascii=False)))
        await session.flush()
    return report


async def run_import(*, session_factory: async_sessionmaker[AsyncSession], plan: Plan, now: datetime,
                     actor: str = "cli", dry_run: bool = False) -> ImportReport:
    """One import in its own transaction: committed, or rolled back after computing the report (`dry_run`)."""
    async with session_factory() as session:
        try:
            report = await import_plan(session=session, plan=plan, now=now, actor=actor)
        except BaseException:
            await session.rollback()
            raise
        if dry_run:
            await session.rollback()
            report.dry_run = True
        else:
            await session.commit()
    return report
