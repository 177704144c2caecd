"""Admin commands: /moi <unit code> [thu_ky|giam_sat] creates a one-time invite deep link; /loi lists failed sends."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from telegram import Update

from bot.invites import create_invite, deep_link
from bot.models import Role
from bot.roles import parse_role
from bot.units import get_unit_by_code
from handlers.common import not_found, reply, request
from scheduler import list_failures, render_failures, unreached_units

if TYPE_CHECKING:
    from handlers.context import BotContext

async def moi(update: Update, context: BotContext) -> None:
    async with request(update, context) as req:
        _ = req.t.gettext
        if not req.access.is_admin:
            await reply(update, _("Only administrators can create invites."))
            return
        args = context.args or []
        role = parse_role(args[1]) if len(args) > 1 else Role.secretary
        if not args or role is None:
            await reply(update, _("Usage: /moi HU-DIENBIEN thu_ky (or giam_sat)"))
            return
        unit = await get_unit_by_code(session=req.session, code=args[0])
        if unit is None:
            await reply(update, not_found(req.t))
            return
        invite = await create_invite(session=req.session, unit=unit, role=role, now=context.clock.now(),
                                     ttl_days=context.settings.invite_ttl_days, created_by=req.access.telegram_user_id)
        await req.session.commit()  # stored before the link is shown: it may be opened at once
        link = deep_link(context.bot.username, invite.code)
        role_name = _("secretary") if role == Role.secretary else _("supervisor")
        text = _("Invite for the {role} of {unit}, valid {days} days, single use:").format(
            role=role_name, unit=f"<b>{escape(unit.name)}</b>", days=context.settings.invite_ttl_days)
        await reply(update, f"{text}\n{escape(link)}")





async def loi(update: Update, context: BotContext) -> None:
    """/loi: the latest reminders that could not be delivered, and why (admins only)."""
    async with request(update, context) as req:
        if not req.access.is_admin:
            await reply(update, req.t.gettext("Only administrators can see failed sends."))
            return
        failures = await list_failures(req.session, limit=30, with_unreached=False)
        # Units nobody has joined fail every morning: counted apart, not listed.
        unreached = await unreached_units(req.session, now=context.clock.now())
        text = render_failures(failures, tr=req.t, tz=context.settings.tz, unreached=unreached)
        await reply(update, escape(text[:4000]))
