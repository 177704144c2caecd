"""/ngonngu vi|en: the language the bot speaks to this user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update

from bot.i18n import LANGUAGES, translator
from bot.members import set_language
from handlers.common import not_registered, reply, request

if TYPE_CHECKING:
    from handlers.context import BotContext


async def ngonngu(update: Update, context: BotContext) -> None:
    async with request(update, context) as req:
        _ = req.t.gettext
        if req.access.member is None:
            await reply(update, not_registered(req.t))
            return
        wanted = (context.args or [""])[0].lower()
        if wanted not in LANGUAGES:
            await reply(update, _("Usage: /ngonngu vi or /ngonngu en"))
            return
        language = await set_language(session=req.session, telegram_user_id=req.access.telegram_user_id,
                                      language=wanted)
        _ = translator(language).gettext
        await reply(update, _("Language set: English."))
