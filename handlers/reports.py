"""/baocao (a supervisor's Excel report and chart), /lich (a unit's calendar file), 📣 urging late units, and the
texts of the urge and the weekly digest (queued by bot/urging.py and bot/digest.py, sent by the engine)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING

from telegram import InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest

from bot.access import supervised_roots
from bot.i18n import Translator
from bot.models import Plan, Role, Unit
from bot.plan_views import find_plan, group_by_plan
from bot.progress import Item, MilestoneProgress, Rates
from bot.reports.calendar import calendar_bytes, calendar_filename
from bot.reports.chart import chart_png
from bot.reports.data import calendar_entries, gather_report, subtree_calendar_entries
from bot.reports.workbook import report_filename, workbook_bytes
from bot.units import get_unit_by_code
from bot.urging import UrgePlan, cooldown_from, urge_late_units
from handlers.choose import choose_milestone
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import parse_button
from handlers.progress import can_see
from handlers.render import days_text, grouped, milestone_marker, plan_line, qualified, rates_line, short
from scheduler import send_soon

if TYPE_CHECKING:
    from handlers.context import BotContext

log = logging.getLogger(__name__)

MAX_REPORTS = 3  # one workbook per supervised subtree, at most this many per command
SHOWN_UNITS = 20  # units named per line of the urge summary (20 codes of 64 characters fit a message): the rest counted


def _refuse_report(req: Request) -> str:
    _ = req.t.gettext
    return _("Reports are for supervisors. Use /tiendo to see your unit's progress, or /lich for its calendar.")


async def _report_scope(req: Request, args: list[str]) -> tuple[list[Unit], Plan | None] | None:
    """The subtrees to report on (the one asked for, if supervised, else every supervised root) and the plan
    asked for by name (`/baocao TU DB-BC-2020`, either or both, any order); None when a name is unknown."""
    unit: Unit | None = None
    plan: Plan | None = None
    for arg in args[:2]:
        found_unit = unit is None and await get_unit_by_code(session=req.session, code=arg)
        if found_unit:
            unit = found_unit
            continue
        plan = plan or await find_plan(session=req.session, name=arg, active_only=False)
        if plan is None:
            return None
    if unit is not None:
        if not (req.access.is_admin or req.access.supervises(unit)):
            return None
        return [unit], plan
    return await supervised_roots(session=req.session, access=req.access), plan


async def baocao(update: Update, context: BotContext) -> None:
    message = update.effective_message
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await reply(update, not_registered(req.t))
            return
        scope = await _report_scope(req, list(context.args or []))
        if scope is None:
            await reply(update, not_found(req.t))
            return
        roots, plan = scope
        if not roots:
            await reply(update, _refuse_report(req))
            return
        now, rules, tz = context.clock.now(), context.services.rules, context.settings.tz
        reports = [await gather_report(session=req.session, root=root, now=now, rules=rules, plan=plan)
                   for root in roots[:MAX_REPORTS]]
    if message is None:
        return
    _ = req.t.gettext
    for data in reports:
        await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
        # openpyxl and matplotlib are CPU work: off the event loop.
        workbook = await asyncio.to_thread(workbook_bytes, data, req.t, tz)
        png = await asyncio.to_thread(chart_png, data, req.t)
        caption = (f"📊 <b>{escape(data.root.name)}</b>\n"
                   + (plan_line(data.plan_name) + "\n" if data.plan_name else "") + rates_line(req.t, data.rates))
        await message.reply_document(InputFile(workbook, filename=report_filename(data, tz)), caption=caption,
                                     parse_mode=ParseMode.HTML)
        await message.reply_photo(png, caption=_("Progress chart: {unit}").format(unit=data.root.name)
                                  + (f" — {data.plan_name}" if data.plan_name else ""))


async def lich(update: Update, context: BotContext) -> None:
    """/lich: the caller's units' deadlines (a supervisor's: their subtrees'); /lich UNIT one unit's; /lich M03
    one milestone's (which plan? asked when several have it)."""
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await reply(update, not_registered(req.t))
            return
        milestone_id = None
        units: list[Unit] | None = None
        if context.args:
            unit = await get_unit_by_code(session=req.session, code=context.args[0])
            if unit is None:
                milestone = await choose_milestone(update, req, context.args[0], action="lich",
                                                   allowed=lambda m: can_see(req, m))
                if milestone is None:  # answered: not found, or which plan?
                    return
                milestone_id = milestone.id
            elif not req.access.can_view(unit):
                await reply(update, not_found(req.t))
                return
            else:
                units = [unit]
        files = await calendar_files(req, context, units=units, milestone_id=milestone_id)
    await send_calendars(update, req.t, files)


