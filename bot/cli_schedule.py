"""`nhacviec schedule`: what the bot will send, one line per reminder, so an admin can check a plan before its
first reminder goes out.

    nhacviec schedule                                   # the next 30 days
    nhacviec schedule --unit HU-DIENBIEN --days 90      # a unit and the units under it
    nhacviec schedule --plan DB-MAU-2027 --from 01/12/2026 --days 120

Each line: local date and time, unit, plan, milestone, step (and the due date). Units nobody has joined yet are
listed too, marked. How the lines are worked out (pending rows, what the planner would write, the lazy overdue
chain): scheduler/schedule.py.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.i18n import N_, Translator
from bot.timeutil import local_datetime, local_today

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from bot.cli import CliState, SessionFactory
    from bot.workdays import WorkingCalendar
    from scheduler.schedule import PlannedSend

MAX_DAYS = 3660  # ten years: 2019 to 2027 and more in one listing


def step_label(send: PlannedSend, calendar: WorkingCalendar, t: Translator) -> str:
    from scheduler.ladder import StepKind

    if send.kind is StepKind.escalation:
        return t(N_("to the supervisors of {unit} (late)")).format(unit=send.recipient_unit_code)
    if send.kind is StepKind.late:
        return t(N_("overdue reminder"))
    days = int(send.step.split(":", 1)[0][1:])
    due = t.short_date(send.due_date)
    if not calendar.is_working_day(send.due_date):
        due = f"{due} {t(N_('(day off)'))}"
    if days == 0:
        return t(N_("last reminder (due {due})")).format(due=due)
    return t.ngettext("{days} day before (due {due})", "{days} days before (due {due})", days).format(
        days=days, due=due)


def render_schedule(sends: list[PlannedSend], *, start: datetime, end: datetime, calendar: WorkingCalendar,
                    tz: ZoneInfo, t: Translator) -> list[str]:
    first = t.short_date(start.astimezone(tz).date())
    last = t.short_date((end - timedelta(days=1)).astimezone(tz).date())
    if not sends:
        return [t(N_("No reminder to send from {start} to {end}.")).format(start=first, end=last)]
    messages = {(send.send_at, send.recipient_unit_code, send.kind.audience) for send in sends}
    lines = [t(N_("Reminders from {start} to {end}: {count} items in {messages} messages.")).format(
        start=first, end=last, count=len(sends), messages=len(messages))]
    widths = [max(len(getattr(send, name)) for send in sends) for name in ("unit_code", "plan_code", "milestone_code")]
    for send in sends:
        marks = ""
        if not send.reachable:
            marks += " ⚠ " + t(N_("nobody has joined yet"))
        if not send.planned:
            marks += " · " + t(N_("not planned yet"))
        lines.append(f"{t.datetime(send.send_at, tz, 'dd/MM/yyyy HH:mm')}  {send.unit_code:<{widths[0]}}  "
                     f"{send.plan_code:<{widths[1]}}  {send.milestone_code:<{widths[2]}}  "
                     f"{step_label(send, calendar, t)}{marks}")
    lines.append(t(N_("Overdue: only the next reminder is listed; each next one is planned when the one before is "
                      "sent.")))
    return lines


def schedule_command(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="Mã đơn vị: đơn vị đó và các đơn vị trực thuộc.")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Mã kế hoạch.")] = None,
    start_day: Annotated[str | None, typer.Option("--from", metavar="DATE", help="Từ ngày (mặc định: hôm nay).")
                         ] = None,
    days: Annotated[int, typer.Option("--days", help="Số ngày (mặc định 30).")] = 30,
) -> None:
    """In các nhắc việc bot sẽ gửi: ngày giờ, đơn vị, kế hoạch, mốc, bước nhắc."""
    from bot.cli import run_async
    from bot.cli_calendar import now_of, read_day_or_exit
    from bot.workdays import load_calendar
    from scheduler.schedule import UnknownCode, planned_sends

    state: CliState = ctx.obj
    t, tz = state.t, state.settings.tz
    now = now_of(state)
    first = read_day_or_exit(start_day, t) if start_day else local_today(now, tz)
    if not 1 <= days <= MAX_DAYS:
        typer.echo(t(N_("--days must be between 1 and {max}.")).format(max=MAX_DAYS), err=True)
        raise typer.Exit(code=1)
    start = local_datetime(first, time(0), tz)
    end = local_datetime(first + timedelta(days=days), time(0), tz)

    async def body(session_factory: SessionFactory):  # type: ignore[no-untyped-def]
        async with session_factory() as session:
            calendar = await load_calendar(session=session)
            try:
                sends = await planned_sends(session, settings=state.settings, now=now, calendar=calendar,
                                            unit_code=unit, plan_code=plan, start=start, end=end)
            except UnknownCode as unknown:
                return unknown, calendar
            return sends, calendar

    sends, calendar = run_async(state.settings, body)
    if isinstance(sends, UnknownCode):
        message = N_("No unit has the code {code}.") if sends.what == "unit" else N_("No plan has the code {code}.")
        typer.echo(t(message).format(code=sends.code), err=True)
        raise typer.Exit(code=1)
    typer.echo("\n".join(render_schedule(sends, start=start, end=end, calendar=calendar, tz=tz, t=t)))
