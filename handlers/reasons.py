"""Reasons in chat, read one way: `/tralai` and `/tuchoi <milestone code> <unit code> <reason>`, a reply to the
↩️ prompt, `/giahan … <reason>`; the rule itself is bot/reasons.py."""

from __future__ import annotations

from telegram import Update

from bot.i18n import Translator
from bot.models import Unit
from bot.reasons import MAX_REASON, ReasonFault, clean_reason, reason_fault
from bot.units import get_unit_by_code
from handlers.common import Request, not_found, not_registered, reply


def reason_refusal(t: Translator, reason: str, *, missing: str) -> str | None:
    """What to answer to a reason that breaks the rule (`missing`: the answer to none given); None: it is fine."""
    fault = reason_fault(reason)
    if fault is None:
        return None
    if fault == ReasonFault.missing:
        return missing
    return t.gettext("The reason is too long ({n} characters): at most {limit}. Nothing changed.").format(
        n=len(clean_reason(reason)), limit=MAX_REASON)


async def unit_reason_command(update: Update, req: Request, usage: str) -> tuple[str, Unit, str] | None:
    """`/cmd <milestone code> <unit code> <reason>`: (the milestone code, the unit, the reason), or None once the
    sender was answered (not registered, usage, reason refused, a unit outside their view: nothing leaks)."""
    message = update.effective_message
    words = (message.text or "").split()[1:] if message is not None else []
    if not req.access.registered:
        await reply(update, not_registered(req.t))
        return None
    if len(words) < 3:
        await reply(update, usage)
        return None
    reason = clean_reason(" ".join(words[2:]))
    refusal = reason_refusal(req.t, reason, missing=usage)
    if refusal is not None:
        await reply(update, refusal)
        return None
    unit = await get_unit_by_code(session=req.session, code=words[1])
    if unit is None or not req.access.can_view(unit):
        await reply(update, not_found(req.t))
        return None
    return words[0], unit, reason
