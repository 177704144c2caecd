"""/thanhvien [MÃ]: who is registered for a unit (name, role, since when, whether the bot reaches them) and its
open invites; 🗑 removes a membership after a confirmation, ✖️ revokes an invite. /toi: anyone's Telegram id,
units and roles.

Buttons are plain strings: mls:<unit id>:<page> shows a page (✖️ Thôi goes back to it), mrm:<membership id>:<page>
asks to confirm, mrmy:<membership id>:<page> removes, mri:<invite id>:<page> revokes. Every press reloads the
caller's rights and the row it names: a forged, stale or foreign button gets a polite answer and changes nothing.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.access import Access, supervised_roots
from bot.i18n import Translator
from bot.invites import open_invites, revoke_invite
from bot.members import HeldRole, MemberEntry, find_membership, list_members, remove_membership
from bot.models import Invite, Role, Unit
from bot.roles import role_label
from bot.units import get_unit, get_unit_by_code
from handlers.common import Request, not_found, not_registered, reply, request
from handlers.keyboards import callback, parse_callback, parse_number
from handlers.render import short

if TYPE_CHECKING:
    from handlers.context import BotContext

CALLBACK_PATTERN = r"^(mls|mrm|mrmy|mri):"
PAGE_ITEMS = 18  # with the header and the hint: at most 20 lines a message
MAX_PAGE = 9999
MAX_UNITS_SHOWN = 30  # /toi


def _may_manage_some(access: Access) -> bool:
    return access.is_admin or bool(access.units_with(Role.supervisor) or access.units_with(Role.admin))


def _actor_label(req: Request, update: Update) -> str:
    user = update.effective_user
    assert user is not None
    name = req.access.member.full_name if req.access.member else user.full_name
    return f"{name} ({user.id})"


# --- rendering -----------------------------------------------------------------------------------------------

def _member_line(t: Translator, number: int, entry: MemberEntry, context: BotContext) -> str:
    _ = t.gettext
    handle = f" @{escape(entry.username)}" if entry.username else ""
    parts = [role_label(entry.role, t),
             _("since {date}").format(date=t.short_date(entry.since.astimezone(context.settings.tz).date()))]
    if entry.in_group:
        parts.append(_("in a group chat"))
    if not entry.reachable:
        parts.append(_("⚠️ the bot cannot reach them"))
    return f"{number}. 👤 <b>{escape(short(entry.full_name or '?', 40))}</b>{handle} — " + " · ".join(parts)


def _invite_line(t: Translator, number: int, invite: Invite, context: BotContext) -> str:
    expires = t.short_date(invite.expires_at.astimezone(context.settings.tz).date())
    return f"{number}. ✉️ " + t.gettext("unused invite: {role} · valid until {date}").format(
        role=role_label(invite.role, t), date=expires)


async def _list_page(req: Request, context: BotContext, unit: Unit, page: int,
                     hint: str | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the unit's members and open invites, with 🗑 / ✖️ for the rows the caller may act on."""
    t, _ = req.t, req.t.gettext
    assert unit.id is not None  # read from the table
    members = await list_members(session=req.session, unit_id=unit.id)
    invites = await open_invites(session=req.session, unit_id=unit.id, now=context.clock.now())
    pages = max(1, math.ceil((len(members) + len(invites)) / PAGE_ITEMS))
    page = max(0, min(page, pages - 1))
    counts = [t.ngettext("{n} registered", "{n} registered", len(members)).format(n=len(members))]
    if invites:
        counts.append(t.ngettext("{n} open invite", "{n} open invites", len(invites)).format(n=len(invites)))
    lines = [f"👥 <b>{escape(unit.name)}</b> ({escape(unit.code)}) · " + " · ".join(counts)]
    if hint:
        lines.append(hint)
    buttons: list[InlineKeyboardButton] = []
    first = page * PAGE_ITEMS
    entries: list[MemberEntry | Invite] = [*members, *invites]
    for number, row in enumerate(entries[first:first + PAGE_ITEMS], start=first + 1):
        if isinstance(row, Invite):
            lines.append(_invite_line(t, number, row, context))
            if req.access.can_remove(unit, row.role):
                buttons.append(InlineKeyboardButton(f"✖️ {number}. " + _("revoke"),
                                                    callback_data=callback("mri", row.id, page)))
        else:
            lines.append(_member_line(t, number, row, context))
            if req.access.can_remove(unit, row.role):
                buttons.append(InlineKeyboardButton(f"🗑 {number}. {short(row.full_name or '?', 14)}",
                                                    callback_data=callback("mrm", row.membership_id, page)))
    if not members and not invites:
        lines.append(_("Nobody is registered for this unit yet."))
        if req.access.is_admin:
            lines.append(_("Invite its secretary: /moi {code} thu_ky").format(code=escape(unit.code)))
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀", callback_data=callback("mls", unit.id, page - 1)))
        nav.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=callback("mls", unit.id, page)))
        if page < pages - 1:
            nav.append(InlineKeyboardButton("▶", callback_data=callback("mls", unit.id, page + 1)))
        rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def _confirmation(t: Translator, held: HeldRole, page: int) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    text = _("🗑 Remove {name} ({role}) from {unit}?").format(
        name=f"<b>{escape(held.member.full_name)}</b>", role=role_label(held.membership.role, t),
        unit=f"<b>{escape(held.unit.name)}</b>")
    text += "\n" + _("Their history stays; they will get nothing more for this unit.")
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("✔️ Remove"), callback_data=callback("mrmy", held.membership.id, page)),
        InlineKeyboardButton(_("✖️ Keep"), callback_data=callback("mls", held.unit.id, page)),
    ]])
    return text, keyboard


