"""The error handler: log the failure (never the token), apologise to the user in their language."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import TelegramError

from bot.i18n import translator

if TYPE_CHECKING:
    from handlers.context import BotContext

log = logging.getLogger(__name__)


async def error_handler(update: object, context: BotContext) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    _ = translator(context.settings.default_language).gettext
    text = _("Sorry, something went wrong. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError:
        log.warning("could not tell the user about the error")
