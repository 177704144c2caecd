"""/tiendo: a secretary's milestones, a supervisor's subtree, one unit, or one milestone unit by unit; pages ◀ ▶."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.access import supervised_roots
from bot.models import Role, Unit
from bot.progress import (Item, get_milestone_by_code, item_rates, milestone_breakdown, rates_of,
                          subtree_progress, unit_items)
from bot.status import Group, Status
from bot.units import count_children, get_unit, get_unit_by_code
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import callback, done_keyboard, list_keyboard, parse_button
from handlers.render import breakdown_lines, item_card, paginate, subtree_lines, unit_lines

if TYPE_CHECKING:
    from bot.app import BotContext

MAX_ACTION_BUTTONS = 8


@dataclass
class View:
    kind: str  # me / u / m
    arg: int
    lines: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


def _done_buttons(items: list[Item]) -> list[tuple[str, str]]:
    open_items = [i for i in items if i.status.group == Group.not_done]
    open_items.sort(key=lambda i: (abs(i.days_left), i.due_date))  # the items nearest today first
    return [(f"✅ {i.milestone_code}", callback("done", i.assignment_id)) for i in open_items[:MAX_ACTION_BUTTONS]]


async def overview(req: Request, context: BotContext) -> View:
    view = View("me", 0)
    now, rules = context.clock.now(), context.services.rules
    for unit in req.access.units_with(Role.secretary):
        items = await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules)  # type: ignore[arg-type]
        view.lines += unit_lines(req.t, unit, items, item_rates(items)) + [""]
        view.buttons += _done_buttons(items)
    for root in await supervised_roots(session=req.session, access=req.access):
        progress = await subtree_progress(session=req.session, root=root, now=now, rules=rules)
        view.lines += subtree_lines(req.t, root, progress, rates_of(progress)) + [""]
        view.buttons += [(f"🔎 {p.code}", callback("ms", p.milestone_id)) for p in progress if p.late_units]
    view.buttons = view.buttons[:MAX_ACTION_BUTTONS]
    return view


async def unit_view(req: Request, context: BotContext, unit: Unit) -> View:
    view = View("u", unit.id)  # type: ignore[arg-type]
    now, rules = context.clock.now(), context.services.rules
    items = await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules)  # type: ignore[arg-type]
    view.lines = unit_lines(req.t, unit, items, item_rates(items))
    if req.access.can_confirm(unit):
        view.buttons = _done_buttons(items)
    if req.access.supervises(unit) and await count_children(session=req.session, unit=unit):
        progress = await subtree_progress(session=req.session, root=unit, now=now, rules=rules)
        view.lines += [""] + subtree_lines(req.t, unit, progress, rates_of(progress))
    return view


async def milestone_view(req: Request, context: BotContext, milestone_id: int) -> View | None:
    """One milestone unit by unit over the caller's supervised subtrees, or the caller's own card."""
    from bot.models import Milestone

    milestone = await req.session.get(Milestone, milestone_id)
    if milestone is None or not milestone.active:
        return None
    now, rules = context.clock.now(), context.services.rules
    items: dict[int, Item] = {}
    for root in await supervised_roots(session=req.session, access=req.access):
        for item in await milestone_breakdown(session=req.session, root=root, milestone_id=milestone_id,
                                              now=now, rules=rules):
            items[item.assignment_id] = item
    for unit in req.access.units_with(Role.secretary):
        for item in await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules):  # type: ignore[arg-type]
            if item.milestone_id == milestone_id:
                items.setdefault(item.assignment_id, item)
    if not items:
        return None
    view = View("m", milestone_id)
    ordered = list(items.values())
    view.lines = breakdown_lines(req.t, milestone, ordered, item_rates(ordered))
    if await supervised_roots(session=req.session, access=req.access) and any(i.status == Status.overdue for i in ordered):
        view.buttons.append((req.t.gettext("📣 Urge"), callback("urge", milestone_id)))
    return view


async def _view_for(req: Request, context: BotContext, kind: str, arg: int) -> View | None:
    if kind == "me":
        return await overview(req, context)
    if kind == "u":
        unit = await get_unit(session=req.session, unit_id=arg)
        return await unit_view(req, context, unit) if unit and unit.active and req.access.can_view(unit) else None
    if kind == "m":
        return await milestone_view(req, context, arg)
    return None


def _page(view: View, page: int) -> tuple[str, object, int]:
    pages = paginate(view.lines)
    page = max(0, min(page, len(pages) - 1))
    keyboard = list_keyboard(kind=view.kind, arg=view.arg, page=page, pages=len(pages), extra=view.buttons)
    return pages[page], keyboard, page


async def tiendo(update: Update, context: BotContext) -> None:
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await reply(update, not_registered(req.t))
            return
        view: View | None
        if not context.args:
            view = await overview(req, context)
        else:
            code = context.args[0]
            unit = await get_unit_by_code(session=req.session, code=code)
            if unit is not None:
                view = await unit_view(req, context, unit) if req.access.can_view(unit) else None
            else:
                milestone = await get_milestone_by_code(session=req.session, code=code)
                view = None
                if milestone is not None:
                    view = await _single_card(update, req, context, milestone.id)  # type: ignore[arg-type]
                    if view is _SENT:
                        return
        if view is None:
            await reply(update, not_found(req.t))
            return
        text, keyboard, _page_no = _page(view, 0)
        await reply(update, text, reply_markup=keyboard)


_SENT = View("sent", 0)


async def _single_card(update: Update, req: Request, context: BotContext, milestone_id: int) -> View | None:
    """A secretary asking about a milestone of their own unit gets one card with the ✅ button."""
    if await supervised_roots(session=req.session, access=req.access):
        return await milestone_view(req, context, milestone_id)
    now, rules = context.clock.now(), context.services.rules
    for unit in req.access.units_with(Role.secretary):
        for item in await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules):  # type: ignore[arg-type]
            if item.milestone_id == milestone_id:
                keyboard = done_keyboard(req.t, item.assignment_id) if item.status.group == Group.not_done else None
                await reply(update, item_card(req.t, item, unit.name), reply_markup=keyboard)
                return _SENT
    return None


async def page_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = parse_button(query.data)
    if pressed is None or pressed.kind not in ("pg", "ms"):
        await unknown_button(update, context)
        return
    prefix = pressed.kind
    # pg:<kind>:<arg>:<page> turns the page in place; ms:<milestone id> drills down in a new message.
    kind, arg, page = ("m", pressed.numbers[0], 0) if prefix == "ms" else (pressed.view, *pressed.numbers)
    async with request(update, context) as req:
        view = await _view_for(req, context, kind, arg) if req.access.registered or req.access.is_admin else None
        if view is None:
            await query.answer(not_found(req.t), show_alert=True)
            return
        text, keyboard, page_no = _page(view, page)
        await query.answer()
        if prefix == "ms" and query.message is not None:
            await query.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[attr-defined]
            return
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[arg-type]
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
