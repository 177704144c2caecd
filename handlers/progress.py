"""/tiendo: a secretary's milestones, a supervisor's subtree, one unit, or one milestone unit by unit; pages ◀ ▶.

With more than one active plan every view groups its items under their plan's label (bot/plan_views.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.access import supervised_roots
from bot.models import Milestone, Role, Unit
from bot.plan_views import reaches, view_labels
from bot.progress import (Item, MilestoneProgress, item_rates, milestone_breakdown, rates_of, subtree_progress,
                          unit_items)
from bot.status import Group, Status
from bot.units import count_children, get_unit, get_unit_by_code
from handlers.choose import choose_milestone
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import callback, done_keyboard, list_keyboard, parse_button
from handlers.render import action_label, breakdown_lines, item_card, paginate, subtree_lines, unit_lines

if TYPE_CHECKING:
    from bot.app import BotContext

MAX_ACTION_BUTTONS = 8


@dataclass
class View:
    kind: str  # me / u / m
    arg: int
    lines: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


def done_buttons(items: list[Item], labels: dict[int, str]) -> list[tuple[str, str]]:
    open_items = [i for i in items if i.status.group == Group.not_done]
    open_items.sort(key=lambda i: (abs(i.days_left), i.due_date))  # the items nearest today first
    shown = open_items[:MAX_ACTION_BUTTONS]
    codes = [i.milestone_code for i in shown]
    return [(action_label("✅", i.milestone_code, i.plan_id, labels, codes), callback("done", i.assignment_id))
            for i in shown]


def drill_buttons(progress: list[MilestoneProgress], labels: dict[int, str]) -> list[tuple[str, str]]:
    late = [p for p in progress if p.late_units]
    codes = [p.code for p in late]
    return [(action_label("🔎", p.code, p.plan_id, labels, codes), callback("ms", p.milestone_id)) for p in late]


async def overview(req: Request, context: BotContext) -> View:
    view = View("me", 0)
    now, rules = context.clock.now(), context.services.rules
    labels = await view_labels(session=req.session)
    for unit in req.access.units_with(Role.secretary):
        items = await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules)  # type: ignore[arg-type]
        view.lines += unit_lines(req.t, unit, items, item_rates(items), labels) + [""]
        view.buttons += done_buttons(items, labels)
    for root in await supervised_roots(session=req.session, access=req.access):
        progress = await subtree_progress(session=req.session, root=root, now=now, rules=rules)
        view.lines += subtree_lines(req.t, root, progress, rates_of(progress), labels) + [""]
        view.buttons += drill_buttons(progress, labels)
    view.buttons = view.buttons[:MAX_ACTION_BUTTONS]
    return view


async def unit_view(req: Request, context: BotContext, unit: Unit) -> View:
    view = View("u", unit.id)  # type: ignore[arg-type]
    now, rules = context.clock.now(), context.services.rules
    labels = await view_labels(session=req.session)
    items = await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules)  # type: ignore[arg-type]
    view.lines = unit_lines(req.t, unit, items, item_rates(items), labels)
    if req.access.can_confirm(unit):
        view.buttons = done_buttons(items, labels)
    if req.access.supervises(unit) and await count_children(session=req.session, unit=unit):
        progress = await subtree_progress(session=req.session, root=unit, now=now, rules=rules)
        view.lines += [""] + subtree_lines(req.t, unit, progress, rates_of(progress), labels)
    return view


async def milestone_view(req: Request, context: BotContext, milestone_id: int) -> View | None:
    """One milestone unit by unit over the caller's supervised subtrees, or the caller's own card."""
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
    labels = await view_labels(session=req.session)
    view.lines = breakdown_lines(req.t, milestone, ordered, item_rates(ordered), labels.get(milestone.plan_id, ""))
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
    if kind in ("p", "k"):
        from handlers.plans import plan_list_view, plan_view  # handlers.plans builds on this module

        return await plan_view(req, context, arg) if kind == "p" else await plan_list_view(req, context)
    return None


def page_of(view: View, page: int) -> tuple[str, object, int]:
    pages = paginate(view.lines)
    page = max(0, min(page, len(pages) - 1))
    keyboard = list_keyboard(kind=view.kind, arg=view.arg, page=page, pages=len(pages), extra=view.buttons)
    return pages[page], keyboard, page


async def tiendo(update: Update, context: BotContext) -> None:
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await reply(update, not_registered(req.t))
            return
        if not context.args:
            text, keyboard, _page_no = page_of(await overview(req, context), 0)
            await reply(update, text, reply_markup=keyboard)
            return
        code = context.args[0]
        unit = await get_unit_by_code(session=req.session, code=code)
        if unit is not None:
            view = await unit_view(req, context, unit) if req.access.can_view(unit) else None
            if view is None:
                await reply(update, not_found(req.t))
                return
            text, keyboard, _page_no = page_of(view, 0)
            await reply(update, text, reply_markup=keyboard)
            return
        milestone = await choose_milestone(update, req, code, action="tiendo", allowed=lambda m: can_see(req, m))
        if milestone is None:  # answered: not found, or which plan?
            return
        answer = await milestone_answer(req, context, milestone.id)  # type: ignore[arg-type]
        if answer is None:
            await reply(update, not_found(req.t))
            return
        await reply(update, answer[0], reply_markup=answer[1])


async def can_see(req: Request, milestone: Milestone) -> bool:
    """Whether the milestone is assigned to one of the caller's units or within a subtree they supervise."""
    roots = await supervised_roots(session=req.session, access=req.access)
    units = [u.id for u in req.access.units_with(Role.secretary)]
    return await reaches(session=req.session, milestone_id=milestone.id, unit_ids=units, roots=roots)  # type: ignore[arg-type]


async def milestone_answer(req: Request, context: BotContext, milestone_id: int) -> tuple[str, object] | None:
    """What /tiendo <milestone> shows: a supervisor's unit-by-unit view (first page), or a secretary's own card
    with the ✅ button."""
    if await supervised_roots(session=req.session, access=req.access):
        view = await milestone_view(req, context, milestone_id)
        if view is None:
            return None
        text, keyboard, _page_no = page_of(view, 0)
        return text, keyboard
    now, rules = context.clock.now(), context.services.rules
    labels = await view_labels(session=req.session)
    for unit in req.access.units_with(Role.secretary):
        for item in await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules):  # type: ignore[arg-type]
            if item.milestone_id == milestone_id:
                keyboard = done_keyboard(req.t, item.assignment_id) if item.status.group == Group.not_done else None
                return item_card(req.t, item, unit.name, labels.get(item.plan_id, "")), keyboard
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
        text, keyboard, page_no = page_of(view, page)
        await query.answer()
        if prefix == "ms" and query.message is not None:
            await query.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[attr-defined]
            return
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[arg-type]
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
