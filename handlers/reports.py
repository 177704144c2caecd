"""/baocao (a supervisor's Excel report and chart), /lich (a unit's calendar file), 📣 urging late units."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING

from telegram import InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.access import supervised_roots
from bot.i18n import Translator, translator
from bot.models import Role, Unit
from bot.progress import Item, MilestoneProgress, Rates, rates_of
from bot.reports.calendar import calendar_bytes, calendar_filename
from bot.reports.chart import chart_png
from bot.reports.data import calendar_entries, gather_report, subtree_calendar_entries
from bot.reports.workbook import report_filename, workbook_bytes
from bot.units import get_unit_by_code
from bot.urging import UrgePlan, cooldown_from, urge_late_units
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import done_keyboard, parse_button
from handlers.render import days_text, paginate, rates_line, short

if TYPE_CHECKING:
    from bot.app import BotContext

log = logging.getLogger(__name__)

MAX_REPORTS = 3  # one workbook per supervised subtree, at most this many per command
SHOWN_UNITS = 20  # units named per line of the urge summary (20 codes of 64 characters fit a message): the rest counted


def _refuse_report(req: Request) -> str:
    _ = req.t.gettext
    return _("Reports are for supervisors. Use /tiendo to see your unit's progress, or /lich for its calendar.")


async def _report_roots(req: Request, code: str | None) -> list[Unit] | None:
    """The subtrees to report on: the one asked for (if supervised), else every supervised root."""
    if code:
        unit = await get_unit_by_code(session=req.session, code=code)
        if unit is None or not (req.access.is_admin or req.access.supervises(unit)):
            return None
        return [unit]
    return await supervised_roots(session=req.session, access=req.access)


async def baocao(update: Update, context: BotContext) -> None:
    message = update.effective_message
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await reply(update, not_registered(req.t))
            return
        roots = await _report_roots(req, context.args[0] if context.args else None)
        if roots is None:
            await reply(update, not_found(req.t))
            return
        if not roots:
            await reply(update, _refuse_report(req))
            return
        now, rules, tz = context.clock.now(), context.services.rules, context.settings.tz
        reports = [await gather_report(session=req.session, root=root, now=now, rules=rules)
                   for root in roots[:MAX_REPORTS]]
    if message is None:
        return
    _ = req.t.gettext
    for data in reports:
        await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
        # openpyxl and matplotlib are CPU work: off the event loop.
        workbook = await asyncio.to_thread(workbook_bytes, data, req.t, tz)
        png = await asyncio.to_thread(chart_png, data, req.t)
        caption = (f"📊 <b>{escape(data.root.name)}</b>\n" + rates_line(req.t, data.rates))
        await message.reply_document(InputFile(workbook, filename=report_filename(data, tz)), caption=caption,
                                     parse_mode=ParseMode.HTML)
        await message.reply_photo(png, caption=_("Progress chart: {unit}").format(unit=data.root.name))


async def lich(update: Update, context: BotContext) -> None:
    message = update.effective_message
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await reply(update, not_registered(req.t))
            return
        now, rules, settings = context.clock.now(), context.services.rules, context.settings
        if context.args:
            unit = await get_unit_by_code(session=req.session, code=context.args[0])
            if unit is None or not req.access.can_view(unit):
                await reply(update, not_found(req.t))
                return
            units, subtree = [unit], False
        else:
            units, subtree = req.access.units_with(Role.secretary), False
            if not units:
                units, subtree = await supervised_roots(session=req.session, access=req.access), True
        if not units:
            await reply(update, not_found(req.t))
            return
        files = []
        for unit in units[:MAX_REPORTS]:
            if subtree:
                entries = await subtree_calendar_entries(session=req.session, root=unit, now=now, rules=rules)
            else:
                entries = await calendar_entries(session=req.session, units=[unit], now=now, rules=rules)
            content = calendar_bytes(entries, req.t, tz=settings.tz, now=now, name=unit.name,
                                     workday_end_text=settings.workday_end.strftime("%H:%M"),
                                     alarm_hour=settings.reminder_hour)
            files.append((unit, len(entries), content))
    if message is None:
        return
    _ = req.t.gettext
    for unit, count, content in files:
        caption = (req.t.ngettext("📅 {unit}: {n} milestone", "📅 {unit}: {n} milestones", count)
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
        roots = await supervised_roots(session=req.session, access=req.access) if (req.access.registered or req.access.is_admin) else []
        if not roots:
            await query.answer(not_found(req.t), show_alert=True)
            return
        now, cooldown = context.clock.now(), cooldown_from(context.settings)
        plan = await urge_late_units(session=req.session, actor=req.access, roots=roots, milestone_id=milestone_id,
                                     now=now, rules=context.services.rules, cooldown=cooldown)
        if plan is None:
            await query.answer(not_found(req.t), show_alert=True)
            return
        await req.session.commit()  # logged before sending: a second press finds the events
        urger = req.access.member.full_name if req.access.member else ""
    units_reached, people = 0, 0
    for target in plan.targets:
        reached = False
        for member in target.recipients:
            t = translator(member.language)
            text = urge_text(t, urger, target.item)
            try:
                await context.bot.send_message(member.chat_id, text, parse_mode=ParseMode.HTML,
                                               reply_markup=done_keyboard(t, target.item.assignment_id))
            except TelegramError as error:  # one unreachable secretary must not stop the others
                log.warning("could not urge member %s: %s", member.id, error)
                continue
            reached, people = True, people + 1
        units_reached += reached
    lines = urge_summary(req.t, plan, units_reached=units_reached, people=people, cooldown=cooldown)
    try:
        await query.answer(short(lines[0], 190))
    except BadRequest as error:  # the sends outlived the press ("query is too old"): the summary still goes out
        log.warning("could not answer the urge button: %s", error)
    if query.message is not None:
        await query.message.reply_text(escape("\n".join(lines)), parse_mode=ParseMode.HTML)  # type: ignore[attr-defined]


def unit_codes(t: Translator, items: list[Item]) -> str:
    """The first SHOWN_UNITS units' codes, then how many more: one line, however many units are late."""
    codes = ", ".join(item.unit_code for item in items[:SHOWN_UNITS])
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


