"""The reminder engine's side of periodic milestones: as the days pass, each series gets its next period.

Run by every sweep (`ReminderEngine.sweep`), before the send window is checked: a period is created a whole period
ahead of its due date, so when in the day it happens does not matter, and a sweep with nothing to create costs two
small queries. The new periods' reminders are planned in the same transaction, so a period never exists without
its ladder; two processes (or an import running at once) create a period once (bot.plans.series).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.plans.series import CreatedPeriod, create_periods
from bot.settings import Settings
from bot.timeutil import Clock, local_today
from bot.workdays import WorkingCalendar
from scheduler.planner import replan_milestones


async def create_due_periods(session: AsyncSession, *, settings: Settings, clock: Clock,
                             calendar: WorkingCalendar | None = None) -> list[CreatedPeriod]:
    """Creates the missing current and next period of every series of an active plan, with their reminders."""
    now = clock.now()
    created = await create_periods(session=session, today=local_today(now, settings.tz), now=now, calendar=calendar)
    if created:
        await replan_milestones(session, milestone_ids=[made.milestone_id for made in created], settings=settings,
                                clock=clock, calendar=calendar)
    return created
