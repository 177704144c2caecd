"""Plan intake in chat: an admin sends a plan document (.txt/.docx/.pdf) and gets a draft plan file back, with
a summary and 📥 Nhập (imp:<token>) / ✖️ Huỷ (imp-no:<token>); a corrected .yaml sent back is checked the same way.

The pending file is kept in the database (bot/intake/pending.py), keyed by a random token, so a press after a
restart, or handled by another bot process, still works; the admin who sent it is the only one whose press
counts.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType

from bot.i18n import Translator
from bot.db import session_scope
from bot.intake import draft_document
from bot.intake.pending import drop_draft, find_draft, keep_draft
from bot.intake.readers import SUPPORTED, ReadError
from bot.intake.sources import from_database
from bot.plans.importer import ImportRefused, run_import
from bot.plans.rendering import render_report
from bot.plans.validate import PlanCheck, check_plan_text
from handlers.common import reply, request
from handlers.keyboards import callback, parse_callback
from scheduler import replan_after_import

if TYPE_CHECKING:
    from bot.app import BotContext

log = logging.getLogger(__name__)
PLAN_SUFFIXES = (".yaml", ".yml")
SHOWN_ITEMS = 5
SHOWN_PROBLEMS = 25
MAX_BYTES = 10 * 1024 * 1024


async def _keep(context: BotContext, admin_id: int, name: str, plan_text: str) -> str:
    # Committed before the buttons are shown: a press may come at once, to another process.
    async with session_scope(context.session_factory) as session:
        return await keep_draft(session=session, admin_id=admin_id, file_name=name, plan_text=plan_text,
                                now=context.clock.now())


def _keyboard(t: Translator, token: str) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(_("📥 Import"), callback_data=callback("imp", token)),
        InlineKeyboardButton(_("✖️ Cancel"), callback_data=callback("imp-no", token)),
    ]])


def _problems(check: PlanCheck | ImportRefused, t: Translator) -> str:
    lines = check.render(t)
    shown = [escape(line) for line in lines[:SHOWN_PROBLEMS]]
    if len(lines) > SHOWN_PROBLEMS:
        shown.append(escape(t("… and {count} more")).format(count=len(lines) - SHOWN_PROBLEMS))
    return "\n".join(shown)


async def document(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.document is None or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    name = message.document.file_name or "document"
    suffix = Path(name).suffix.lower()
    async with request(update, context) as req:
        _ = req.t.gettext
        if not req.access.is_admin:
            await reply(update, _("Thank you. Only administrators can send plan documents; to report work done, "
                                  "send the file with the caption /xong followed by the milestone code."))
            return
        if suffix not in (*SUPPORTED, *PLAN_SUFFIXES):
            await reply(update, _("I can read plan documents in .txt, .docx or .pdf, and plan files in .yaml."))
            return
        if (message.document.file_size or 0) > MAX_BYTES:
            await reply(update, _("The file is too large (at most 10 MB)."))
            return
        telegram_file = await context.bot.get_file(message.document.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
        if suffix in PLAN_SUFFIXES:
            await _plan_file(update, context, req.t, data, name)
            return
        try:
            source = await from_database(req.session)
            result = draft_document(data, name, source)
        except ReadError as error:
            await reply(update, escape(str(error)))
            return
    token = await _keep(context, req.access.telegram_user_id, name, result.yaml)
    await reply(update, _summary(result.draft, name, req.t), reply_markup=_keyboard(req.t, token))
    await message.reply_document(InputFile(result.yaml.encode("utf-8"), filename=f"{Path(name).stem}.draft.yaml"),
                                 caption=_("Draft plan file: check it, fix the review: notes, and send it back."))


def _summary(draft, name: str, t: Translator) -> str:  # type: ignore[no-untyped-def]
    _ = t.gettext
    phases = {phase.code: phase for phase in draft.phases}
    lines = [_("📄 Draft from {name}: {count} milestones.").format(name=f"<b>{escape(name)}</b>",
                                                                     count=len(draft.milestones))]
    for milestone in draft.milestones[:SHOWN_ITEMS]:
        due = milestone.due or (phases[milestone.phase].end if milestone.phase in phases else None)
        when = t.date(due) if due else "?"
        units = ", ".join(r.selector if isinstance(r.selector, str) else r.selector[1] for r in milestone.units) or "?"
        lines.append(f"• <b>{milestone.code}</b> {escape(milestone.title)} — {escape(when)} — {escape(units)}")
    if len(draft.milestones) > SHOWN_ITEMS:
        lines.append(_("… and {count} more").format(count=len(draft.milestones) - SHOWN_ITEMS))
    review = draft.unresolved
    if review:
        lines.append("")
        lines.append(_("⚠️ {count} milestones need review (units not found or dates wrong):").format(count=len(review)))
        for milestone in review[:10]:
            lines.append(f"• <b>{milestone.code}</b> {escape('; '.join(milestone.review))}")
        if len(review) > 10:
            lines.append(_("… and {count} more").format(count=len(review) - 10))
        lines.append(_("Import is refused until they are fixed: edit the draft file and send it back."))
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3990] + "…"


async def _plan_file(update: Update, context: BotContext, t: Translator, data: bytes, name: str) -> None:
    _ = t.gettext
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        await reply(update, _("The file is not UTF-8 text."))
        return
    check = check_plan_text(text, filename=name)
    if check.plan is None:
        await reply(update, _("The plan file has errors; nothing can be imported:") + "\n" + _problems(check, t))
        return
    actor = f"telegram:{update.effective_user.id}"  # type: ignore[union-attr]
    try:
        report = await run_import(session_factory=context.session_factory, plan=check.plan, now=context.clock.now(),
                                  actor=actor, dry_run=True)
    except ImportRefused as refused:  # another plan's milestone codes: refused before the admin presses 📥
        await reply(update, _("The plan file has errors; nothing can be imported:") + "\n" + _problems(refused, t))
        return
    token = await _keep(context, update.effective_user.id, name, text)  # type: ignore[union-attr]
    warnings = "\n" + _problems(check, t) if check.problems else ""
    body = escape(render_report(report, t))
    if len(body) > 3500:
        body = body[:3500] + "…"
    await reply(update, f"{body}{warnings}", reply_markup=_keyboard(t, token))


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    kind, args = parse_callback(query.data)
    async with request(update, context) as req:
        _ = req.t.gettext
        pending = await find_draft(session=req.session, token=args[0], now=context.clock.now()) if args else None
        if pending is None:
            await query.answer(_("This draft is no longer pending."), show_alert=True)
            return
        if not req.access.is_admin or pending.admin_telegram_id != req.access.telegram_user_id:
            await query.answer(_("Only the administrator who sent this draft can do this."), show_alert=True)
            return
        check = check_plan_text(pending.plan_text, filename=pending.file_name or "draft.yaml")
        if kind == "imp" and check.plan is None:
            await query.answer()
            await reply(update, _("Import refused: fix these problems in the file and send it back as .yaml:") + "\n"
                        + _problems(check, req.t))
            return
        # Taken by deleting it: of two presses (perhaps in two processes) only one goes on.
        if not await drop_draft(session=req.session, token=args[0]):
            await query.answer(_("This draft is no longer pending."), show_alert=True)
            return
    await query.answer()
    await query.edit_message_reply_markup(None)
    if kind == "imp-no":
        await reply(update, _("Cancelled: nothing was imported."))
        return
    assert check.plan is not None
    try:
        report = await run_import(session_factory=context.session_factory, plan=check.plan, now=context.clock.now(),
                                  actor=f"telegram:{req.access.telegram_user_id}",
                                  after=replan_after_import(settings=context.settings, clock=context.clock))
    except ImportRefused as refused:
        await reply(update, _("Import refused: fix these problems in the file and send it back as .yaml:") + "\n"
                    + _problems(refused, req.t))
        return
    body = escape(render_report(report, req.t))
    await reply(update, body if len(body) <= 4000 else body[:3990] + "…")
