"""The current sample: the standing units file and a plan with deadlines in the coming months, for bodies that exist.

District-level party committees were dissolved in 2025: the current plan gives nothing to them (nor to the other
units only the 2019 plan knows), and the units file holds only the bodies of today's tree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import translator
from bot.plans.importer import run_import
from bot.plans.periods import periods_from
from bot.plans.standing import standing_units
from bot.plans.units_file import read_units_file
from bot.plans.units_import import run_units_import
from bot.plans.validate import read_plan
from bot.settings import PROJECT_ROOT

UNITS = PROJECT_ROOT / "plans" / "units-dien-bien.yaml"
CURRENT = PROJECT_ROOT / "plans" / "dien-bien-2026.yaml"
OLD = PROJECT_ROOT / "plans" / "dien-bien-2019.yaml"
TODAY = date(2026, 12, 2)
VI = translator("vi")


def test_the_current_plan_is_due_in_the_coming_months_and_names_only_todays_bodies() -> None:
    units = read_units_file(UNITS)
    assert units.ok, units.render(VI)
    codes = {unit.code for unit in units.units}
    assert units.retired == () and {"TU", "BTC-TU", "BTGDV-TU", "UBKT-TU", "VP-TU", "DU-UBND"} <= codes
    old = read_plan(OLD).plan
    assert old is not None
    old_only = {unit.code for unit in old.units} - codes
    assert {unit.code for unit in old.units if unit.kind.value == "district_committee" and unit.code.startswith(
        ("HU-", "TXU-", "TPU-", "DU-KHOI"))} <= old_only  # the dissolved bodies are history, not today's tree

    check = read_plan(CURRENT, known=units.units)
    assert check.problems == [], check.render(VI)
    plan = check.plan
    assert plan is not None and plan.units == ()  # it names the standing tree, and brings no unit of its own
    assigned = {code for milestone in plan.milestones for code in milestone.units}
    assert assigned <= codes and not assigned & old_only
    dues = sorted(milestone.due for milestone in plan.milestones if milestone.repeat is None)
    assert TODAY < dues[0] and dues[-1] <= date(2027, 6, 30)
    monthly = [milestone.repeat for milestone in plan.milestones if milestone.repeat is not None]
    assert [(period.key, period.due) for period in periods_from(monthly[0], TODAY)] == [  # one periodic milestone
        ("2026-12", date(2026, 12, 20)), ("2027-01", date(2027, 1, 20)), ("2027-02", date(2027, 2, 20)),
        ("2027-03", date(2027, 3, 20))]
    assert read_plan(CURRENT).plan is None  # without the units file it cannot be read


async def test_units_then_both_plans_import_cleanly_and_agree(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    units = read_units_file(UNITS)
    report = await run_units_import(session_factory=session_factory, check=units, now=now)
    assert len(report.units_added) == 9
    for path in (OLD, CURRENT):
        async with session_factory() as session:
            known = await standing_units(session)
        check = read_plan(path, known=known)
        assert check.plan is not None, check.render(VI)
        imported = await run_import(session_factory=session_factory, plan=check.plan, now=now)
        assert imported.units_kept == [] and imported.units_skipped == []  # the files describe shared units alike
    # Six bodies: the monthly series, its current and next months (December, January) and the year's report; and
    # four single items.
    assert imported.assignments_added == 6 * 4 + 1 + 1 + 3 + 1
