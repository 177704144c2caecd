"""`nhacviec plans`, `nhacviec plan close|reopen`, and importing plan files from the command line.

    nhacviec plans                          # every plan with its progress
    nhacviec plan close DB-CT35-2019        # no more reminders; history and reports kept
    nhacviec plan reopen DB-CT35-2019       # its reminders planned again

Registered on the main app by bot/cli.py; commands share its state (`CliState`) and `run_async`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from sqlalchemy import func, select

from bot.cli_language import Typer
from bot.i18n import N_
from bot.models import PlanStatus
from bot.timeutil import FixedClock, SystemClock

R = TypeVar("R")

if TYPE_CHECKING:
    from bot.cli import CliState, SessionFactory
    from bot.plans.registry import PlanProgress
    from bot.plans.report import ImportReport

plan_app = Typer(help="Một kế hoạch: đóng (ngừng nhắc việc) hoặc mở lại.", no_args_is_help=True)
TITLE_WIDTH = 60


def _now(state: CliState):  # type: ignore[no-untyped-def]
    return state.settings.fake_now or SystemClock().now()


def import_plan_file(state: CliState, plan_file: Path, *, dry_run: bool = False,
                     update_units: bool = False) -> ImportReport:
    """Checks a plan file against the stored unit tree and imports it, re-planning its reminders in the same
    transaction. Prints the file's problems; exits 1 when it has errors or the import is refused."""
    from bot.intake.sheet import read_draft_sheet_file
    from bot.plans.importer import run_import
    from bot.plans.standing import standing_units
    from bot.plans.validate import read_plan
    from scheduler import replan_after_import

    now = _now(state)
    after = replan_after_import(settings=state.settings, clock=FixedClock(now))

    async def body(session_factory: SessionFactory) -> ImportReport | None:
        async with session_factory() as session:
            known = await standing_units(session)
        check = (read_draft_sheet_file(plan_file, known=known) if plan_file.suffix.lower() == ".xlsx"
                 else read_plan(plan_file, known=known))
        for line in check.render(state.t):
            typer.echo(line, err=True)
        if check.plan is None:
            return None
        return await run_import(session_factory=session_factory, plan=check.plan, now=now, dry_run=dry_run,
                                after=after, update_units=update_units)

    return import_or_exit(state, body)


def import_or_exit(state: CliState, body: Callable[[SessionFactory], Awaitable[R | None]]) -> R:
    """Runs an import's `body`; exits 1 when the import was refused (its reasons printed) or when `body` found
    errors in the file (it printed them and returned None)."""
    from bot.cli import run_async
    from bot.plans.importer import ImportRefused

    try:
        report = run_async(state.settings, body)
    except ImportRefused as refused:
        for line in refused.render(state.t):
            typer.echo(line, err=True)
        raise typer.Exit(code=1) from None
    if report is None:
        raise typer.Exit(code=1)
    return report


def database_is_empty(state: CliState) -> bool:
    """No unit and no plan yet: a first run."""
    from bot.cli import run_async
    from bot.models import Plan, Unit

    async def body(session_factory: SessionFactory) -> bool:
        async with session_factory() as session:
            units = (await session.execute(select(func.count()).select_from(Unit))).scalar_one()
            plans = (await session.execute(select(func.count()).select_from(Plan))).scalar_one()
        return units == 0 and plans == 0

    return run_async(state.settings, body)


def load_first_run(state: CliState, units_file: Path | None, plan_files: list[Path], *, if_empty: bool) -> None:
    """Imports the units file, then each plan file, into the database (with `if_empty`: only into an empty one,
    so that a live database is never changed by a sample). Reports go to stderr."""
    from bot.cli_units import import_units_or_exit
    from bot.plans.rendering import render_report
    from bot.plans.units_import import render_units_report

    if not (units_file or plan_files):
        return
    if if_empty and not database_is_empty(state):
        typer.echo(state.t(N_("The database already holds units or plans: the sample files are not imported.")),
                   err=True)
        return
    if units_file is not None:
        typer.echo(render_units_report(import_units_or_exit(state, units_file), str(units_file), state.t), err=True)
    for plan_file in plan_files:
        typer.echo(render_report(import_plan_file(state, plan_file), state.t), err=True)


