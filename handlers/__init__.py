"""Telegram handlers: thin adapters (parse → service → localized message), one module per conversation."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import (
    admin,
    common,
    confirm,
    errors,
    extensions,
    intake,
    language,
    members,
    plans,
    progress,
    reports,
    start,
)


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("start", start.start))
    application.add_handler(CommandHandler(["help", "trogiup"], start.help_command))
    application.add_handler(CommandHandler("tiendo", progress.tiendo))
    application.add_handler(CommandHandler("kehoach", plans.kehoach))
    application.add_handler(CommandHandler("baocao", reports.baocao))
    application.add_handler(CommandHandler("lich", reports.lich))
    application.add_handler(CommandHandler("xong", confirm.xong))
    application.add_handler(CommandHandler("tralai", confirm.tralai))
    application.add_handler(CommandHandler("giahan", extensions.giahan))
    application.add_handler(CommandHandler("tuchoi", extensions.tuchoi))
    application.add_handler(MessageHandler(
        (filters.Document.ALL | filters.PHOTO) & filters.CaptionRegex(r"^/xong(@\w+)?(\s|$)"), confirm.xong))
    application.add_handler(MessageHandler(  # after /xong evidence: a plan document from an admin (handlers/intake.py)
        filters.Document.ALL & filters.ChatType.PRIVATE & ~filters.CaptionRegex(r"^/xong(@\w+)?(\s|$)"),
        intake.document))
    application.add_handler(CommandHandler("moi", admin.moi))
    application.add_handler(CommandHandler("loi", admin.loi))
    application.add_handler(CommandHandler("thanhvien", members.thanhvien))
    application.add_handler(CommandHandler("toi", members.toi))
    application.add_handler(CommandHandler("ngonngu", language.ngonngu))
    application.add_handler(CallbackQueryHandler(confirm.button, pattern=r"^(done|undo|acc|ret):\d+$|^dn:"))
    application.add_handler(CallbackQueryHandler(confirm.evidence_button, pattern=r"^ev:\d+$"))
    application.add_handler(CallbackQueryHandler(extensions.button, pattern=r"^(ext|exa|exd):\d+$"))
    application.add_handler(CallbackQueryHandler(progress.page_button, pattern=r"^(pg|ms):"))
    application.add_handler(CallbackQueryHandler(reports.urge_button, pattern=r"^urge:\d+$"))
    application.add_handler(CallbackQueryHandler(plans.plan_button, pattern=r"^plan:"))
    application.add_handler(CallbackQueryHandler(plans.pick_button, pattern=r"^pick:"))
    application.add_handler(CallbackQueryHandler(intake.button, pattern=r"^imp(-no)?:[\w-]+$"))
    application.add_handler(CallbackQueryHandler(members.button, pattern=members.CALLBACK_PATTERN))
    application.add_handler(CallbackQueryHandler(common.unknown_button))  # last: data no button above takes
    # Last: a reply to a ↩️ prompt is a reason; any other private message the bot does not understand, a hint.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, start.anything_else))
    application.add_error_handler(errors.error_handler)
