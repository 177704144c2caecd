"""Imports a units file: the organisation's tree as the office describes it, in one transaction.

    report = await run_units_import(session_factory=factory, check=check, now=now, after=replan)

The file is the description of record: units it lists are added or updated (name, kind, parent, display order;
retired ones come back), units it marks retired are retired with everything below them (`bot.plans.retire`);
units it does not mention are left as they are. `after(session, milestone_ids)` re-plans the reminders of the
milestones whose assignments left progress, before the commit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import N_, Translator
from bot.models import Event
from bot.plans.collector import collector_paused
from bot.plans.importer import ImportRefused
from bot.plans.problems import error
from bot.plans.rendering import render_unit_sections
from bot.plans.report import Ref, UnitsReport
from bot.plans.retire import retire_units, retirement_scope
from bot.plans.sync_units import sync_units
from bot.plans.transaction import in_own_transaction
from bot.plans.units_file import UnitsCheck

Replan = Callable[[AsyncSession, set[int]], Awaitable[None]]


async def import_units(*, session: AsyncSession, check: UnitsCheck, now: datetime, actor: str = "cli") -> UnitsReport:
    """Writes the file's units in the session's transaction (flushed, not committed); one event if anything changed.

    Raises ImportRefused when a unit the file keeps lies below one it retires (in the tree as stored).
    """
    report = UnitsReport()
    with collector_paused():
        await sync_units(session=session, units=check.units, report=report, update_existing=True, file_order=True)
    scope = await retirement_scope(session=session, codes=list(check.retired))
    listed = {unit.code for unit in check.units}
    kept = [unit for unit in scope.units if unit.code in listed]
    if kept:
        raise ImportRefused(check.filename, [error(None, N_(
            'unit "{code}" stays, but a unit above it is marked retired: move it, or retire it too'), code=unit.code)
            for unit in kept])
    report.retire_unknown = scope.unknown
    report.affected_milestone_ids |= await retire_units(session=session, units=scope.units, now=now, actor=actor)
    report.units_retired = [Ref(unit.code, unit.name) for unit in scope.units]
    if report.units_touched or report.reordered:
        details = {"file": check.filename, "units": report.units_summary(), "reordered": report.reordered}
        session.add(Event(at=now, kind="units_import", actor_label=actor,
                          details=json.dumps(details, ensure_ascii=False)))
        await session.flush()
    return report


async def run_units_import(*, session_factory: async_sessionmaker[AsyncSession], check: UnitsCheck, now: datetime,
                           actor: str = "cli", dry_run: bool = False, after: Replan | None = None) -> UnitsReport:
    """One units import in its own transaction: committed, or rolled back after the report (`dry_run`)."""
    async def work(session: AsyncSession) -> UnitsReport:
        report = await import_units(session=session, check=check, now=now, actor=actor)
        if after is not None and not dry_run and report.affected_milestone_ids:
            await after(session, report.affected_milestone_ids)
        return report

    return await in_own_transaction(session_factory, work, dry_run=dry_run)


def render_units_report(report: UnitsReport, filename: str, t: Translator) -> str:
    if report.dry_run:
        lines = [t(N_("Units file {file}: dry run, nothing was written.")).format(file=filename)]
    else:
        lines = [t(N_("Units file {file}: imported.")).format(file=filename)]
    if not (report.units_touched or report.reordered):
        lines.append(t(N_("No changes.")))
    lines += render_unit_sections(report, t)
    if report.reordered:
        lines.append(t(N_("Order changed for {count} items (their position in the file only).")).format(
            count=report.reordered))
    lines += ["  ? " + t(N_("no unit has the code {code}: nothing to retire")).format(code=code)
              for code in report.retire_unknown]
    if report.units_reactivated:
        lines.append(t(N_("(a unit that comes back gets its plans' work again when those plans are imported again)")))
    return "\n".join(lines)
