"""Confirming work: the ✅ button (done:<id>), /xong <milestone> [note] (a file with that caption is evidence),
↩️ undo (undo:<id>) within settings.undo_minutes, and a supervisor's accept / return (acc:<id>, ret:<id>).

A milestone code several plans have is asked about (handlers/choose.py); `PLAN:M03` names the plan at once.
Handlers answer the person who acted; whom it concerns (the supervisors above, the unit) is told by the notices
the services queue (bot/outbox.py), which the engine sends (handlers/notices.py says what they say).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from telegram import CallbackQuery, ForceReply, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.confirmations import (
    Outcome,
    Result,
    accept_assignment,
    confirm_assignment,
    return_assignment,
    returnable,
    undo_confirmation,
)
from bot.models import Assignment, AssignmentState, Milestone, Role, Unit
from bot.plan_views import milestone_choices, unit_assignment, view_labels
from bot.progress import get_item
from bot.reasons import MAX_REASON as MAX_REASON, clean_reason
from bot.timeutil import local_today
from bot.typed_dates import TypedDateError, looks_like_date, parse_typed_date
from bot.units import get_unit_by_code
from handlers.choose import choose_milestone
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import done_keyboard, item_buttons, parse_button, parse_number, undo_keyboard, without_button
from handlers.reasons import reason_refusal, unit_reason_command
from handlers.render import Actor, confirmed_card, item_card, qualified, short
from scheduler import assignments_changed, send_soon

if TYPE_CHECKING:
    from handlers.context import BotContext

log = logging.getLogger(__name__)

# The tag closing a return prompt (#tralai<assignment id>): a reply to that prompt is the reason.
RETURN_TAG = "tralai"
RETURN_PROMPT = re.compile(rf"#{RETURN_TAG}(\d+)\s*$")


def _refusal(req: Request, result: Result) -> str:
    _ = req.t.gettext
    return {
        Outcome.already: _("Already confirmed: nothing changed."),
        Outcome.not_allowed: _("Only the unit's secretary or a supervisor above it can do this."),
        Outcome.too_late: _("It is too late to undo this."),
        Outcome.wrong_state: _("Nothing to do: the item is not in that state."),
    }.get(result.outcome, not_found(req.t))


async def _card(req: Request, context: BotContext, result: Result) -> tuple[str, object]:
    """The message after an action: who did what when, and the buttons that still make sense."""
    assert result.assignment is not None and result.unit is not None
    item = await get_item(session=req.session, assignment_id=result.assignment.id,  # type: ignore[arg-type]
                          now=context.clock.now(), rules=context.services.rules)
    assert item is not None
    name = req.access.member.full_name if req.access.member else ""
    label = (await view_labels(session=req.session)).get(item.plan_id, "")
    if result.outcome in (Outcome.done, Outcome.reported, Outcome.accepted):
        text = confirmed_card(req.t, item, result.unit.name, Actor(name, context.clock.now()), context.settings.tz,
                              label)
        keyboard = undo_keyboard(req.t, item.assignment_id) if result.outcome != Outcome.accepted else None
        return text, keyboard
    return item_card(req.t, item, result.unit.name, label), done_keyboard(req.t, item.assignment_id)


async def _code_of(req: Request, milestone: Milestone) -> str:
    """The milestone's code as notices print it: with its plan's label where several plans are active."""
    return qualified(milestone.code, (await view_labels(session=req.session)).get(milestone.plan_id, ""))


async def _changed(req: Request, context: BotContext, assignment_id: int) -> None:
    """After a confirmation, undo, acceptance or return: the reminders follow, in the same transaction, which is
    then committed with the notices the service queued (bot/outbox.py); the engine is asked to send them now."""
    await assignments_changed(req.session, assignment_ids=[assignment_id], settings=context.settings,
                              clock=context.clock)
    await req.session.commit()
    send_soon(context.job_queue)


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = parse_button(query.data)
    if pressed is None or pressed.kind not in ("done", "undo", "acc", "ret", "dn"):
        await unknown_button(update, context)
        return
    kind, assignment_id = pressed.kind, pressed.numbers[0]
    # The /tiendo page pressed from: its view, its argument, its page.
    listed = (pressed.view, pressed.numbers[1], pressed.numbers[2]) if kind == "dn" else None
    kind = "done" if kind == "dn" else kind
    async with request(update, context) as req:
        if not req.access.registered:
            await query.answer(not_registered(req.t), show_alert=True)
            return
        now, _ = context.clock.now(), req.t.gettext
        if kind == "done":
            result = await confirm_assignment(session=req.session, actor=req.access, assignment_id=assignment_id,
                                              now=now)
        elif kind == "undo":
            result = await undo_confirmation(session=req.session, actor=req.access, assignment_id=assignment_id,
                                             now=now, undo_minutes=context.settings.undo_minutes)
        elif kind == "acc":
            result = await accept_assignment(session=req.session, actor=req.access, assignment_id=assignment_id,
                                             now=now)
        else:  # a return needs the supervisor's reason: ask for it as a command they can complete
            await _ask_return_reason(query, req, assignment_id)
            return
        if not result.changed:
            await query.answer(_refusal(req, result), show_alert=result.outcome != Outcome.already)
            return
        text, keyboard = await _card(req, context, result)
        await _changed(req, context, assignment_id)  # undone: the reminder ladder comes back; done: it stops
        await query.answer({Outcome.done: _("Confirmed."), Outcome.reported: _("Reported, awaiting acceptance."),
                            Outcome.undone: _("Undone."), Outcome.accepted: _("Accepted."),
                            Outcome.returned: _("Returned to the unit.")}[result.outcome])
        message = query.message
        markup = message.reply_markup if isinstance(message, Message) else None
        if listed is not None and await _rerender(query, req, context, *listed):
            await reply(update, text, reply_markup=keyboard)  # the card, with its undo button
        elif item_buttons(markup) > 1:
            # A list (a digest, a progress page): keep it and its other buttons; the card comes as a reply.
            await query.edit_message_reply_markup(without_button(markup, query.data or ""))
            await reply(update, text, reply_markup=keyboard)
        else:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[arg-type]


async def _rerender(query: CallbackQuery, req: Request, context: BotContext, view_kind: str, arg: int,
                    page: int) -> bool:
    """The /tiendo page the ✅ was pressed on, read again: the confirmed line shows its new state in place."""
    from handlers.progress import page_of, view_for  # handlers.progress renders lists; this module confirms

    view = await view_for(req, context, view_kind, arg)
    if view is None:
        return False
    text, keyboard, _page = page_of(view, page)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[arg-type]
    except TelegramError as error:  # the list is a convenience: the confirmation stands
        log.warning("could not re-render a list: %s", error)
    return True


async def _ask_return_reason(query: CallbackQuery, req: Request, assignment_id: int) -> None:
    found = await returnable(session=req.session, actor=req.access, assignment_id=assignment_id)
    if found.outcome != Outcome.loaded:
        await query.answer(_refusal(req, found), show_alert=True)
        return
    assert found.milestone is not None and found.unit is not None
    await query.answer()
    _ = req.t.gettext
    code = await _code_of(req, found.milestone)
    # The reply is matched by the prompt it answers: the tag carries the assignment (no state kept, survives
    # restarts); the return itself is checked again when the reason comes.
    text = (_("↩️ Returning {code} to {unit}. Reply to this message with the reason.").format(
        code=f"<b>{escape(code)}</b>", unit=f"<b>{escape(found.unit.short_name or found.unit.name)}</b>")
        + f"\n<i>#{RETURN_TAG}{assignment_id}</i>")
    await query.message.reply_text(  # type: ignore[union-attr]
        text, parse_mode=ParseMode.HTML,
        reply_markup=ForceReply(selective=True, input_field_placeholder=short(_("Reason for returning it"), 64)))


def _prompted_return(update: Update, context: BotContext) -> int | None:
    """The assignment a message answers a return prompt of, if it replies to one of the bot's prompts."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    found = RETURN_PROMPT.search(replied.text or "")
    return parse_number(found.group(1)) if found else None


