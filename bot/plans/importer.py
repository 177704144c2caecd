"""Imports a validated plan into the database, idempotently, and says what changed.

    report = await import_plan(session=session, plan=plan, now=clock.now())

Units and milestones are matched by code; nothing is deleted (what left the plan is deactivated, and comes
back if the plan brings it back); confirmations already made are kept. Milestones belong to their plan
(`plan.code`): importing plan B leaves plan A's milestones alone, and a milestone code plan A already uses
makes the import refuse (`ImportRefused`, raised before anything is written).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import json
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.models import Event
from bot.plans.collector import collector_paused
from bot.plans.plan import Plan
from bot.plans.problems import Problem
from bot.plans.report import ImportReport
from bot.plans.sync_assignments import sync_assignments
from bot.plans.sync_milestones import code_clashes, sync_milestones
from bot.plans.sync_units import sync_units


class ImportRefused(Exception):
    """The plan is valid on its own but cannot go into this database (e.g. another plan's milestone codes)."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        super().__init__(f"{filename}: {len(problems)} problem(s)")
        self.filename = filename
        self.problems = problems

    def render(self, t: Translator) -> list[str]:
        return [problem.render(self.filename, t) for problem in self.problems]


async def import_plan(*, session: AsyncSession, plan: Plan, now: datetime, actor: str = "cli") -> ImportReport:
    """Writes `plan` in the session's transaction (flushed, not committed) and logs one import event if needed.

    Raises ImportRefused, having written nothing, when another plan already uses one of its milestone codes.
    """
    clashes = await code_clashes(session=session, plan=plan)
    if clashes:
        raise ImportRefused(plan.source_file or plan.code, clashes)
    report = ImportReport(plan_code=plan.code)
    with collector_paused():
        unit_ids = await sync_units(session=session, plan=plan, report=report)
        milestone_ids, new_milestones = await sync_milestones(session=session, plan=plan, now=now, report=report)
        await sync_assignments(session=session, plan=plan, unit_ids=unit_ids, milestone_ids=milestone_ids,
                               new_milestones=new_milestones, report=report)
    if report.changed:
        details = {"file": plan.source_file, **report.summary()}
        session.add(Event(at=now, kind="import", actor_label=actor, details=json.dumps(details, ensure_ascii=False)))
        await session.flush()
    return report


AfterImport = Callable[[AsyncSession, ImportReport], Awaitable[None]]


async def run_import(*, session_factory: async_sessionmaker[AsyncSession], plan: Plan, now: datetime,
                     actor: str = "cli", dry_run: bool = False, after: AfterImport | None = None) -> ImportReport:
    """One import in its own transaction: committed, or rolled back after computing the report (`dry_run`).

    `after` runs in the same transaction before the commit (the reminder engine re-plans what changed there,
    so a plan and its reminders never disagree).
    """
    async with session_factory() as session:
        try:
            report = await import_plan(session=session, plan=plan, now=now, actor=actor)
            if after is not None and not dry_run:
                await after(session, report)
        except BaseException:
            await session.rollback()
            raise
        if dry_run:
            await session.rollback()
            report.dry_run = True
        else:
            await session.commit()
    return report