async def _show(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                      disable_web_page_preview=True)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


# --- commands ------------------------------------------------------------------------------------------------

async def thanhvien(update: Update, context: BotContext) -> None:
    async with request(update, context) as req:
        _ = req.t.gettext
        if not _may_manage_some(req.access):
            await reply(update, _("Only administrators and supervisors can see who is registered.")
                        if req.access.registered else not_registered(req.t))
            return
        hint = None
        if context.args:
            unit = await get_unit_by_code(session=req.session, code=context.args[0])
            if unit is None or not req.access.can_manage_members(unit):
                await reply(update, not_found(req.t))
                return
        else:
            roots = await supervised_roots(session=req.session, access=req.access)
            if not roots:
                await reply(update, _("No units yet: import a plan first."))
                return
            unit = roots[0]
            hint = _("Another unit: /thanhvien CODE")
            if len(roots) > 1:
                hint += " (" + ", ".join(escape(r.code) for r in roots[:6]) + (", …" if len(roots) > 6 else "") + ")"
        text, keyboard = await _list_page(req, context, unit, 0, hint)
        await reply(update, text, reply_markup=keyboard)


async def toi(update: Update, context: BotContext) -> None:
    """/toi: the caller's Telegram id (what ADMIN_IDS lists), admin or not, and every unit and role they hold."""
    user = update.effective_user
    assert user is not None
    async with request(update, context) as req:
        _ = req.t.gettext
        lines = [_("🪪 Your Telegram id: {id}").format(id=f"<code>{user.id}</code>")]
        if req.access.is_admin:
            lines.append(_("You are an administrator of this bot."))
        if req.access.roles:
            lines.append(_("Your units:"))
            lines += [f"• <b>{escape(short(held.unit.name, 60))}</b> ({escape(held.unit.code)}) — "
                      f"{role_label(held.role, req.t)}" for held in req.access.roles[:MAX_UNITS_SHOWN]]
            if len(req.access.roles) > MAX_UNITS_SHOWN:
                lines.append(_("… and {count} more").format(count=len(req.access.roles) - MAX_UNITS_SHOWN))
        else:
            lines.append(_("You are not registered for any unit yet."))
        if not req.access.is_admin:
            lines.append(_("To become an administrator, give this id to whoever runs the bot: they add it to "
                           "ADMIN_IDS in .env and restart the bot."))
        await reply(update, "\n".join(lines))


# --- buttons -------------------------------------------------------------------------------------------------

async def button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    kind, args = parse_callback(query.data)
    async with request(update, context) as req:
        # Ids as the bot writes them (bounded, ASCII digits); anything else was never a button of ours.
        target, page = (parse_number(args[0]), parse_number(args[1])) if len(args) == 2 else (None, None)
        if kind not in ("mls", "mrm", "mrmy", "mri") or target is None or page is None or page > MAX_PAGE:
            await query.answer(not_found(req.t), show_alert=True)
            return
        if kind == "mls":
            unit = await get_unit(session=req.session, unit_id=target)
            if unit is None or not unit.active or not req.access.can_manage_members(unit):
                await query.answer(not_found(req.t), show_alert=True)
                return
            await query.answer()
            await _show(query, *await _list_page(req, context, unit, page))
        elif kind == "mri":
            await _revoke(update, query, req, context, target, page)
        else:
            await _remove(update, query, req, context, kind, target, page)


async def _remove(update: Update, query: CallbackQuery, req: Request, context: BotContext, kind: str,
                  membership_id: int, page: int) -> None:
    _ = req.t.gettext
    held = await find_membership(session=req.session, membership_id=membership_id)
    if held is None or not req.access.can_manage_members(held.unit):
        await query.answer(not_found(req.t), show_alert=True)  # gone already, forged, or not theirs to see
        return
    if not req.access.can_remove(held.unit, held.membership.role):
        await query.answer(_("Only an administrator or a supervisor above this unit can remove this member."),
                           show_alert=True)
        return
    if kind == "mrm":
        await query.answer()
        await _show(query, *_confirmation(req.t, held, page))
        return
    member = req.access.member
    if not await remove_membership(session=req.session, held=held, now=context.clock.now(),
                                   actor_member_id=member.id if member else None,
                                   actor_label=_actor_label(req, update)):
        await query.answer(not_found(req.t), show_alert=True)
        return
    await req.session.commit()
    await query.answer(_("Removed {name} ({role}) from {unit}.").format(
        name=short(held.member.full_name, 40), role=role_label(held.membership.role, req.t),
        unit=short(held.unit.name, 60)))
    await _show(query, *await _list_page(req, context, held.unit, page))


async def _revoke(update: Update, query: CallbackQuery, req: Request, context: BotContext, invite_id: int,
                  page: int) -> None:
    _ = req.t.gettext
    invite = await req.session.get(Invite, invite_id)
    unit = await get_unit(session=req.session, unit_id=invite.unit_id) if invite is not None else None
    if invite is None or unit is None or not unit.active or not req.access.can_manage_members(unit):
        await query.answer(not_found(req.t), show_alert=True)
        return
    if not req.access.can_remove(unit, invite.role):
        await query.answer(_("Only an administrator or a supervisor above this unit can revoke this invite."),
                           show_alert=True)
        return
    member = req.access.member
    revoked = await revoke_invite(session=req.session, now=context.clock.now(), invite_id=invite.id,
                                  actor_member_id=member.id if member else None, actor_label=_actor_label(req, update))
    if revoked is None:
        await query.answer(_("This invite is no longer open: used, revoked or expired."), show_alert=True)
    else:
        await req.session.commit()
        await query.answer(_("Invite revoked: its link no longer works."))
    await _show(query, *await _list_page(req, context, unit, page))
