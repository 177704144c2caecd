"""Plan intake in chat: an admin sends a plan document (.txt/.docx/.pdf) and gets a draft plan file back, with
a summary and 📥 Nhập (imp:<token>) / ✖️ Hủy (imp-no:<token>); a corrected .yaml sent back is checked the same way.

The pending file is kept in the database (bot/intake/pending.py), keyed by a random token, so a press after a
restart, or handled by another bot process, still works; the admin who sent it is the only one whose press
counts. 📥 takes it in the import's own transaction: an import that fails leaves it there, and says why.
"""

from __future__ import annotations

import asyncio
import logging
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType

from bot.db import session_scope
from bot.i18n import Translator
from bot.intake.limits import MAX_FILE_BYTES, MB
from bot.intake.pending import DraftTaken, drop_draft, find_draft, import_draft, keep_draft
from bot.intake.readers import SUPPORTED, ReadError
from bot.intake.upload import draft_upload
from bot.plans.importer import ImportRefused, run_import
from bot.plans.rendering import render_report
from bot.plans.standing import standing_units
from bot.plans.validate import PlanCheck, check_plan_text
from handlers.common import reply, request
from handlers.intake_texts import fitted, import_failed_text, plain_lines, problems_text, summary_text
from handlers.keyboards import callback, parse_callback
from scheduler import replan_after_import

if TYPE_CHECKING:
    from bot.app import BotContext

log = logging.getLogger(__name__)
PLAN_SUFFIXES = (".yaml", ".yml")


def _keyboard(t: Translator, token: str) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(_("📥 Import"), callback_data=callback("imp", token)),
        InlineKeyboardButton(_("✖️ Cancel"), callback_data=callback("imp-no", token)),
    ]])


async def document(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.document is None or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    name = message.document.file_name or "document"
    suffix = Path(name).suffix.lower()
    async with request(update, context) as req:
        t, admin_id = req.t, req.access.telegram_user_id
        _ = t.gettext
        if not req.access.is_admin:
            await reply(update, _("Thank you. Only administrators can send plan documents; to report work done, "
                                  "send the file with the caption /xong followed by the milestone code."))
            return
    if suffix not in (*SUPPORTED, *PLAN_SUFFIXES):
        await reply(update, _("I can read plan documents in .txt, .docx or .pdf, and plan files in .yaml."))
        return
    if (message.document.file_size or 0) > MAX_FILE_BYTES:  # refused before it is even downloaded
        await reply(update, _("The file is too large (at most {size} MB).").format(size=MAX_FILE_BYTES // MB))
        return
    telegram_file = await context.bot.get_file(message.document.file_id)
    data = bytes(await telegram_file.download_as_bytearray())
    if suffix in PLAN_SUFFIXES:
        await _plan_file(update, context, t, data, name)
        return
    try:
        upload = await draft_upload(session_factory=context.session_factory, data=data, name=name,
                                    admin_id=admin_id, now=context.clock.now())
    except ReadError as error:
        await reply(update, fitted(plain_lines([error.render(t)]), t))
        return
    try:
        await reply(update, summary_text(upload.result.draft, name, t), reply_markup=_keyboard(t, upload.token))
    finally:  # the file is what the admin works on: it goes out even if the summary did not
        await message.reply_document(InputFile(upload.result.yaml.encode("utf-8"),
                                               filename=f"{Path(name).stem}.draft.yaml"),
                                     caption=_("Draft plan file: check it, fix the review: notes, and send it back."))


async def _check(context: BotContext, text: str, name: str) -> PlanCheck:
    """Checks a plan file against the stored unit tree, which it may name without a `units:` section."""
    async with session_scope(context.session_factory) as session:
        known = await standing_units(session)
    return await asyncio.to_thread(check_plan_text, text, filename=name, known=known)  # a big plan takes seconds


async def _plan_file(update: Update, context: BotContext, t: Translator, data: bytes, name: str) -> None:
    _ = t.gettext
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        await reply(update, _("The file is not UTF-8 text."))
        return
    check = await _check(context, text, name)
    if check.plan is None:
        await reply(update, problems_text(_("The plan file has errors; nothing can be imported:"), check.render(t), t))
        return
    actor = f"telegram:{update.effective_user.id}"  # type: ignore[union-attr]
    try:
        report = await run_import(session_factory=context.session_factory, plan=check.plan, now=context.clock.now(),
                                  actor=actor, dry_run=True)
    except ImportRefused as refused:  # refused before the admin presses 📥
        await reply(update, problems_text(_("The plan file has errors; nothing can be imported:"), refused.render(t),
                                          t))
        return
    async with session_scope(context.session_factory) as session:  # committed before the buttons are shown
        token = await keep_draft(session=session, admin_id=update.effective_user.id,  # type: ignore[union-attr]
                                 file_name=name, plan_text=text, now=context.clock.now())
    lines = plain_lines([render_report(report, t), *check.render(t)])  # the report, then the warnings
    await reply(update, fitted(lines, t), reply_markup=_keyboard(t, token))


async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    kind, args = parse_callback(query.data)
    async with request(update, context) as req:
        t, admin_id = req.t, req.access.telegram_user_id
        _ = t.gettext
        pending = await find_draft(session=req.session, token=args[0], now=context.clock.now()) if args else None
        if pending is None:
            await query.answer(_("This draft is no longer pending."), show_alert=True)
            return
        if not req.access.is_admin or pending.admin_telegram_id != admin_id:
            await query.answer(_("Only the administrator who sent this draft can do this."), show_alert=True)
            return
        # Taken by deleting it: of two presses (perhaps in two processes) only one goes on.
        if kind == "imp-no" and not await drop_draft(session=req.session, token=args[0]):
            await query.answer(_("This draft is no longer pending."), show_alert=True)
            return
    await query.answer()
    if kind == "imp-no":
        await query.edit_message_reply_markup(None)
        await reply(update, _("Cancelled: nothing was imported."))
        return
    refused = _("Import refused: fix these problems in the file and send it back as .yaml:")
    check = await _check(context, pending.plan_text, pending.file_name or "draft.yaml")
    if check.plan is None:
        await reply(update, problems_text(refused, check.render(t), t))
        return
    try:
        report = await import_draft(session_factory=context.session_factory, token=args[0], plan=check.plan,
                                    now=context.clock.now(), actor=f"telegram:{admin_id}",
                                    after=replan_after_import(settings=context.settings, clock=context.clock))
    except DraftTaken:
        await reply(update, escape(_("This draft is no longer pending.")))
        return
    except ImportRefused as error:
        await reply(update, problems_text(refused, error.render(t), t))
        return
    except Exception as error:  # the draft is still pending: the admin must hear so, not "Sorry"
        log.exception("importing the draft %s failed", pending.file_name)
        await reply(update, import_failed_text(error, t))
        return
    await query.edit_message_reply_markup(None)
    await reply(update, fitted(plain_lines([render_report(report, t)]), t))
