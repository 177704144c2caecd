"""Plan files: read and check a YAML plan, import it into the database, report what changed.

    known = await standing_units(session)                        # the organisation's tree (bot.plans.standing)
    check = read_plan(Path("plans/dien-bien-2026.yaml"), known=known)   # PlanCheck: .plan, .problems, .render(t)
    report = await import_plan(session=session, plan=check.plan, now=clock.now())
    render_report(report, translator("vi"))

Units files (`units_file`, `units_sheet`, `units_import`), retiring units (`retire`), plans as rows (`registry`,
`lifecycle`) live beside the plan files' modules.

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
