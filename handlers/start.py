"""/start (with an invite code from a deep link: registration) and /help."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ChatType

from bot.i18n import translator
from bot.invites import redeem_invite
from bot.members import get_or_create_member
from bot.models import Role
from handlers.common import reply, request

if TYPE_CHECKING:
    from handlers.context import BotContext


async def start(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    code = context.args[0] if context.args else None
    async with request(update, context) as req:
        _ = req.t.gettext
        if not code:
            if req.access.registered:
                text = _("Hello {name}! I remind your unit of its deadlines.").format(name=escape(user.first_name))
                text += "\n" + _("Send /tiendo to see progress, /help for every command.")
            else:
                text = _("Hello! I remind units of the deadlines of their plan.")
                text += "\n" + _("To register, open the invite link your administrator sent you.")
            await reply(update, text)
            return
        member = await get_or_create_member(
            session=req.session, telegram_user_id=user.id, chat_id=chat.id, full_name=user.full_name,
            username=user.username, now=context.clock.now(), language=context.settings.default_language)
        result = await redeem_invite(session=req.session, code=code, member=member, now=context.clock.now())
        t = translator(member.language)
        _ = t.gettext
        if not result.ok:
            assert result.failure is not None
            await req.session.rollback()  # an unknown code leaves nothing behind
            await reply(update, _(result.failure.label) + "\n" + _("Ask your administrator for a new invite."))
            return
        assert result.unit is not None
        role = _("secretary") if result.role == Role.secretary else _("supervisor")
        text = _("Registered: {role} of {unit}.").format(role=role, unit=f"<b>{escape(result.unit.name)}</b>")
        text += "\n" + _("Send /tiendo to see progress, /help for every command.")
        await reply(update, text)


async def help_command(update: Update, context: BotContext) -> None:
    async with request(update, context) as req:
        _ = req.t.gettext
        lines = [
            _("<b>Commands</b>"),
            _("/tiendo — progress of your units"),
            _("/tiendo HU-DIENBIEN — progress of one unit"),
            _("/tiendo M05 — one milestone, unit by unit"),
            _("/kehoach — plans in progress; pick one to see its progress"),
            _("/baocao — progress report as an Excel workbook and a chart (supervisors)"),
            _("/lich — your unit's deadlines as a calendar file (.ics)"),
            _("/xong M05 done, minutes attached — report a milestone done "
              "(a file with this caption is kept as evidence)"),
            _("/tralai M16 HU-DIENBIEN reason — return a reported item to the unit (supervisors)"),
            _("/xong M05 25/09/2019 note — report it done, giving the day the work was done"),
            _("/giahan M05 30/06/2020 reason — ask the supervisors above for more time"),
            _("/tuchoi M05 HU-DIENBIEN reason — decline a unit's request for more time (supervisors)"),
            _("/ngonngu en — change language (vi, en)"),
            _("/toi — your Telegram id, units and roles"),
        ]
        if req.access.is_admin or req.access.units_with(Role.supervisor) or req.access.units_with(Role.admin):
            lines.append(_("/thanhvien HU-DIENBIEN — who is registered; remove members, revoke invites"))
        if req.access.is_admin:
            lines.append(_("/moi HU-DIENBIEN thu_ky — invite link for a unit's secretary (or giam_sat: supervisor)"))
            lines.append(_("/loi — reminders that could not be delivered, and why"))
        await reply(update, "\n".join(lines))


async def anything_else(update: Update, context: BotContext) -> None:
    """A message no other handler took: the reason a ↩️ prompt waits for, else (in a private chat only) a short
    hint and the main commands. Groups stay quiet: people talk there to each other."""
    from handlers.confirm import reason_reply  # confirm builds on the handlers this module is imported with

    if await reason_reply(update, context):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    async with request(update, context) as req:
        _ = req.t.gettext
        lines = [_("I did not understand that. I answer commands:"),
                 _("/tiendo — progress of your units"),
                 _("/xong M05 — report a milestone done"),
                 _("/kehoach — plans in progress; pick one to see its progress"),
                 _("/help — every command")]
        await reply(update, "\n".join(lines))
