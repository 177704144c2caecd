"""Plan intake in chat: an admin sends a plan document (.txt/.docx/.pdf) and gets its draft as an Excel sheet
(bot/intake/sheet.py) with a summary; the sheet edited in Excel or LibreOffice and sent back is checked the same
way, and so is a plan file (.yaml). 📥 Nhập (imp:<token>) / ✖️ Hủy (imp-no:<token>) come only with a draft that
can be imported as it stands (checked, and dry-run against the database); otherwise the reply says, row by row,
what to fix.

The pending plan is kept in the database (bot/intake/pending.py), keyed by a random token, so a press after a
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
from bot.intake.sheet_upload import draft_sheet_upload, read_sheet_upload
from bot.plans.importer import ImportRefused, run_import
from bot.plans.plan import Plan
from bot.plans.problems import Problem
from bot.plans.rendering import render_report
from bot.plans.standing import standing_units
from bot.plans.validate import PlanCheck, check_plan_text
from handlers.common import reply, request
from handlers.intake_texts import fitted, import_failed_text, plain_lines, problems_text, summary_text
from handlers.keyboards import callback, parse_callback
from scheduler import replan_after_import

if TYPE_CHECKING:
    from handlers.context import BotContext

log = logging.getLogger(__name__)
PLAN_SUFFIXES = (".yaml", ".yml")
SHEET_SUFFIXES = (".xlsx",)


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
        t = req.t
        _ = t.gettext
        if not req.access.is_admin:
            await reply(update, _("Thank you. Only administrators can send plan documents; to report work done, "
                                  "send the file with the caption /xong followed by the milestone code."))
            return
    if suffix not in (*SUPPORTED, *PLAN_SUFFIXES, *SHEET_SUFFIXES):
        await reply(update, _("I can read plan documents in .txt, .docx or .pdf, their draft sheets in .xlsx, and "
                              "plan files in .yaml."))
        return
    if (message.document.file_size or 0) > MAX_FILE_BYTES:  # refused before it is even downloaded
        await reply(update, _("The file is too large (at most {size} MB).").format(size=MAX_FILE_BYTES // MB))
        return
    telegram_file = await context.bot.get_file(message.document.file_id)
    data = bytes(await telegram_file.download_as_bytearray())
    if suffix in PLAN_SUFFIXES:
        await _plan_file(update, context, t, data, name)
        return
    if suffix in SHEET_SUFFIXES:
        await _sheet_file(update, context, t, data, name)
        return
    try:
        drafted = await draft_sheet_upload(session_factory=context.session_factory, data=data, name=name)
    except ReadError as error:
        await reply(update, fitted(plain_lines([error.render(t)]), t))
        return
    try:
        # What to fix, by row and column (or the warnings of a draft that can be imported as it stands).
        token, problems = None, drafted.check.render(t, with_file=False)
        if drafted.check.plan is not None:
            token, report = await _dry_run_and_keep(update, context, t, drafted.check.plan,
                                                    drafted.check.plan_text or "", drafted.filename)
            problems = problems if token is not None else report  # refused by the database: why
        await reply(update, summary_text(drafted.draft, name, t, problems=problems, importable=token is not None),
                    reply_markup=_keyboard(t, token) if token else None)
    finally:  # the sheet is what the admin works on: it goes out even if the summary did not
        await message.reply_document(InputFile(drafted.sheet, filename=drafted.filename),
                                     caption=_("Draft plan: check each row, fix what \"Cần xem lại\" says and clear "
                                               "it, then send the sheet back."))


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
    await _offer(update, context, t, await _check(context, text, name), text, name)


async def _sheet_file(update: Update, context: BotContext, t: Translator, data: bytes, name: str) -> None:
    """An edited draft sheet: its problems by row and column, or the dry-run report with 📥 Nhập."""
    try:
        check = await read_sheet_upload(session_factory=context.session_factory, data=data, name=name)
    except ReadError as error:
        await reply(update, fitted(plain_lines([error.render(t)]), t))
        return
    await _offer(update, context, t, check, check.plan_text or "", name)


async def _offer(update: Update, context: BotContext, t: Translator, check: PlanCheck, text: str, name: str) -> None:
    _ = t.gettext
    header = _("The plan file has errors; nothing can be imported:")
    if check.plan is None:
        await reply(update, problems_text(header, check.render(t), t))
        return
    token, lines = await _dry_run_and_keep(update, context, t, check.plan, text, name)
    if token is None:  # refused before the admin presses 📥
        await reply(update, problems_text(header, lines, t))
        return
    await reply(update, fitted(plain_lines([*lines, *check.render(t)]), t),  # the report, then the warnings
                reply_markup=_keyboard(t, token))


async def _dry_run_and_keep(update: Update, context: BotContext, t: Translator, plan: Plan, text: str,
                            name: str) -> tuple[str | None, list[str]]:
    """Dry-runs the import: kept for 📥 (its token, and the report), or refused (None, and why)."""
    user_id = update.effective_user.id  # type: ignore[union-attr]  # a message update always has a user
    try:
        report = await run_import(session_factory=context.session_factory, plan=plan, now=context.clock.now(),
                                  actor=f"telegram:{user_id}", dry_run=True)
    except ImportRefused as refused:
        return None, refused.render(t)
    async with session_scope(context.session_factory) as session:  # committed before the buttons are shown
        token = await keep_draft(session=session, admin_id=user_id, file_name=name, plan_text=text,
                                 now=context.clock.now())
    return token, [render_report(report, t)]


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
    name = pending.file_name or "draft.yaml"
    sheet = Path(name).suffix.lower() in SHEET_SUFFIXES
    refused = (_("Import refused: fix these problems in the sheet and send it back:") if sheet
               else _("Import refused: fix these problems in the file and send it back as .yaml:"))
    check = await _check(context, pending.plan_text, name)
    if check.plan is None:  # the stored tree changed since: the sheet's plan file was checked when it came
        await reply(update, problems_text(refused, _unplaced(check.problems, name, t) if sheet else check.render(t),
                                          t))
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


def _unplaced(problems: list[Problem], name: str, t: Translator) -> list[str]:
    """Problems of the plan file a sheet stood for, without that file's line numbers (the admin never saw it)."""
    return [Problem(None, problem.parts, problem.warning).render(name, t) for problem in problems]
