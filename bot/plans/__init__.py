"""Plan files: read and check a YAML plan, import it into the database, report what changed.

    check = read_plan(Path("plans/dien-bien-2019.yaml"))        # PlanCheck: .plan, .problems, .render(t)
    report = await import_plan(session=session, plan=check.plan, now=clock.now())
    render_report(report, translator("vi"))

The file format is documented for people in plans/README.md.
"""

from bot.plans.importer import ImportRefused, import_plan, run_import
from bot.plans.plan import Plan, PlanMilestone, PlanUnit
from bot.plans.rendering import render_report
from bot.plans.report import ImportReport
from bot.plans.validate import PlanCheck, check_plan_text, read_plan

__all__ = [
    "ImportRefused",
    "ImportReport",
    "Plan",
    "PlanCheck",
    "PlanMilestone",
    "PlanUnit",
    "check_plan_text",
    "import_plan",
    "read_plan",
    "render_report",
    "run_import",
]