async def reason_reply(update: Update, context: BotContext) -> bool:
    """A reply to the ↩️ prompt: its text is the reason, and the item goes back to the unit. False: not one."""
    assignment_id = _prompted_return(update, context)
    message = update.effective_message
    if assignment_id is None or message is None:
        return False
    reason = clean_reason(message.text or "")
    async with request(update, context) as req:
        _ = req.t.gettext
        if not req.access.registered:
            await reply(update, not_registered(req.t))
            return True
        refusal = reason_refusal(req.t, reason, missing=_("Please reply with the reason in words. Nothing changed."))
        if refusal is not None:
            await reply(update, refusal)
            return True
        result = await return_assignment(session=req.session, actor=req.access, assignment_id=assignment_id,
                                         now=context.clock.now(), reason=reason)
        await _returned(update, req, context, result)
    return True


async def _returned(update: Update, req: Request, context: BotContext, result: Result) -> None:
    """After a return (by /tralai or a reply to the prompt): said to the supervisor and to the unit."""
    _ = req.t.gettext
    if not result.changed:
        await reply(update, _refusal(req, result))
        return
    assert result.assignment is not None and result.milestone is not None and result.unit is not None
    await _changed(req, context, result.assignment.id)  # type: ignore[arg-type]  # reopened: reminders come back
    await reply(update, _("↩️ Returned {code} to {unit}.").format(
        code=f"<b>{escape(await _code_of(req, result.milestone))}</b>", unit=escape(result.unit.name)))


