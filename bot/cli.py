"""The `nhacviec` command line: import a plan file, list the unit tree.

    nhacviec import plans/dien-bien-2019.yaml --dry-run
    nhacviec units
    python -m bot units          # the same, without installing the entry point

Every command opens the database from the settings (or `--database-url`) through `open_database`, and runs
its async body with `run_async`; new commands (milestones, invite, run) follow the same shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.cli_calendar import register as register_calendar
from bot.cli_language import Typer
from bot.cli_plans import import_plan_file, load_first_run, plan_app, plans_command
from bot.cli_units import units_app
from bot.db import make_engine, make_sessionmaker
from bot.health import HealthReport
from bot.i18n import N_, Translator, translator
from bot.plans.rendering import render_report
from bot.plans.report import ImportReport
from bot.schema import upgrade_to_head
from bot.settings import Settings, get_settings
from bot.timeutil import SystemClock

if TYPE_CHECKING:
    from scheduler.health import SchedulerState

T = TypeVar("T")
SessionFactory = async_sessionmaker[AsyncSession]

app = Typer(  # typer.Typer, with click's own words (help, usage errors) in Vietnamese
    name="nhacviec",
    help="Bot Telegram nhắc việc theo kế hoạch: các lệnh quản trị.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(units_app, name="units")  # nhacviec units [list|import|export|retire] (bot/cli_units.py)
app.add_typer(plan_app, name="plan")  # nhacviec plan close|reopen (bot/cli_plans.py)
app.command("plans")(plans_command)
register_calendar(app)  # nhacviec calendar add|remove|list|import, nhacviec schedule (bot/cli_calendar.py)


@dataclass(frozen=True)
class CliState:
    settings: Settings
    t: Translator


async def ensure_schema(engine: AsyncEngine) -> None:
    """Brings the database to the latest migration (Alembic owns the schema)."""
    await upgrade_to_head(engine)


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[SessionFactory]:
    engine = make_engine(settings.database_url)
    try:
        await ensure_schema(engine)
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


def run_async(settings: Settings, body: Callable[[SessionFactory], Awaitable[T]]) -> T:
    """Runs one command's async body with a session factory, on a fresh event loop."""

    async def main() -> T:
        async with open_database(settings) as session_factory:
            return await body(session_factory)

    return asyncio.run(main())


def import_or_exit(state: CliState, plan_file: Path, *, dry_run: bool = False,
                   update_units: bool = False) -> ImportReport:
    """Checks (against the stored unit tree) and imports a plan file, re-planning its reminders in the same
    transaction. Prints the file's problems; exits 1 when it has errors or the import is refused."""
    return import_plan_file(state, plan_file, dry_run=dry_run, update_units=update_units)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="Địa chỉ cơ sở dữ liệu (mặc định: DATABASE_URL trong .env).")] = None,
) -> None:
    """Bot Telegram nhắc việc theo kế hoạch: các lệnh quản trị."""
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    ctx.obj = CliState(settings=settings, t=translator(settings.default_language))


@app.command("import")
def import_command(
    ctx: typer.Context,
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help=(
        "Tệp kế hoạch YAML (xem plans/README.md), hoặc bảng tính .xlsx của bản nháp (nhacviec draft)."))],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Chạy thử: chỉ báo cáo những gì sẽ thay đổi, không ghi vào cơ sở dữ liệu.")] = False,
    update_units: Annotated[bool, typer.Option(
        "--update-units", help="Sửa cả các đơn vị đã có theo tệp (tên, loại, cấp trên); mặc định chỉ báo khác biệt.")
    ] = False,
) -> None:
    """Kiểm tra rồi nhập một tệp kế hoạch: đơn vị mới, mốc và phân công (nhập lại nhiều lần vẫn an toàn)."""
    state: CliState = ctx.obj
    typer.echo(render_report(import_or_exit(state, plan_file, dry_run=dry_run, update_units=update_units), state.t))


