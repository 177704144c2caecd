"""Asking for more time ("xin gia hạn") and deciding it, in chat.

* 🕒 under an open item (ext:<assignment id>) asks the secretary for the rest as a command to complete:
  `/giahan M03 30/06/2020 lý do` (a plan code first where several plans have M03: `/giahan DB-BC-2020:M03 …`).
* The supervisors above the unit (bot.extensions.deciders) get one message with ✔️ (exa:<extension id>) and
  ✖️ (exd:<extension id>); ✖️ asks for the reason as a command to complete, `/tuchoi M03 HU-DIENBIEN lý do`,
  like ↩️ Return does (handlers/confirm.py).
* Approving moves the unit's due date and re-plans its reminders; the secretaries are told either way, and the
  other supervisors' copies of the request show the decision (bot/extensions.py queues those messages; the
  engine sends them: handlers/notices.py says what they say).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode

from bot.extensions import (
    MAX_REASON,
    Outcome,
    Result,
    approve_extension,
    decline_extension,
    may_ask,
    may_decide,
    pending_for_unit,
    request_extension,
)
from bot.i18n import Translator
from bot.models import Extension, ExtensionStatus, Milestone, Plan, Role, Unit
from bot.plan_views import unit_assignment, view_labels
from bot.reasons import clean_reason
from bot.timeutil import local_today
from bot.typed_dates import TypedDateError, parse_typed_date
from handlers.choose import choose_milestone
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import parse_button
from handlers.reasons import reason_refusal, unit_reason_command
from handlers.render import qualified, short
from scheduler import assignments_changed, send_soon

if TYPE_CHECKING:
    from handlers.context import BotContext

def _refusal(t: Translator, result: Result, *, deciding: bool = False) -> str:
    _ = t.gettext
    if result.outcome == Outcome.pending and result.extension is not None:
        return _("A request for more time on this item (to {date}) is already waiting for a decision.").format(
            date=t.short_date(result.extension.new_date))
    if result.outcome == Outcome.not_later and result.assignment is not None:
        return _("The new date must be after the current due date ({date}). Nothing changed.").format(
            date=t.short_date(result.due_date))
    return {
        Outcome.not_allowed: (_("Only a supervisor above the unit can decide this.") if deciding
                              else _("Only the unit's secretary can ask for more time.")),
        Outcome.own_request: _("You cannot decide your own request."),
        Outcome.not_open: _("This item is not open any more: there is no deadline to move."),
        Outcome.decided: _("This request has already been decided."),
        Outcome.past: _("The new date has already passed. Nothing changed."),
        Outcome.out_of_range: _("The new date is outside the years a plan may use. Nothing changed."),
        Outcome.no_reason: _("Please write the reason after the date. Nothing changed."),
        Outcome.reason_too_long: _("The reason is too long: at most {limit} characters. Nothing changed.").format(
            limit=MAX_REASON),
    }.get(result.outcome, not_found(t))


async def _command_code(req: Request, milestone: Milestone) -> str:
    """The milestone's code as a command should carry it: with its plan's code where several plans are active."""
    if await view_labels(session=req.session):
        plan = await req.session.get(Plan, milestone.plan_id)
        return f"{plan.code}:{milestone.code}" if plan is not None else milestone.code
    return milestone.code


async def _shown_code(req: Request, milestone: Milestone) -> str:
    return qualified(milestone.code, (await view_labels(session=req.session)).get(milestone.plan_id, ""))


# --- the secretary asks ------------------------------------------------------------------------------------------

async def _ask_for_date(query: CallbackQuery, req: Request, context: BotContext, assignment_id: int) -> None:
    found = await may_ask(session=req.session, actor=req.access, assignment_id=assignment_id)
    if found.outcome != Outcome.may_ask:
        await query.answer(_refusal(req.t, found), show_alert=True)
        return
    assert found.milestone is not None
    await query.answer()
    _ = req.t.gettext
    command = f"/giahan {await _command_code(req, found.milestone)} "
    text = (_("🕒 {code} is due {date}. Send the new date and the reason, starting with:").format(
        code=f"<b>{escape(await _shown_code(req, found.milestone))}</b>", date=req.t.short_date(found.due_date))
        + f"\n<code>{escape(command)}</code>" + escape(_("day/month/year reason")))
    await query.message.reply_text(text, parse_mode=ParseMode.HTML)  # type: ignore[union-attr]


async def giahan(update: Update, context: BotContext) -> None:
    """/giahan <milestone code> <dd/mm/yyyy> <reason>: the unit's secretary asks for more time."""
    message = update.effective_message
    assert message is not None
    words = (message.text or "").split()[1:]
    async with request(update, context) as req:
        _ = req.t.gettext
        if not req.access.registered:
            await reply(update, not_registered(req.t))
            return
        if len(words) < 2:
            await reply(update, _("Usage: /giahan M03 30/06/2020 reason for the extension"))
            return
        try:
            new_date = parse_typed_date(words[1])
        except TypedDateError as error:
            await reply(update, escape(error.render(req.t)) + " " + _("Nothing changed."))
            return
        reason = clean_reason(" ".join(words[2:]))
        refusal = reason_refusal(req.t, reason, missing=_("Please write the reason after the date. Nothing changed."))
        if refusal is not None:
            await reply(update, refusal)
            return
        unit_ids = [u.id for u in req.access.units_with(Role.secretary)]

        async def allowed(milestone: Milestone) -> bool:
            return await unit_assignment(session=req.session, unit_ids=unit_ids, milestone_id=milestone.id) is not None  # type: ignore[arg-type]

        milestone = await choose_milestone(update, req, words[0], allowed=allowed,
                                           command=("/giahan", " ".join(words[1:])))
        if milestone is None:  # answered: not found, or which plan?
            return
        assignment = await unit_assignment(session=req.session, unit_ids=unit_ids, milestone_id=milestone.id)  # type: ignore[arg-type]
        assert assignment is not None
        now = context.clock.now()
        result = await request_extension(session=req.session, actor=req.access, assignment_id=assignment.id,  # type: ignore[arg-type]
                                         new_date=new_date, reason=reason, now=now,
                                         today=local_today(now, context.settings.tz))
        if result.outcome != Outcome.requested:
            await reply(update, _refusal(req.t, result))
            return
        await req.session.commit()  # the request and the supervisors' copies of it
        send_soon(context.job_queue)
        code = f"<b>{escape(await _shown_code(req, milestone))}</b>"
        answer = _("🕒 Request sent: {code} to {date}. The supervisors above your unit will decide.").format(
            code=code, date=req.t.short_date(new_date))
        if not result.told:
            answer += "\n" + _("No supervisor above your unit uses the bot yet: please tell them yourself.")
        await reply(update, answer)


