"""What every handler does first: one session per update, and the caller's access read afresh."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ParseMode

from bot.access import Access, load_access
from bot.db import session_scope
from bot.i18n import Translator, translator
from bot.members import reactivate_member

if TYPE_CHECKING:
    from handlers.context import BotContext


@dataclass(frozen=True)
class Request:
    session: AsyncSession
    access: Access
    t: Translator


@asynccontextmanager
async def request(update: Update, context: BotContext) -> AsyncIterator[Request]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    async with session_scope(context.session_factory) as session:
        # Writing to the bot again undoes a block (a 403 marked them inactive): reminders reach them again.
        # Committed at once, so a handler's rollback (a bad invite code) does not undo it.
        if chat is not None and await reactivate_member(session=session, telegram_user_id=user.id, chat_id=chat.id):
            await session.commit()
        access = await load_access(session=session, telegram_user_id=user.id, admin_ids=context.settings.admin_ids)
        language = access.member.language if access.member else context.settings.default_language
        yield Request(session=session, access=access, t=translator(language))


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML,
                                                  disable_web_page_preview=True, **kwargs)


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button the bot never made (forged data, junk): answered like an unknown item, nothing read or changed."""
    query = update.callback_query
    assert query is not None
    async with request(update, context) as req:
        await query.answer(not_found(req.t), show_alert=True)


def not_registered(t: Translator) -> str:
    _ = t.gettext
    return _("You are not registered yet. Open the invite link your administrator sent you.")


def not_found(t: Translator) -> str:
    _ = t.gettext
    return _("Not found, or not within your units.")