@app.command("invite")
def invite_command(
    ctx: typer.Context,
    unit_code: Annotated[str | None, typer.Argument(metavar="[UNIT]", help="Mã đơn vị, ví dụ HU-DIENBIEN.")] = None,
    role: Annotated[str, typer.Option(
        "--role", help="thu_ky (secretary, thư ký) hoặc giam_sat (supervisor, giám sát).")] = "secretary",
    all_units: Annotated[bool, typer.Option(
        "--all", help="Mỗi đơn vị một lời mời (cả cây, hoặc cây của --under), ghi vào tệp Excel --out.")] = False,
    under: Annotated[str | None, typer.Option(
        "--under", help="Với --all: chỉ các đơn vị trong cây của mã này.")] = None,
    kind: Annotated[str | None, typer.Option(
        "--kind", help="Với --all: chỉ các đơn vị loại này (ví dụ grassroots, district_committee).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Với --all: tệp Excel (.xlsx) để ghi ra.")] = None,
) -> None:
    """Tạo liên kết mời dùng một lần cho thư ký hoặc người giám sát của một đơn vị (--all: của mọi đơn vị, ra Excel)."""
    from bot.botinfo import BotInfoError, bot_username
    from bot.invite_sheet import invite_workbook, parse_kind, units_to_invite
    from bot.invites import create_invite, create_invites, deep_link
    from bot.roles import parse_role, role_label
    from bot.units import get_unit_by_code

    state: CliState = ctx.obj
    _ = state.t.gettext

    def refuse(message: str, code: int = 2) -> typer.Exit:
        typer.echo(message, err=True)
        return typer.Exit(code=code)

    chosen = parse_role(role)
    if chosen is None:
        raise refuse(_(N_("The role must be thu_ky (secretary) or giam_sat (supervisor).")))
    if all_units == (unit_code is not None):
        raise refuse(_(N_("Give one unit code, or --all (with --out new.xlsx) to invite every unit.")))
    if not all_units and (under or kind or out):
        raise refuse(_(N_("--under, --kind and --out go only with --all.")))
    if all_units and out is None:
        raise refuse(_(N_("With --all, give the Excel file to write: --out new.xlsx")))
    unit_kind = parse_kind(kind) if kind else None
    if kind and unit_kind is None:
        raise refuse(_(N_("There is no unit kind {kind}.")).format(kind=kind))
    try:  # before anything is written: no invites without a link to show for them
        username = asyncio.run(bot_username(state.settings))
    except BotInfoError as problem:
        raise refuse(str(problem)) from None
    now = state.settings.fake_now or SystemClock().now()
    ttl = state.settings.invite_ttl_days

    async def one(session_factory: SessionFactory) -> str | None:
        async with session_factory() as session:
            unit = await get_unit_by_code(session=session, code=unit_code or "")
            if unit is None:
                return None
            invite = await create_invite(session=session, unit=unit, role=chosen, now=now, ttl_days=ttl)
            await session.commit()
            return deep_link(username, invite.code)

    async def every(session_factory: SessionFactory) -> tuple[int, datetime] | str:
        async with session_factory() as session:
            root = await get_unit_by_code(session=session, code=under) if under else None
            if under and root is None:
                return state.t(N_("No unit has the code {code}.")).format(code=under)
            units = await units_to_invite(session=session, under=root, kind=unit_kind)
            if not units:
                return _(N_("No unit matches: no invitation was made."))
            invites = await create_invites(session=session, units=units, role=chosen, now=now, ttl_days=ttl)
            assert out is not None  # the file first: if it cannot be written, no invites are kept
            out.write_bytes(invite_workbook(list(zip(units, invites, strict=True)), bot_username=username, t=state.t,
                                            tz=state.settings.tz))
            await session.commit()
        return len(invites), invites[0].expires_at

    if not all_units:
        link = run_async(state.settings, one)
        if link is None:
            raise refuse(state.t(N_("No unit has the code {code}.")).format(code=unit_code), code=1)
        typer.echo(link)
        return
    made = run_async(state.settings, every)
    if isinstance(made, str):
        raise refuse(made, code=1)
    count, expires = made
    typer.echo(state.t(N_("{file}: {count} invitations ({role}), valid until {until}.")).format(
        file=out, count=count, role=role_label(chosen, state.t), until=state.t.datetime(expires, state.settings.tz)))