async def calendar_files(req: Request, context: BotContext, *, units: list[Unit] | None = None,
                         milestone_id: int | None = None) -> list[tuple[Unit, int, bytes]]:
    """(unit, events, .ics) for the given units, else the caller's own units, else their supervised subtrees;
    all milestones, or only one."""
    now, rules, settings = context.clock.now(), context.services.rules, context.settings
    subtree = False
    if units is None:
        units = req.access.units_with(Role.secretary)
        if not units:
            units, subtree = await supervised_roots(session=req.session, access=req.access), True
    files = []
    for unit in units[:MAX_REPORTS]:
        if subtree:
            entries = await subtree_calendar_entries(session=req.session, root=unit, now=now, rules=rules,
                                                     milestone_id=milestone_id)
        else:
            entries = await calendar_entries(session=req.session, units=[unit], now=now, rules=rules,
                                             milestone_id=milestone_id)
        if milestone_id is not None and not entries:  # that milestone is not this unit's
            continue
        # A subtree's calendar may hold thousands of events: built off the event loop, as the workbook is.
        content = await asyncio.to_thread(calendar_bytes, entries, req.t, tz=settings.tz, now=now, name=unit.name,
                                          workday_end_text=settings.workday_end.strftime("%H:%M"),
                                          alarm_hour=settings.reminder_hour)
        files.append((unit, len(entries), content))
    return files


async def send_calendars(update: Update, t: Translator, files: list[tuple[Unit, int, bytes]]) -> None:
    message = update.effective_message
    if message is None:
        return
    if not files:
        await reply(update, not_found(t))
        return
    _ = t.gettext
    for unit, count, content in files:
        caption = (t.ngettext("📅 {unit}: {n} milestone", "📅 {unit}: {n} milestones", count)
                   .format(unit=escape(unit.name), n=count) + "\n"
                   + _("Open the file to add the deadlines to your calendar (reminders 3 days and 1 day before)."))
        await message.reply_document(InputFile(content, filename=calendar_filename(unit.code)), caption=caption,
                                     parse_mode=ParseMode.HTML)


async def urge_button(update: Update, context: BotContext) -> None:
    """📣 in a milestone view: message the late units' secretaries now, once per cooldown per unit."""
    query = update.callback_query
    assert query is not None
    pressed = parse_button(query.data)
    if pressed is None or pressed.kind != "urge":
        await unknown_button(update, context)
        return
    milestone_id = pressed.numbers[0]
    async with request(update, context) as req:
        _ = req.t.gettext
        may_urge = req.access.registered or req.access.is_admin
        roots = await supervised_roots(session=req.session, access=req.access) if may_urge else []
        if not roots:
            await query.answer(not_found(req.t), show_alert=True)
            return
        now, cooldown = context.clock.now(), cooldown_from(context.settings)
        plan = await urge_late_units(session=req.session, actor=req.access, roots=roots, milestone_id=milestone_id,
                                     now=now, rules=context.services.rules, cooldown=cooldown)
        if plan is None:
            await query.answer(not_found(req.t), show_alert=True)
            return
        await req.session.commit()  # the events and the queued urges: a second press finds them
    send_soon(context.job_queue)  # the engine sends the urges (handlers/notices.py), retries, reports failures
    people = sum(len({member.chat_id for member in target.recipients}) for target in plan.targets)
    lines = urge_summary(req.t, plan, units_reached=len(plan.targets), people=people, cooldown=cooldown)
    try:
        await query.answer(short(lines[0], 190))
    except BadRequest as error:  # a press answered too late ("query is too old"): the summary still goes out
        log.warning("could not answer the urge button: %s", error)
    if query.message is not None:
        await query.message.reply_text(escape("\n".join(lines)), parse_mode=ParseMode.HTML)  # type: ignore[attr-defined]  # PTB: not on an InaccessibleMessage; a just-pressed button's message is a Message


