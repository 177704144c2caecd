"""Imports a validated plan into the database, idempotently, and says what changed.

    report = await import_plan(session=session, plan=plan, now=clock.now())

Units and milestones are matched by code; nothing is deleted (a milestone that left the plan is deactivated, and
comes back if the plan brings it back); confirmations already made are kept. The unit tree is the organisation's:
a plan adds the units it brings, never retires one, and changes a stored one only with `update_units`
(otherwise the difference is reported). Milestones belong to their plan row: importing plan B leaves plan A's
milestones alone, and both may use the same milestone codes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.models import Event
from bot.plans.collector import collector_paused
from bot.plans.plan import Plan
from bot.plans.problems import Problem
from bot.plans.report import ImportReport, Ref
from bot.plans.series_sync import import_periods
from bot.plans.sync_assignments import sync_assignments
from bot.plans.sync_milestones import sync_milestones
from bot.plans.sync_plan import sync_plan
from bot.plans.sync_units import sync_units
from bot.plans.transaction import in_own_transaction


class ImportRefused(Exception):
    """A file valid on its own that cannot go into this database (e.g. a units file that retires a unit it keeps
    using); nothing of it is written."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        super().__init__(f"{filename}: {len(problems)} problem(s)")
        self.filename = filename
        self.problems = problems

    def render(self, t: Translator) -> list[str]:
        return [problem.render(self.filename, t) for problem in self.problems]


async def import_plan(*, session: AsyncSession, plan: Plan, now: datetime, actor: str = "cli",
                      update_units: bool = False) -> ImportReport:
    """Writes `plan` in the session's transaction (flushed, not committed) and logs one import event if needed.

    `update_units`: the file's description of units already stored is applied (names, kinds, parents; retired
    ones it lists come back); without it, the differences are only reported (`units_kept`).
    """
    report = ImportReport(plan_code=plan.code, plan_title=plan.title)
    with collector_paused():
        plan_id = await sync_plan(session=session, plan=plan, now=now, report=report)
        stored = await sync_units(session=session, units=plan.units, report=report, update_existing=update_units,
                                  file_order=False)
        named = {code for milestone in plan.milestones for code in milestone.units} & stored.retired
        listed = {ref.code for ref in report.units_skipped}
        report.units_skipped += [Ref(code, stored.names[code]) for code in sorted(named - listed)]
        milestone_ids, new_milestones = await sync_milestones(session=session, plan=plan, plan_id=plan_id, now=now,
                                                              report=report)
        await sync_assignments(session=session, plan=plan, unit_ids=stored.ids, retired=stored.retired,
                               milestone_ids=milestone_ids, new_milestones=new_milestones, report=report)
        await import_periods(session=session, plan=plan, plan_id=plan_id, now=now, report=report)
    if report.changed:
        details = {"file": plan.source_file, **report.summary()}
        session.add(Event(at=now, kind="import", actor_label=actor, details=json.dumps(details, ensure_ascii=False)))
        await session.flush()
    return report


AfterImport = Callable[[AsyncSession, ImportReport], Awaitable[None]]


async def run_import(*, session_factory: async_sessionmaker[AsyncSession], plan: Plan, now: datetime,
                     actor: str = "cli", dry_run: bool = False, after: AfterImport | None = None,
                     update_units: bool = False) -> ImportReport:
    """One import in its own transaction: committed, or rolled back after computing the report (`dry_run`).

    `after` runs in the same transaction before the commit (the reminder engine re-plans what changed there,
    so a plan and its reminders never disagree).
    """
    async def work(session: AsyncSession) -> ImportReport:
        report = await import_plan(session=session, plan=plan, now=now, actor=actor, update_units=update_units)
        if after is not None and not dry_run:
            await after(session, report)
        return report

    return await in_own_transaction(session_factory, work, dry_run=dry_run)