def request_text(t: Translator, unit: Unit, extension: Extension, code: str) -> str:
    """The request as the supervisors above read it (`code`: the milestone's, as HTML)."""
    _ = t.gettext
    # Each template is filled once: the reason is the secretary's text, never a template itself.
    return (_("🕒 {unit} asks for more time on {code}: from {old} to {new}.").format(
        unit=f"<b>{escape(unit.name)}</b>", code=code, old=t.short_date(extension.old_date),
        new=t.short_date(extension.new_date))
        + "\n" + _("Reason: {reason}").format(reason=escape(short(extension.reason, MAX_REASON))))


def decision_line(t: Translator, extension: Extension, name: str, tz: ZoneInfo) -> str:
    """Who decided a request and when, under it."""
    _ = t.gettext
    decided = _("✔️ Approved by {name} at {when}.") if extension.status == ExtensionStatus.approved else _(
        "✖️ Declined by {name} at {when}.")
    when = t.datetime(extension.decided_at, tz) if extension.decided_at else ""
    return decided.format(name=escape(name), when=when)


# --- a supervisor decides ----------------------------------------------------------------------------------------

async def button(update: Update, context: BotContext) -> None:
    """ext:<assignment id> (ask), exa:<extension id> (approve), exd:<extension id> (decline: asks why)."""
    query = update.callback_query
    assert query is not None
    pressed = parse_button(query.data)
    if pressed is None or pressed.kind not in ("ext", "exa", "exd"):
        await unknown_button(update, context)
        return
    kind, number = pressed.kind, pressed.numbers[0]
    async with request(update, context) as req:
        if not req.access.registered:
            await query.answer(not_registered(req.t), show_alert=True)
            return
        if kind == "ext":
            await _ask_for_date(query, req, context, number)
        elif kind == "exd":
            await _ask_decline_reason(query, req, number)
        else:
            await _approve(query, req, context, number)


