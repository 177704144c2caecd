"""/kehoach: the active plans with their progress within the caller's units, a button (plan:<id>) opens one;
and the answer to "which plan?" (pick:<action>:<milestone id>, asked by handlers/choose.py).

`/kehoach CODE` opens one plan at once. One plan's view is the caller's own items of that plan (a secretary) and
their subtree's progress restricted to it (a supervisor); it pages like /tiendo (pg:p:<plan id>:<page>).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ParseMode

from bot.access import supervised_roots
from bot.models import Milestone, Plan, Role
from bot.plan_views import find_plan, labels_of
from bot.plans.registry import active_plans, is_active
from bot.progress import item_rates, rates_of, subtree_progress, unit_items
from bot.status import Status
from handlers import confirm, reports
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import callback, parse_button
from handlers.progress import View, can_see, done_buttons, drill_buttons, milestone_answer, page_of
from handlers.render import LATE_NAMED, plan_heading, plan_list_lines, subtree_lines, unit_lines

if TYPE_CHECKING:
    from handlers.context import BotContext

MAX_PLAN_BUTTONS = 8
DONE = (Status.done_on_time, Status.done_late)


async def plan_list_view(req: Request, context: BotContext) -> View:
    """The active plans, each with done/total over the caller's scope: their supervised subtrees, and their own
    units outside those."""
    now, rules = context.clock.now(), context.services.rules
    plans = await active_plans(session=req.session)
    labels = labels_of(plans)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    roots = await supervised_roots(session=req.session, access=req.access)
    for root in roots:
        for p in await subtree_progress(session=req.session, root=root, now=now, rules=rules, named=0):  # counts only
            counts[p.plan_id][0] += p.done
            counts[p.plan_id][1] += p.total
    for unit in req.access.units_with(Role.secretary):
        if any(unit.path.startswith(root.path) for root in roots):  # counted with the subtree
            continue
        assert unit.id is not None  # a stored unit
        for item in await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules):
            counts[item.plan_id][0] += item.status in DONE
            counts[item.plan_id][1] += 1
    view = View("k", 0)
    stored = [(plan, plan.id) for plan in plans if plan.id is not None]  # all of them: read from the database
    view.lines = plan_list_lines(req.t, [(plan, labels[plan_id], counts[plan_id][0], counts[plan_id][1])
                                         for plan, plan_id in stored])
    view.buttons = [(f"📋 {labels[plan_id]}", callback("plan", plan_id)) for _, plan_id in stored[:MAX_PLAN_BUTTONS]]
    return view


async def plan_view(req: Request, context: BotContext, plan_id: int) -> View | None:
    """One active plan: the caller's units' items of it, and their subtrees' progress on it."""
    plan = await req.session.get(Plan, plan_id)
    if plan is None or not is_active(plan):
        return None
    label = labels_of(await active_plans(session=req.session)).get(plan_id, plan.code)
    now, rules = context.clock.now(), context.services.rules
    view = View("p", plan_id)
    view.lines = [plan_heading(plan, label), ""]
    for unit in req.access.units_with(Role.secretary):
        assert unit.id is not None  # a stored unit
        items = await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules, plan_id=plan_id)
        view.lines += [*unit_lines(req.t, unit, items, item_rates(items)), ""]
        view.buttons += done_buttons(items, {})
    for root in await supervised_roots(session=req.session, access=req.access):
        progress = await subtree_progress(session=req.session, root=root, now=now, rules=rules, plan_id=plan_id,
                                          named=LATE_NAMED)
        view.lines += [*subtree_lines(req.t, root, progress, rates_of(progress)), ""]
        view.buttons += drill_buttons(progress, {})
    view.buttons = view.buttons[:MAX_PLAN_BUTTONS]
    return view


async def kehoach(update: Update, context: BotContext) -> None:
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await reply(update, not_registered(req.t))
            return
        view: View | None
        if context.args:
            plan = await find_plan(session=req.session, name=context.args[0])
            view = await plan_view(req, context, plan.id) if plan is not None and plan.id is not None else None
        else:
            view = await plan_list_view(req, context)
        if view is None:
            await reply(update, not_found(req.t))
            return
        text, keyboard, _page = page_of(view, 0)
        await reply(update, text, reply_markup=keyboard)


async def plan_button(update: Update, context: BotContext) -> None:
    """plan:<plan id> in the /kehoach list: that plan's view, in a new message (the list stays to pick another)."""
    query = update.callback_query
    assert query is not None
    pressed = parse_button(query.data)
    if pressed is None or pressed.kind != "plan":
        await unknown_button(update, context)
        return
    async with request(update, context) as req:
        allowed = req.access.registered or req.access.is_admin
        view = await plan_view(req, context, pressed.numbers[0]) if allowed else None
        if view is None:
            await query.answer(not_found(req.t), show_alert=True)
            return
        text, keyboard, _page = page_of(view, 0)
        await query.answer()
        if query.message is not None:
            # reply_text is a Message's: an inaccessible one (older than 48 hours) fails, as it always did
            await query.message.reply_text(text, parse_mode=ParseMode.HTML,  # type: ignore[attr-defined]
                                           reply_markup=keyboard)


async def pick_button(update: Update, context: BotContext) -> None:
    """pick:<action>:<milestone id>: the plan chosen for an ambiguous code. Checked afresh: the milestone must
    still be followed, in an active plan, and within the caller's units."""
    query = update.callback_query
    assert query is not None
    pressed = parse_button(query.data)
    if pressed is None or pressed.kind != "pick":
        await unknown_button(update, context)
        return
    action, milestone_id = pressed.view, pressed.numbers[0]
    async with request(update, context) as req:
        if not req.access.registered and not req.access.is_admin:
            await query.answer(not_registered(req.t), show_alert=True)
            return
        milestone = await req.session.get(Milestone, milestone_id)
        if milestone is None or not await can_see(req, milestone):  # can_see: followed, active plan, theirs
            await query.answer(not_found(req.t), show_alert=True)
            return
        if action == "xong":
            await confirm.confirm_picked(update, context, req, milestone)
            return
        if action == "lich":
            files = await reports.calendar_files(req, context, milestone_id=milestone_id)
        else:
            answer = await milestone_answer(req, context, milestone_id)
            if answer is None:
                await query.answer(not_found(req.t), show_alert=True)
                return
            await query.answer()
            await query.edit_message_text(answer[0], parse_mode=ParseMode.HTML,
                                          reply_markup=answer[1])  # type: ignore[arg-type]  # typed as object upstream
            return
    await query.answer()
    await reports.send_calendars(update, req.t, files)