def urge_text(t, urger: str, item) -> str:  # type: ignore[no-untyped-def]
    _ = t.gettext
    return "\n".join([
        _("📣 <b>Reminder from {name}</b>: {unit} has not completed {code}.").format(
            name=escape(urger or _("your supervisor")), unit=f"<b>{escape(item.unit_code)}</b>",
            code=f"<b>{escape(item.milestone_code)}</b>"),
        escape(short(item.title, 300)),
        _("due {date}").format(date=t.date(item.due_date)) + " · " + days_text(t, item),
        _("Please complete it and report back with the ✅ button."),
    ])


# -- the weekly digest (bot/digest.py decides who and when; this renders and sends) ------------------------

DIGEST_JOB = "reports:weekly-digest"


def digest_lines(t, root: Unit, progress: list[MilestoneProgress], rates: Rates,  # type: ignore[no-untyped-def]
                 today: date) -> list[str]:
    """The subtree's rates, then only what needs attention: milestones with late units or due within a week."""
    _ = t.gettext
    lines = [_("🗓 <b>Weekly progress</b>: {unit}").format(unit=escape(root.name)), rates_line(t, rates)]
    attention = [p for p in progress
                 if p.late_units or (p.done < p.total and not p.is_due and (p.due_date - today).days <= 7)]
    lines += [digest_line(t, p) for p in attention] or [_("Nothing late, nothing due this week.")]
    lines.append(_("Full report: /baocao"))
    return lines


def digest_line(t, p: MilestoneProgress) -> str:  # type: ignore[no-untyped-def]
    """One compact line per milestone (the late units are counted here; /tiendo and /baocao name them)."""
    _ = t.gettext
    marker = "🔴" if p.late_units else "🟠"
    line = (f"{marker} <b>{escape(p.code)}</b> {escape(short(p.title, 60))} · "
            + _("due {date}").format(date=t.short_date(p.due_date)) + " · "
            + _("{done}/{total} units ({pct})").format(done=p.done, total=p.total, pct=t.percent(p.ratio)))
    if p.late_units:
        n = len(p.late_units)
        line += " · " + t.ngettext("{n} unit late", "{n} units late", n).format(n=n)
    return line


async def send_weekly_digests(context: BotContext) -> int:
    """One sweep: claims this week's unsent digests (logged first), then sends them. Returns how many went out."""
    from bot.digest import claim_digests
    from bot.progress import subtree_progress

    services = context.services
    now, rules, settings = services.clock.now(), services.rules, services.settings
    messages: list[tuple[int, list[str]]] = []
    async with services.session_factory() as session:
        claimed = await claim_digests(session=session, now=now, tz=settings.tz, quiet_from=settings.quiet_from)
        for due in claimed:
            t = translator(due.member.language)
            pages: list[str] = []
            for root in due.roots:
                progress = await subtree_progress(session=session, root=root, now=now, rules=rules)
                pages += paginate(digest_lines(t, root, progress, rates_of(progress),
                                               now.astimezone(settings.tz).date()))
            messages.append((due.member.chat_id, pages))
        await session.commit()
    sent = 0
    for chat_id, pages in messages:
        try:
            for page in pages:
                await context.bot.send_message(chat_id, page, parse_mode=ParseMode.HTML)
            sent += 1
        except TelegramError as error:
            log.warning("weekly digest to chat %s failed: %s", chat_id, error)
    if sent:
        log.info("weekly digest: %s sent", sent)
    return sent


async def _digest_tick(context: BotContext) -> None:
    try:
        await send_weekly_digests(context)
    except Exception:  # the next sweep retries
        log.exception("weekly digest sweep failed")


def start_weekly_digest(application) -> None:  # type: ignore[no-untyped-def]
    """Registers the digest sweep on the JobQueue (a trigger only: the event log decides what is sent)."""
    if application.job_queue is None:
        return
    seconds = application.bot_data["services"].settings.digest_sweep_seconds
    application.job_queue.run_repeating(_digest_tick, interval=seconds, first=1, name=DIGEST_JOB,
                                        job_kwargs={"misfire_grace_time": None, "coalesce": True,
                                                    "max_instances": 1})