async def _approve(query: CallbackQuery, req: Request, context: BotContext, extension_id: int) -> None:
    now, _ = context.clock.now(), req.t.gettext
    result = await approve_extension(session=req.session, actor=req.access, extension_id=extension_id, now=now)
    if result.outcome != Outcome.approved:
        await query.answer(_refusal(req.t, result, deciding=True), show_alert=True)
        return
    assert result.assignment is not None and result.milestone is not None and result.extension is not None
    # The old date's pending reminders are cancelled, the new date's ladder planned, in this transaction.
    await assignments_changed(req.session, assignment_ids=[result.assignment.id],  # type: ignore[list-item]
                              settings=context.settings, clock=context.clock)
    await req.session.commit()
    send_soon(context.job_queue)  # the unit's answer, the other supervisors' copies edited
    await query.answer(_("Approved."))
    name = req.access.member.full_name if req.access.member else ""
    if isinstance(query.message, Message):  # the pressed copy: edited here, as the reply to the press
        done = decision_line(req.t, result.extension, name, context.settings.tz)
        await query.edit_message_text(query.message.text_html + "\n" + done, parse_mode=ParseMode.HTML)


async def _ask_decline_reason(query: CallbackQuery, req: Request, extension_id: int) -> None:
    found = await may_decide(session=req.session, actor=req.access, extension_id=extension_id)
    if found.outcome != Outcome.may_decide:
        await query.answer(_refusal(req.t, found, deciding=True), show_alert=True)
        return
    assert found.milestone is not None and found.unit is not None
    await query.answer()
    command = f"/tuchoi {await _command_code(req, found.milestone)} {found.unit.code} "
    await query.message.reply_text(  # type: ignore[union-attr]
        req.t.gettext("Send the reason for declining, starting with:") + f"\n<code>{escape(command)}</code>…",
        parse_mode=ParseMode.HTML)


async def tuchoi(update: Update, context: BotContext) -> None:
    """/tuchoi <milestone code> <unit code> <reason>: a supervisor declines the unit's request for more time."""
    async with request(update, context) as req:
        _ = req.t.gettext
        read = await unit_reason_command(update, req, _("Usage: /tuchoi M03 HU-DIENBIEN reason for declining"))
        if read is None:  # answered
            return
        code, unit, reason = read

        async def allowed(milestone: Milestone) -> bool:  # the plans where this unit has a request waiting
            return await pending_for_unit(session=req.session, unit_id=unit.id, milestone_id=milestone.id) is not None  # type: ignore[arg-type]

        milestone = await choose_milestone(update, req, code, allowed=allowed,
                                           command=("/tuchoi", f"{unit.code} {reason}"))
        if milestone is None:  # answered: no request waiting (not found), or which plan?
            return
        waiting = await pending_for_unit(session=req.session, unit_id=unit.id, milestone_id=milestone.id)  # type: ignore[arg-type]
        assert waiting is not None
        result = await decline_extension(session=req.session, actor=req.access, extension_id=waiting.id,  # type: ignore[arg-type]
                                         reason=reason, now=context.clock.now())
        if result.outcome != Outcome.declined:
            await reply(update, _refusal(req.t, result, deciding=True))
            return
        await req.session.commit()  # the decision, the unit's answer, the other supervisors' copies edited
        send_soon(context.job_queue)
        code = f"<b>{escape(await _shown_code(req, milestone))}</b>"
        await reply(update, _("✖️ Declined {unit}'s request for more time on {code}.").format(
            unit=escape(unit.name), code=code))
