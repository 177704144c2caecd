"""`nhacviec units …`: the organisation's unit tree on the command line.

    nhacviec units                          # the tree (also: nhacviec units list --all)
    nhacviec units import plans/units-dien-bien.yaml [--dry-run]     # or a .xlsx sheet
    nhacviec units export don-vi.xlsx       # the same sheet back
    nhacviec units retire HU-DIENBIEN [--yes]

Registered on the main app by bot/cli.py; commands share its state (`CliState`) and `run_async`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.cli_language import Typer
from bot.i18n import N_
from bot.timeutil import FixedClock, SystemClock

if TYPE_CHECKING:
    from bot.cli import CliState, SessionFactory
    from bot.plans.report import UnitsReport

units_app = Typer(help="Cây đơn vị của cơ quan: xem, nhập, xuất ra Excel, ngừng theo dõi một đơn vị.",
                  no_args_is_help=False, invoke_without_command=True)


def _now(state: CliState):  # type: ignore[no-untyped-def]
    return state.settings.fake_now or SystemClock().now()


def _replan(state: CliState):  # type: ignore[no-untyped-def]
    """The reminder engine's re-plan, run in the caller's transaction (what an import does after itself)."""
    from scheduler import assignments_changed

    clock = FixedClock(_now(state))

    async def replan(session: AsyncSession, milestone_ids: set[int]) -> None:
        await assignments_changed(session, milestone_ids=milestone_ids, settings=state.settings, clock=clock)

    return replan


def _tree(ctx: typer.Context, include_inactive: bool) -> None:
    from bot.cli import run_async
    from bot.plans.unit_tree import load_unit_tree, render_unit_tree

    state: CliState = ctx.obj

    async def body(session_factory: SessionFactory) -> str:
        async with session_factory() as session:
            lines = await load_unit_tree(session=session, include_inactive=include_inactive)
        return render_unit_tree(lines, state.t)

    typer.echo(run_async(state.settings, body))


@units_app.callback(invoke_without_command=True)
def units_main(
    ctx: typer.Context,
    include_inactive: Annotated[bool, typer.Option("--all", help="Hiện cả các đơn vị đã ngừng theo dõi.")] = False,
) -> None:
    """In cây đơn vị (mã, tên, loại); các lệnh con nhập, xuất hoặc ngừng theo dõi đơn vị."""
    if ctx.invoked_subcommand is None:
        _tree(ctx, include_inactive)


@units_app.command("list")
def list_command(
    ctx: typer.Context,
    include_inactive: Annotated[bool, typer.Option("--all", help="Hiện cả các đơn vị đã ngừng theo dõi.")] = False,
) -> None:
    """In cây đơn vị: mã, tên và loại đơn vị."""
    _tree(ctx, include_inactive)


def import_units_or_exit(state: CliState, units_file: Path, *, dry_run: bool = False) -> UnitsReport:
    """Checks and imports a units file (YAML or .xlsx); prints its problems and exits 1 when it has errors."""
    from bot.cli_plans import import_or_exit
    from bot.plans.standing import standing_units
    from bot.plans.units_file import read_units_file
    from bot.plans.units_import import run_units_import

    async def body(session_factory: SessionFactory) -> UnitsReport | None:
        async with session_factory() as session:
            known = await standing_units(session)
        check = read_units_file(units_file, known=known)
        for line in check.render(state.t):
            typer.echo(line, err=True)
        if not check.ok:
            return None
        return await run_units_import(session_factory=session_factory, check=check, now=_now(state),
                                      dry_run=dry_run, after=_replan(state))

    return import_or_exit(state, body)


@units_app.command("import")
def import_command(
    ctx: typer.Context,
    units_file: Annotated[Path, typer.Argument(
        metavar="FILE", help="Tệp đơn vị: .yaml hoặc .xlsx (xem plans/README.md).")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Chạy thử: chỉ báo cáo những gì sẽ thay đổi, không ghi vào cơ sở dữ liệu.")] = False,
) -> None:
    """Nhập cây đơn vị từ tệp: thêm, sửa đơn vị; đơn vị ghi retired: true thì ngừng theo dõi."""
    from bot.plans.units_import import render_units_report

    state: CliState = ctx.obj
    report = import_units_or_exit(state, units_file, dry_run=dry_run)
    typer.echo(render_units_report(report, str(units_file), state.t))


@units_app.command("export")
def export_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(metavar="FILE.xlsx", help="Tệp Excel để ghi ra.")],
) -> None:
    """Xuất cây đơn vị ra tệp Excel (Mã | Tên đơn vị | Loại | Mã cấp trên | …): sửa rồi nhập lại được."""
    from bot.cli import run_async
    from bot.models import Unit
    from bot.plans.units_sheet import SheetRow, units_sheet_bytes

    state: CliState = ctx.obj
    if output.suffix.lower() != ".xlsx":
        typer.echo(state.t(N_("The file must end in .xlsx.")), err=True)
        raise typer.Exit(code=2)

    async def body(session_factory: SessionFactory) -> list[SheetRow]:
        async with session_factory() as session:
            units = (await session.execute(select(Unit).order_by(col(Unit.sort_order), col(Unit.id)))).scalars().all()
        code_of = {unit.id: unit.code for unit in units}
        return [SheetRow(code=unit.code, name=unit.name, kind=unit.kind, parent=code_of.get(unit.parent_id),
                         aliases=tuple(line for line in (unit.aliases or "").splitlines() if line),
                         short_name=unit.short_name, retired=not unit.active) for unit in units]

    rows = run_async(state.settings, body)
    try:
        output.write_bytes(units_sheet_bytes(rows, state.t))
    except OSError as problem:
        typer.echo(state.t(N_("Cannot write {file}: {reason}")).format(file=output, reason=problem.strerror),
                   err=True)
        raise typer.Exit(code=1) from None
    typer.echo(state.t(N_("{file}: {count} units.")).format(file=output, count=len(rows)))


@units_app.command("retire")
def retire_command(
    ctx: typer.Context,
    codes: Annotated[list[str], typer.Argument(metavar="CODE...", help="Mã đơn vị (một hoặc nhiều).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Không hỏi lại.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Lý do, ghi vào nhật ký.")] = None,
) -> None:
    """Ngừng theo dõi đơn vị (và các đơn vị cấp dưới): liệt kê việc còn dở, hỏi lại, rồi ngừng; lịch sử giữ nguyên."""
    from bot.cli import run_async
    from bot.plans.retire import OpenWork, open_work, render_open_work, retire_units, retirement_scope

    state: CliState = ctx.obj
    t = state.t

    async def preview(session_factory: SessionFactory) -> tuple[OpenWork | None, list[str]]:
        async with session_factory() as session:
            scope = await retirement_scope(session=session, codes=codes)
            notes = [t(N_("No unit has the code {code}.")).format(code=code) for code in scope.unknown]
            notes += [t(N_("Unit {code} is already retired.")).format(code=code) for code in scope.already]
            if not scope.units:
                return None, notes
            return await open_work(session=session, unit_ids=scope.ids), notes

    work, notes = run_async(state.settings, preview)
    for note in notes:
        typer.echo(note, err=True)
    if work is None:
        raise typer.Exit(code=1)
    typer.echo("\n".join(render_open_work(work, t)))
    if not yes and not typer.confirm(t(N_("Retire them?")), default=False):
        typer.echo(t(N_("Nothing was changed.")))
        raise typer.Exit(code=1)
    replan = _replan(state)

    async def retire(session_factory: SessionFactory) -> int:
        async with session_factory() as session:
            scope = await retirement_scope(session=session, codes=codes)  # again: the tree may have changed
            affected = await retire_units(session=session, units=scope.units, now=_now(state), reason=reason)
            await replan(session, affected)
            await session.commit()
            return len(scope.units)

    count = run_async(state.settings, retire)
    typer.echo(t(N_("{count} units retired; their history is kept.")).format(count=count))