def unit_codes(t: Translator, items: list[Item]) -> str:
    """The first SHOWN_UNITS units' names (short where given: people read names), then how many more: one line,
    however many units are late."""
    codes = ", ".join(item.unit_name for item in items[:SHOWN_UNITS])
    more = len(items) - SHOWN_UNITS
    if more <= 0:
        return codes
    return t.ngettext("{units} and {n} other unit", "{units} and {n} other units", more).format(units=codes, n=more)


def urge_summary(t: Translator, plan: UrgePlan, *, units_reached: int, people: int, cooldown: timedelta) -> list[str]:
    """The supervisor's summary after 📣 (plain text lines, the first one also the button's answer): the units
    reached, counted; those urged within the cooldown and those nobody can be reached in, named up to a point."""
    _ = t.gettext
    code = plan.milestone.code
    if not plan.late:
        return [_("{code}: no late units.").format(code=code)]
    lines = [t.ngettext("📣 {code}: urged {n} late unit ({people} recipients).",
                        "📣 {code}: urged {n} late units ({people} recipients).",
                        units_reached).format(code=code, n=units_reached, people=people)]
    if plan.cooled:
        hours = round(cooldown.total_seconds() / 3600)
        lines.append(t.ngettext("Already urged in the last {hours} hour: {units}",
                                "Already urged in the last {hours} hours: {units}", hours)
                     .format(hours=hours, units=unit_codes(t, plan.cooled)))
    if plan.unreachable:
        lines.append(_("No secretary registered: {units}").format(units=unit_codes(t, plan.unreachable)))
    return lines


def urge_text(t: Translator, urger: str, item: Item, label: str = "") -> str:
    _ = t.gettext
    return "\n".join([
        _("📣 <b>Reminder from {name}</b>: {unit} has not completed {code}.").format(
            name=escape(urger or _("your supervisor")), unit=f"<b>{escape(item.unit_name)}</b>",
            code=f"<b>{escape(qualified(item.milestone_code, label))}</b>"),
        escape(short(item.title, 300)),
        _("due {date}").format(date=t.date(item.due_date)) + " · " + days_text(t, item),
        _("Please complete it and report back with the ✅ button."),
    ])


# -- the weekly digest's text (bot/digest.py queues it; the engine sends it, rendered by handlers/notices.py) ----


def digest_lines(t: Translator, root: Unit, progress: list[MilestoneProgress], rates: Rates,
                 today: date, labels: dict[int, str] | None = None) -> list[str]:
    """The subtree's rates, then only what needs attention: milestones with late units or due within a week
    (under their plan's label where several plans are active)."""
    _ = t.gettext
    lines = [_("🗓 <b>Weekly progress</b>: {unit}").format(unit=escape(root.name)), rates_line(t, rates)]
    attention = [p for p in progress
                 if p.late_units or (p.done < p.total and not p.is_due and (p.due_date - today).days <= 7)]
    groups = group_by_plan(attention, lambda p: p.plan_id, labels or {})
    grouped(lines, [(label, [digest_line(t, p) for p in group]) for label, group in groups])
    if not attention:
        lines.append(_("Nothing late, nothing due this week."))
    lines.append(_("Full report: /baocao"))
    return lines


def digest_line(t: Translator, p: MilestoneProgress) -> str:
    """One compact line per milestone (the late units are counted here; /tiendo and /baocao name them)."""
    _ = t.gettext
    marker = milestone_marker(p)  # the one status grid's marker, as /tiendo shows it
    line = (f"{marker} <b>{escape(p.code)}</b> {escape(short(p.title, 60))} · "
            + _("due {date}").format(date=t.short_date(p.due_date)) + " · "
            + _("{done}/{total} units ({pct})").format(done=p.done, total=p.total, pct=t.percent(p.ratio)))
    if p.late_units:
        n = len(p.late_units)
        line += " · " + t.ngettext("{n} unit late", "{n} units late", n).format(n=n)
    return line