async def tralai(update: Update, context: BotContext) -> None:
    """/tralai <milestone code> <unit code> <reason>: a supervisor returns a reported item to the unit."""
    async with request(update, context) as req:
        read = await unit_reason_command(update, req, req.t.gettext("Usage: /tralai M16 HU-DIENBIEN reason for "
                                                                    "returning it"))
        if read is None:  # answered
            return
        code, unit, reason = read
        milestone = await _returned_milestone(update, req, code, unit, reason)
        if milestone is None:  # answered: not found, or which plan?
            return
        assignment = await unit_assignment(session=req.session, unit_ids=[unit.id], milestone_id=milestone.id)  # type: ignore[list-item,arg-type]
        if assignment is None:
            await reply(update, not_found(req.t))
            return
        result = await return_assignment(session=req.session, actor=req.access, assignment_id=assignment.id,  # type: ignore[arg-type]
                                         now=context.clock.now(), reason=reason)
        await _returned(update, req, context, result)


async def _returned_milestone(update: Update, req: Request, text: str, unit: Unit, reason: str) -> Milestone | None:
    """The milestone /tralai means: of the plans whose milestone this unit has, those where it waits for
    acceptance (what can be returned); failing that, any (so the refusal says why)."""
    states: dict[int, AssignmentState] = {}
    for milestone, _plan in await milestone_choices(session=req.session, text=text):
        assignment = await unit_assignment(session=req.session, unit_ids=[unit.id], milestone_id=milestone.id)  # type: ignore[arg-type,list-item]
        if assignment is not None:
            states[milestone.id] = assignment.state  # type: ignore[index]
    wanted = {m for m, state in states.items() if state == AssignmentState.reported} or set(states)

    async def allowed(milestone: Milestone) -> bool:
        return milestone.id in wanted

    return await choose_milestone(update, req, text, allowed=allowed, command=("/tralai", f"{unit.code} {reason}"))


def _evidence(update: Update) -> str | None:
    message = update.effective_message
    if message is None:
        return None
    if message.document is not None:
        return message.document.file_id
    if message.photo:
        return message.photo[-1].file_id
    return None