@app.command("milestones")
def milestones_command(
    ctx: typer.Context,
    unit_code: Annotated[str | None, typer.Option("--unit", help="Chỉ trong cây của đơn vị này.")] = None,
) -> None:
    """In tiến độ từng mốc: số đơn vị đã hoàn thành / được giao và các đơn vị quá hạn."""
    from bot.progress import StatusRules, rates_of, root_units, subtree_progress
    from bot.units import get_unit_by_code

    state: CliState = ctx.obj
    t = state.t

    async def body(session_factory: SessionFactory) -> list[str]:
        async with session_factory() as session:
            roots = ([await get_unit_by_code(session=session, code=unit_code)] if unit_code
                     else await root_units(session=session))
            lines: list[str] = []
            for root in roots:
                if root is None:
                    return [t(N_("No unit has the code {code}.")).format(code=unit_code)]
                progress = await subtree_progress(session=session, root=root, now=SystemClock().now(),
                                                  rules=StatusRules.from_settings(state.settings))
                rates = rates_of(progress)
                lines.append(t(N_("{code}: {done}/{total} ({ratio}); due {due_done}/{due_total} ({due_ratio})")).format(
                    code=root.code, done=rates.done, total=rates.total, ratio=t.percent(rates.ratio),
                    due_done=rates.due_done, due_total=rates.due_total, due_ratio=t.percent(rates.due_ratio)))
                for p in progress:
                    late = "  " + t(N_("late: {units}")).format(units=", ".join(p.late_units)) if p.late_units else ""
                    lines.append(f"  {p.code:<5} {t.short_date(p.due_date)}  {p.done:>3}/{p.total:<3} "
                                 f"{t.percent(p.ratio):>5}{late}")
            return lines or [t(N_("No milestones yet."))]

    typer.echo("\n".join(run_async(state.settings, body)))


@app.command("run")
def run_command(
    ctx: typer.Context,
    plan_files: Annotated[list[Path] | None, typer.Option(
        "--plan", help="Nhập tệp kế hoạch này trước khi chạy bot (ghi nhiều lần được).")] = None,
    units_file: Annotated[Path | None, typer.Option(
        "--units", help="Nhập tệp đơn vị này (trước các kế hoạch).")] = None,
    if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="Chỉ nhập --units/--plan khi cơ sở dữ liệu còn trống (lần chạy đầu).")] = False,
    webhook: Annotated[bool, typer.Option(
        "--webhook", help="Nhận cập nhật qua webhook (WEBHOOK_URL, WEBHOOK_SECRET_TOKEN …) thay vì long polling.")
    ] = False,
) -> None:
    """Chạy bot (long polling, hoặc webhook); với --units/--plan thì nhập đơn vị, kế hoạch trước."""
    from bot.app import run, startup_problem, uses_webhook

    state: CliState = ctx.obj
    webhook = uses_webhook(state.settings, webhook)
    if problem := startup_problem(state.settings, webhook=webhook):
        typer.echo(problem, err=True)
        raise typer.Exit(code=2)
    run_async(state.settings, lambda session_factory: asyncio.sleep(0))  # creates missing tables
    load_first_run(state, units_file, plan_files or [], if_empty=if_empty)
    engine = make_engine(state.settings.database_url)
    run(state.settings, session_factory=make_sessionmaker(engine), engine=engine, webhook=webhook)


