"""An import re-plans the reminders of what it changed, in the same transaction (run_import(after=...))."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Assignment, Milestone, Reminder
from bot.plans.importer import run_import
from bot.plans.validate import check_plan_text
from bot.settings import PROJECT_ROOT, Settings
from bot.timeutil import FixedClock
from scheduler import replan_after_import

SAMPLE = (PROJECT_ROOT / "plans" / "dien-bien-2019.yaml").read_text(encoding="utf-8")


async def m16_steps(session_factory) -> set[str]:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        rows = await session.execute(
            select(Reminder.step).join(Assignment, Assignment.id == Reminder.assignment_id)
            .join(Milestone, Milestone.id == Assignment.milestone_id)
            .where(Milestone.code == "M16", Reminder.status == "pending"))
        return {step.split(":")[0] + ":" + step.split(":")[1] for step in rows.scalars()}


async def test_import_plans_reminders_and_an_edit_moves_them(session_factory, settings: Settings,
                                                            clock: FixedClock) -> None:
    after = replan_after_import(settings=settings, clock=clock)
    plan = check_plan_text(SAMPLE, filename="dien-bien-2019.yaml").plan
    assert plan is not None
    await run_import(session_factory=session_factory, plan=plan, now=clock.now(), after=after)
    # 04/05/2020: M16 is due Friday 15/05 -> 7, 3, 1 days before and on the day; late from Monday 18/05.
    assert await m16_steps(session_factory) == {"d7:2020-05-15", "d3:2020-05-15", "d1:2020-05-15", "d0:2020-05-15",
                                                 "late:2020-05-18", "esc:2020-05-18"}

    edited = check_plan_text(SAMPLE.replace("    due: 15/05/2020\n", "    due: 22/05/2020\n", 1),
                             filename="dien-bien-2019.yaml").plan
    assert edited is not None
    await run_import(session_factory=session_factory, plan=edited, now=clock.now(), after=after)
    moved = {"d7:2020-05-22", "d3:2020-05-22", "d1:2020-05-22", "d0:2020-05-22", "late:2020-05-25", "esc:2020-05-25"}
    assert await m16_steps(session_factory) == moved

    await run_import(session_factory=session_factory, plan=plan, now=clock.now(), after=after, dry_run=True)
    assert await m16_steps(session_factory) == moved  # a dry run re-plans nothing