async def xong(update: Update, context: BotContext) -> None:
    """/xong <milestone code> [dd/mm/yyyy] [note], as text or as the caption of a document or photo (kept as
    evidence); a leading date is the day the work was done (the grid judges on time or late by it)."""
    message = update.effective_message
    assert message is not None
    words = (message.text or message.caption or "").split()[1:]
    async with request(update, context) as req:
        _ = req.t.gettext
        if not req.access.registered:
            await reply(update, not_registered(req.t))
            return
        if not words:
            await reply(update, _("Write the milestone code, e.g. /xong M05 minutes sent"))
            return
        unit_ids = [u.id for u in req.access.units_with(Role.secretary)]
        carried_rest, file_id = " ".join(words[1:]), _evidence(update)
        named = await get_unit_by_code(session=req.session, code=words[1]) if len(words) > 1 else None
        if named is not None:  # "/xong M03 HU-DIENBIEN note": for a unit, by a supervisor above it
            if not named.active or not req.access.can_confirm(named):
                await reply(update, not_found(req.t))
                return
            unit_ids, words = [named.id], [words[0], *words[2:]]
        rest = " ".join(words[1:])
        note, done_on = rest or None, None
        if len(words) > 1 and looks_like_date(words[1]):  # "/xong M03 25/9/2019 note": the day it was done
            try:
                done_on = parse_typed_date(words[1])
            except TypedDateError as error:
                await reply(update, escape(error.render(req.t)) + " " + _("Nothing changed."))
                return
            note = " ".join(words[2:]) or None

        async def allowed(milestone: Milestone) -> bool:
            return await unit_assignment(session=req.session, unit_ids=unit_ids, milestone_id=milestone.id) is not None  # type: ignore[arg-type]

        # A note, a date or a file cannot ride on a button: then the question names the command to send again.
        carried = ("/xong", carried_rest) if carried_rest or file_id else None
        milestone = await choose_milestone(update, req, words[0], action="xong", allowed=allowed, command=carried)
        if milestone is None:  # answered: not found, or which plan?
            return
        assignment = await unit_assignment(session=req.session, unit_ids=unit_ids, milestone_id=milestone.id)  # type: ignore[arg-type]
        assert assignment is not None
        now = context.clock.now()
        result = await confirm_assignment(session=req.session, actor=req.access, assignment_id=assignment.id,  # type: ignore[arg-type]
                                          now=now, note=note, file_id=file_id, done_on=done_on,
                                          today=local_today(now, context.settings.tz))
        if not result.changed:
            await reply(update, _done_on_refusal(req, result, done_on) or _refusal(req, result))
            return
        text, keyboard = await _card(req, context, result)
        await _changed(req, context, assignment.id)  # type: ignore[arg-type]
        if file_id:  # said at once: the file is kept, the supervisors can open it
            text += "\n" + _("📎 Evidence file received.")
        await reply(update, text, reply_markup=keyboard)


async def evidence_button(update: Update, context: BotContext) -> None:
    """ev:<assignment id> — sends the evidence file kept with a confirmation to whoever may see the unit."""
    query = update.callback_query
    assert query is not None
    pressed = parse_button(query.data)
    if pressed is None or pressed.kind != "ev":
        await unknown_button(update, context)
        return
    async with request(update, context) as req:
        assignment = await req.session.get(Assignment, pressed.numbers[0])
        unit = await req.session.get(Unit, assignment.unit_id) if assignment is not None else None
        if assignment is None or unit is None or not assignment.evidence_file_id or not req.access.can_view(unit):
            await query.answer(not_found(req.t), show_alert=True)
            return
        await query.answer()
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        try:
            await context.bot.send_document(chat, assignment.evidence_file_id)
        except TelegramError:  # a photo's id is not a document's
            await context.bot.send_photo(chat, assignment.evidence_file_id)


def _done_on_refusal(req: Request, result: Result, done_on: date | None) -> str | None:
    """Why the day given as when it was done was refused (None: it was not the reason)."""
    _, t = req.t.gettext, req.t
    if done_on is None or result.milestone is None:
        return None
    if result.outcome == Outcome.future_date:
        return _("The day it was done ({date}) has not come yet. Nothing changed.").format(date=t.short_date(done_on))
    if result.outcome == Outcome.before_start and result.milestone.start_date is not None:
        return _("The day it was done ({date}) is before the item started ({start}). Nothing changed.").format(
            date=t.short_date(done_on), start=t.short_date(result.milestone.start_date))
    return None


async def confirm_picked(update: Update, context: BotContext, req: Request, milestone: Milestone) -> None:
    """pick:xong:<milestone id> — `/xong M03` (nothing else with it) asked which plan; this is the answer:
    confirms the caller's unit's item of that plan, and the question becomes the item's card."""
    query = update.callback_query
    assert query is not None
    unit_ids = [u.id for u in req.access.units_with(Role.secretary)]
    assignment = await unit_assignment(session=req.session, unit_ids=unit_ids, milestone_id=milestone.id)  # type: ignore[arg-type]
    if assignment is None:
        await query.answer(not_found(req.t), show_alert=True)
        return
    result = await confirm_assignment(session=req.session, actor=req.access, assignment_id=assignment.id,  # type: ignore[arg-type]
                                      now=context.clock.now())
    if not result.changed:
        await query.answer(_refusal(req, result), show_alert=result.outcome != Outcome.already)
        return
    text, keyboard = await _card(req, context, result)
    await _changed(req, context, assignment.id)  # type: ignore[arg-type]
    _ = req.t.gettext
    await query.answer(_("Reported, awaiting acceptance.") if result.outcome == Outcome.reported else _("Confirmed."))
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[arg-type]
