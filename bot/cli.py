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
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from bot import models  # noqa: F401  (registers the tables for ensure_schema)
from bot.db import make_engine, make_sessionmaker
from bot.i18n import Translator, translator
from bot.plans.importer import run_import
from bot.plans.rendering import render_report
from bot.plans.unit_tree import load_unit_tree, render_unit_tree
from bot.plans.validate import read_plan
from bot.settings import Settings, get_settings
from bot.timeutil import SystemClock

T = TypeVar("T")
SessionFactory = async_sessionmaker[AsyncSession]

app = typer.Typer(
    name="nhacviec",
    help="Bot Telegram nhắc việc theo kế hoạch: các lệnh quản trị.",
    no_args_is_help=True,
    add_completion=False,
)


@dataclass(frozen=True)
class CliState:
    settings: Settings
    t: Translator


async def ensure_schema(engine: AsyncEngine) -> None:
    """Creates the tables that are missing. The one place to swap for Alembic's `upgrade head`."""
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)


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
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN", help="Tệp kế hoạch YAML (xem plans/README.md).")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Chạy thử: chỉ báo cáo những gì sẽ thay đổi, không ghi vào cơ sở dữ liệu.")] = False,
) -> None:
    """Kiểm tra rồi nhập một tệp kế hoạch: đơn vị, mốc và phân công (nhập lại nhiều lần vẫn an toàn)."""
    state: CliState = ctx.obj
    check = read_plan(plan_file)
    for line in check.render(state.t):
        typer.echo(line, err=True)
    plan = check.plan
    if plan is None:
        raise typer.Exit(code=1)
    report = run_async(state.settings, lambda session_factory: run_import(
        session_factory=session_factory, plan=plan, now=SystemClock().now(), dry_run=dry_run))
    typer.echo(render_report(report, state.t))


@app.command("units")
def units_command(
    ctx: typer.Context,
    include_inactive: Annotated[bool, typer.Option(
        "--all", help="Hiện cả các đơn vị đã ngừng theo dõi.")] = False,
) -> None:
    """In cây đơn vị: mã, tên và loại đơn vị."""
    state: CliState = ctx.obj

    async def body(session_factory: SessionFactory) -> str:
        async with session_factory() as session:
            lines = await load_unit_tree(session=session, include_inactive=include_inactive)
        return render_unit_tree(lines, state.t)

    typer.echo(run_async(state.settings, body))
