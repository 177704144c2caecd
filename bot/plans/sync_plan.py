"""The plan row of an import: created on the first import of its code, its document details kept up to date.

Its status is the office's decision (`nhacviec plan close` / `reopen`): an import never changes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot import models
from bot.models import PlanStatus
from bot.plans.plan import Plan
from bot.plans.report import ImportReport, field_changes


async def sync_plan(*, session: AsyncSession, plan: Plan, now: datetime, report: ImportReport) -> int:
    """The id of the plan's row (added if new, its details updated if they changed)."""
    wanted = {"title": plan.title, "number": plan.number, "issued": plan.issued, "issuer": plan.issuer}
    row = (await session.execute(select(models.Plan).where(col(models.Plan.code) == plan.code))).scalars().first()
    if row is None:
        row = models.Plan(code=plan.code, status=PlanStatus.active.value,  # type: ignore[arg-type]  # a string column
                          created_at=now, updated_at=now, title=plan.title, number=plan.number, issued=plan.issued,
                          issuer=plan.issuer)
        session.add(row)
        await session.flush()
        report.plan_added = True
    else:
        report.plan_changed = list(field_changes({name: getattr(row, name) for name in wanted}, wanted))
        if report.plan_changed:
            for name, value in wanted.items():
                setattr(row, name, value)
            row.updated_at = now
            await session.flush()
        report.plan_closed = row.status == PlanStatus.closed
    assert row.id is not None
    return row.id
