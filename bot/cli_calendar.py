"""`nhacviec calendar add|remove|list|import`: the days the government declares off or worked each year.

    nhacviec calendar add 02/01/2027 --off --note "Nghỉ bù Tết Dương lịch"
    nhacviec calendar add 09/01/2027 --work --note "Làm bù cho ngày 02/01/2027"
    nhacviec calendar remove 02/01/2027
    nhacviec calendar list --year 2027      # holidays, declared days, worked Saturdays of the year
    nhacviec calendar import plans/calendar.yaml

Public holidays come from the `holidays` package (bot/workdays.py) and are not stored. Every change re-plans the
reminders it moves, in the same transaction, and is logged as an event. Registered on the main app by bot/cli.py
(`register`), with `nhacviec schedule` (bot/cli_schedule.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_language import Typer
from bot.i18n import N_, Translator
from bot.plans.limits import FIRST_YEAR, LAST_YEAR
from bot.plans.problems import PlanValueError
from bot.timeutil import FixedClock, SystemClock, local_today
from bot.workdays import DeclaredDay, WorkingCalendar

if TYPE_CHECKING:
    from datetime import datetime

    from bot.cli import CliState, SessionFactory
    from bot.workdays import Change

calendar_app = Typer(help="Lịch làm việc: ngày nghỉ, ngày làm bù do Nhà nước công bố hằng năm.", no_args_is_help=True)
MAX_NOTE = 255


def register(app: typer.Typer) -> None:
    """Adds `calendar` and `schedule` to the main app."""
    from bot.cli_schedule import schedule_command

    app.add_typer(calendar_app, name="calendar")
    app.command("schedule")(schedule_command)


def now_of(state: CliState) -> datetime:
    return state.settings.fake_now or SystemClock().now()


def read_day_or_exit(text: str, t: Translator) -> date:
    from bot.calendar_file import parse_calendar_day

    try:
        return parse_calendar_day(text)
    except PlanValueError as bad:
        typer.echo(bad.message.render(t), err=True)
        raise typer.Exit(code=1) from None


def day_label(day: date, t: Translator) -> str:
    return t.date(day)  # "Thứ Bảy, 09/01/2027"


def state_line(day: date, calendar: WorkingCalendar, t: Translator) -> str:
    if calendar.is_working_day(day):
        return t(N_("{day} is now a working day.")).format(day=day_label(day, t))
    return t(N_("{day} is now a day off ({reason}).")).format(day=day_label(day, t), reason=calendar.reason(day))


Stored = tuple["list[Change]", DeclaredDay | None, WorkingCalendar, WorkingCalendar, tuple[int, int]]


def _store(state: CliState, entries: list[DeclaredDay], *, remove: date | None = None) -> Stored:
    """Writes the declarations (or removes one), re-plans the reminders the changed days move, commits. Returns
    the changes, the removed entry, the calendars before and after, and (rows written, rows cancelled)."""
    from bot.cli import run_async
    from bot.db import session_scope
    from bot.workdays import declare_days, load_calendar, remove_declared_day
    from scheduler import calendar_changed

    now = now_of(state)

    async def body(session_factory: SessionFactory) -> Stored:
        async with session_scope(session_factory) as session:
            before = await load_calendar(session=session)
            changes: list[Change] = []
            removed: DeclaredDay | None = None
            if remove is not None:
                removed = await remove_declared_day(session, remove, now=now)
                days = [remove] if removed else []
            else:
                changes = await declare_days(session, entries, now=now)
                days = [change.entry.day for change in changes if change.outcome != "unchanged"]
            after = await load_calendar(session=session)
            result = await calendar_changed(session, days=days, settings=state.settings, clock=FixedClock(now),
                                            calendar=after)
            return changes, removed, before, after, (result.rows_written, result.rows_cancelled)

    return run_async(state.settings, body)


def _echo_replanned(counts: tuple[int, int], t: Translator) -> None:
    written, cancelled = counts
    if written or cancelled:
        typer.echo(t(N_("Reminders re-planned: {written} written, {cancelled} cancelled.")).format(
            written=written, cancelled=cancelled))


@calendar_app.command("add")
def add_command(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(metavar="DATE", help="Ngày, ví dụ 02/01/2027.")],
    off: Annotated[bool, typer.Option("--off", help="Ngày nghỉ (nghỉ bù, nghỉ hoán đổi).")] = False,
    work: Annotated[bool, typer.Option("--work", help="Ngày làm việc (thứ Bảy làm bù).")] = False,
    note: Annotated[str | None, typer.Option("--note", help="Ghi chú, ví dụ số văn bản công bố.")] = None,
) -> None:
    """Khai báo một ngày nghỉ hoặc một ngày làm bù; nhắc việc được lập lại theo lịch mới."""
    state: CliState = ctx.obj
    t = state.t
    when = read_day_or_exit(day, t)
    if off == work:
        typer.echo(t(N_("Say whether the day is off (--off) or worked (--work).")), err=True)
        raise typer.Exit(code=1)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        typer.echo(t(N_("The note is longer than {max} characters.")).format(max=MAX_NOTE), err=True)
        raise typer.Exit(code=1)
    entry = DeclaredDay(day=when, working=work, note=note)
    changes, _removed, before, after, counts = _store(state, [entry])
    if changes[0].outcome == "unchanged":
        typer.echo(t(N_("{day} was already declared so: nothing changed.")).format(day=day_label(when, t)))
        return
    message = N_("Declared {day} a working day{note}.") if work else N_("Declared {day} a day off{note}.")
    typer.echo(t(message).format(day=day_label(when, t), note=f" ({note})" if note else ""))
    if before.is_working_day(when) == after.is_working_day(when) and changes[0].outcome == "added":
        typer.echo(t(N_("Note: it was already a working day.")) if work else
                   t(N_("Note: it was already a day off ({reason}).")).format(reason=before.reason(when)))
    _echo_replanned(counts, t)


@calendar_app.command("remove")
def remove_command(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(metavar="DATE", help="Ngày đã khai báo, ví dụ 02/01/2027.")],
) -> None:
    """Bỏ một ngày đã khai báo: ngày đó trở lại như lịch nghỉ lễ và ngày trong tuần."""
    state: CliState = ctx.obj
    t = state.t
    when = read_day_or_exit(day, t)
    _changes, removed, _before, after, counts = _store(state, [], remove=when)
    if removed is None:
        typer.echo(t(N_("{day} was not declared: nothing to remove.")).format(day=day_label(when, t)), err=True)
        raise typer.Exit(code=1)
    typer.echo(t(N_("Removed the declaration of {day}.")).format(day=day_label(when, t)))
    typer.echo(state_line(when, after, t))
    _echo_replanned(counts, t)


@calendar_app.command("list")
def list_command(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year", help="Năm (mặc định: năm nay).")] = None,
) -> None:
    """Các ngày lễ, ngày nghỉ bù, ngày làm bù của một năm, và số ngày làm việc."""
    from bot.cli import run_async
    from bot.workdays import load_calendar

    state: CliState = ctx.obj
    t = state.t
    year = year if year is not None else local_today(now_of(state), state.settings.tz).year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        typer.echo(t(N_("The year must be between {first_year} and {last_year}.")).format(
            first_year=FIRST_YEAR, last_year=LAST_YEAR), err=True)
        raise typer.Exit(code=1)

    async def body(session_factory: SessionFactory) -> WorkingCalendar:
        async with session_factory() as session:
            return await load_calendar(session=session)

    calendar = run_async(state.settings, body)
    typer.echo(t(N_("Working calendar {year}: {count} working days.")).format(
        year=year, count=calendar.working_days_in(year)))
    for special in calendar.special_days(year):
        status = t(N_("working")) if special.working else t(N_("day off"))
        declared = " " + t(N_("(declared)")) if special.declared else ""
        typer.echo(f"{day_label(special.day, t):<24} {status:<10} {special.reason}{declared}")
    typer.echo(t(N_("Saturdays and Sundays are days off unless listed as working.")))


@calendar_app.command("import")
def import_command(
    ctx: typer.Context,
    calendar_file: Annotated[Path, typer.Argument(metavar="FILE", help="Tệp lịch YAML (xem plans/README.md).")],
) -> None:
    """Nhập các ngày nghỉ, ngày làm bù từ một tệp lịch (nhập lại nhiều lần vẫn an toàn)."""
    from bot.calendar_file import read_calendar_file

    state: CliState = ctx.obj
    t = state.t
    read = read_calendar_file(calendar_file)
    for problem in read.problems:
        typer.echo(problem.render(str(calendar_file), t), err=True)
    if not read.ok:
        raise typer.Exit(code=1)
    changes, _removed, _before, _after, counts = _store(state, read.days)
    count = {outcome: sum(change.outcome == outcome for change in changes)
             for outcome in ("added", "changed", "unchanged")}
    typer.echo(t(N_("Calendar file {file}: {added} added, {changed} changed, {unchanged} unchanged.")).format(
        file=calendar_file, **count))
    _echo_replanned(counts, t)