@app.command("draft")
def draft_command(
    ctx: typer.Context,
    document: Annotated[Path, typer.Argument(metavar="DOC", help="Văn bản kế hoạch: .txt, .docx hoặc .pdf (có chữ).")],
    output: Annotated[Path, typer.Option("-o", "--output", help=(
        "Bản nháp để ghi ra: bảng tính .xlsx (sửa bằng Excel/LibreOffice) hoặc tệp kế hoạch .yaml."))],
    units_file: Annotated[Path | None, typer.Option(
        "--units", metavar="PLAN.yaml",
        help="Lấy cây đơn vị (và nhóm) từ tệp kế hoạch này; mặc định: từ cơ sở dữ liệu.")] = None,
) -> None:
    """Đọc văn bản kế hoạch, viết bản nháp các mốc (hạn, đơn vị, trích dẫn) để người duyệt trước khi nhập."""
    from bot.intake import draft_document
    from bot.intake.readers import ReadError
    from bot.intake.sheet import draft_sheet_bytes
    from bot.intake.sources import UnitSource, UnitSourceError, from_database, from_plan_file

    state: CliState = ctx.obj
    try:
        data = document.read_bytes()
    except OSError:
        typer.echo(state.t(N_("Cannot open the file {file}.")).format(file=document), err=True)
        raise typer.Exit(code=1) from None
    try:
        if units_file is not None:
            source = from_plan_file(units_file)
        else:
            async def body(session_factory: SessionFactory) -> UnitSource:
                async with session_factory() as session:
                    return await from_database(session)

            source = run_async(state.settings, body)
        result = draft_document(data, document.name, source)
    except (ReadError, UnitSourceError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from None
    sheet = output.suffix.lower() == ".xlsx"
    if sheet:  # the sheet people edit; `nhacviec import` reads it back
        output.write_bytes(draft_sheet_bytes(result.draft, source_name=document.name, index=source.index,
                                             plan_title=source.plan_title, with_units=units_file is not None))
    else:
        output.write_text(result.yaml, encoding="utf-8")
    draft = result.draft
    typer.echo(state.t(N_("{file}: {count} milestones, {review} to review.")).format(
        file=output, count=len(draft.milestones), review=len(draft.unresolved)))
    for milestone in draft.unresolved:
        typer.echo(f"  {milestone.code}: {'; '.join(milestone.review)}", err=True)


@app.command("report")
def report_command(
    ctx: typer.Context,
    unit_code: Annotated[str, typer.Option("--unit", help="Báo cáo cho cây của đơn vị này (mã đơn vị).")],
    output: Annotated[Path, typer.Option("--out", "-o", help="Tệp Excel (.xlsx) để ghi ra.")],
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Ghi thêm biểu đồ tiến độ (.png) vào tệp này.")] = None,
) -> None:
    """Xuất báo cáo tiến độ (Excel: tổng hợp theo mốc và ma trận đơn vị × mốc), như lệnh /baocao của bot."""
    from bot.progress import StatusRules
    from bot.reports.data import ReportData, gather_report
    from bot.reports.workbook import workbook_bytes
    from bot.units import get_unit_by_code

    state: CliState = ctx.obj
    now = state.settings.fake_now or SystemClock().now()

    async def body(session_factory: SessionFactory) -> ReportData | None:
        async with session_factory() as session:
            root = await get_unit_by_code(session=session, code=unit_code)
            if root is None:
                return None
            return await gather_report(session=session, root=root, now=now,
                                       rules=StatusRules.from_settings(state.settings))

    data = run_async(state.settings, body)
    if data is None:
        typer.echo(state.t(N_("No unit has the code {code}.")).format(code=unit_code), err=True)
        raise typer.Exit(code=1)
    output.write_bytes(workbook_bytes(data, state.t, state.settings.tz))
    rates = data.rates
    typer.echo(state.t(N_("{file}: {milestones} milestones, {units} units; done {done}/{total}, of those due "
                          "{due_done}/{due_total}.")).format(file=output, milestones=len(data.summaries),
                                                              units=len(data.units), done=rates.done,
                                                              total=rates.total, due_done=rates.due_done,
                                                              due_total=rates.due_total))
    if chart is not None:
        from bot.reports.chart import chart_png

        chart.write_bytes(chart_png(data, state.t))
        typer.echo(state.t(N_("{file}: progress chart.")).format(file=chart))


STATUS_ERROR = N_("Status: ERROR.")


def render_health(report: HealthReport[SchedulerState], state: CliState) -> list[str]:
    settings, t = state.settings, state.t
    if not report.reachable:
        return [t(N_("Database: NOT reachable ({error}).")).format(error=report.error), t(STATUS_ERROR)]
    lines = [t(N_("Database: reachable ({backend}).")).format(backend=report.backend)]
    current = report.current_revision or t(N_("none yet"))
    if report.migrated:
        lines.append(t(N_("Schema version: {current} (the latest).")).format(current=current))
    else:
        lines.append(t(N_("Schema version: {current}, the latest is {head}: not upgraded (run `alembic upgrade "
                          "head` or start the bot).")).format(current=current, head=report.head_revision))
        lines.append(t(STATUS_ERROR))
        return lines
    work = report.workload
    if work is not None and work.units == 0:
        lines.append(t(N_("Units: none yet — import a plan (nhacviec import PLAN.yaml), or check DATABASE_URL; the "
                          "bot has nothing to remind.")))
    elif work is not None and work.open_items == 0:
        lines.append(t(N_("Open items: none left in the plans followed ({units} units) — the bot has nothing to "
                          "remind.")).format(units=work.units))
    elif work is not None:
        lines.append(t(N_("Open items: {items} (in {units} units).")).format(items=work.open_items, units=work.units))
    scheduler = report.scheduler
    if scheduler is not None:
        def when(instant: datetime) -> str:
            return f"{t.datetime(instant, settings.tz)} ({settings.timezone})"

        def next_reminder(instant: datetime) -> str:
            overdue = report.checked_at is not None and instant < report.checked_at
            return when(instant) + (t(N_(" — past its time and not sent")) if overdue else "")

        if scheduler.stalled and scheduler.late_since is not None:
            lines.append(t(N_("Reminders: LATE — {items} reminders due since {since} not sent (is the bot running?).")
                           ).format(items=scheduler.late_items, since=when(scheduler.late_since)))
        else:
            lines.append(t(N_("Reminders: nothing overdue.")))
        if scheduler.stale_claims:
            lines.append(t(N_("Waiting to be sent again after a process stopped abruptly: {count}.")).format(
                count=scheduler.stale_claims))
        lines.append(t(N_("Next reminder: {when}.")).format(
            when=next_reminder(scheduler.next_reminder_at) if scheduler.next_reminder_at
            else t(N_("no reminder is waiting"))))
        if scheduler.last_sent_at is not None:
            lines.append(t(N_("Last sent: {when}.")).format(when=when(scheduler.last_sent_at)))
        lines.append(t(N_("Failed sends: {count}.")).format(count=scheduler.failed_sends))
    if report.healthy:
        lines.append(t(N_("Status: good.")))
    elif report.nothing_to_remind and not (scheduler and scheduler.stalled):
        lines.append(t(N_("Status: NOTHING TO REMIND.")))
    else:
        lines.append(t(STATUS_ERROR))
    return lines


@app.command("health")
def health_command(ctx: typer.Context) -> None:
    """Kiểm tra tình trạng: kết nối cơ sở dữ liệu, phiên bản lược đồ, nhắc việc kế tiếp, lượt gửi thất bại."""
    state: CliState = ctx.obj
    now = state.settings.fake_now or SystemClock().now()
    from scheduler.health import check_health

    report = asyncio.run(check_health(state.settings, now=now))
    typer.echo("\n".join(render_health(report, state)))
    if not report.healthy:
        raise typer.Exit(code=1)