def render_plans(plans: list[PlanProgress], state: CliState) -> list[str]:
    from bot.plans.registry import plan_label

    t = state.t
    if not plans:
        return [t(N_("No plans yet: import one (nhacviec import plans/<file>.yaml)."))]
    width = max(len(progress.plan.code) for progress in plans)
    lines = []
    for progress in plans:
        plan = progress.plan
        status = t(N_("active")) if plan.status == PlanStatus.active else t(N_("closed"))
        title = plan.title if len(plan.title) <= TITLE_WIDTH else plan.title[:TITLE_WIDTH - 1] + "…"
        label = plan_label(plan)
        named = f"{label} — {title}" if label != plan.code else title
        lines.append(f"{plan.code.ljust(width)}  {status:<10} {progress.done:>6}/{progress.total:<6} "
                     f"{t.percent(progress.ratio):>5}  {named}")
    lines.append(t(N_("{count} plans; {milestones} milestones.")).format(
        count=len(plans), milestones=sum(progress.milestones for progress in plans)))
    return lines


def plans_command(ctx: typer.Context) -> None:
    """In các kế hoạch: mã, trạng thái, số phân công đã hoàn thành / được giao, tỷ lệ, tên."""
    from bot.cli import run_async
    from bot.plans.registry import list_plans

    state: CliState = ctx.obj

    async def body(session_factory: SessionFactory) -> list[PlanProgress]:
        async with session_factory() as session:
            return await list_plans(session=session)

    typer.echo("\n".join(render_plans(run_async(state.settings, body), state)))


def _set_status(ctx: typer.Context, code: str, status: PlanStatus) -> None:
    from bot.cli import run_async
    from bot.plans.lifecycle import set_plan_status
    from scheduler import assignments_changed

    state: CliState = ctx.obj
    now = _now(state)

    async def body(session_factory: SessionFactory) -> tuple[bool, bool, int]:
        async with session_factory() as session:
            change = await set_plan_status(session=session, code=code, status=status, now=now)
            if change is None:
                return False, False, 0
            result = await assignments_changed(session, milestone_ids=change.milestone_ids,
                                               settings=state.settings, clock=FixedClock(now))
            await session.commit()
            return True, change.changed, result.rows_cancelled if status is PlanStatus.closed else result.rows_written

    found, changed, rows = run_async(state.settings, body)
    t = state.t
    if not found:
        typer.echo(t(N_("No plan has the code {code}.")).format(code=code), err=True)
        raise typer.Exit(code=1)
    if not changed:
        already = N_("Plan {code} is already closed.") if status is PlanStatus.closed else N_(
            "Plan {code} is already active.")
        typer.echo(t(already).format(code=code.upper()))
    elif status is PlanStatus.closed:
        typer.echo(t(N_("Plan {code} closed: {count} pending reminders cancelled; its history and reports are kept."))
                   .format(code=code.upper(), count=rows))
    else:
        typer.echo(t(N_("Plan {code} reopened: {count} reminders planned.")).format(code=code.upper(), count=rows))


@plan_app.command("close")
def close_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help="Mã kế hoạch, ví dụ DB-CT35-2019.")],
) -> None:
    """Đóng kế hoạch đã xong: ngừng mọi nhắc việc của nó; lịch sử và báo cáo giữ nguyên."""
    _set_status(ctx, code, PlanStatus.closed)


@plan_app.command("reopen")
def reopen_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help="Mã kế hoạch.")],
) -> None:
    """Mở lại kế hoạch đã đóng: nhắc việc được lập lại."""
    _set_status(ctx, code, PlanStatus.active)
