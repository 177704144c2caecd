"""/tiendo: a secretary's milestones, a supervisor's subtree, one unit, or one milestone unit by unit; pages ◀ ▶.

With more than one active plan every view groups its items under their plan's label (bot/plan_views.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.access import supervised_roots
from bot.i18n import Translator, translator
from bot.models import Milestone, Role, Unit
from bot.plan_views import reaches, view_labels
from bot.plans.coordinating import coordinating_names
from bot.progress import (
    Item,
    MilestoneProgress,
    item_rates,
    milestone_breakdown,
    rates_of,
    subtree_progress,
    unit_items,
)
from bot.status import Group, Status
from bot.units import count_children, get_unit, get_unit_by_code
from handlers.choose import choose_milestone
from handlers.common import Request, not_found, not_registered, reply, request, unknown_button
from handlers.keyboards import callback, done_keyboard, list_keyboard, parse_button
from handlers.render import (
    LATE_NAMED,
    SECRETARY_LINES,
    SUPERVISOR_LINES,
    action_label,
    breakdown_lines,
    cut,
    item_card,
    page_marker,
    page_split,
    subtree_rows,
    unit_rows,
)

if TYPE_CHECKING:
    from handlers.context import BotContext

MAX_ACTION_BUTTONS = 8  # the plan view's buttons (handlers/plans.py), under every page


@dataclass(frozen=True)
class LineButton:
    """A button under the page that shows its line: (prefix, kind, id); its text is the line's code."""

    prefix: str
    kind: str  # dn: ✅ in a list (the view re-renders after it); ms: drill down
    number: int
    code: str
    plan_id: int


@dataclass
class View:
    kind: str  # me / u / m
    arg: int
    lines: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # under every page
    line_buttons: dict[int, list[LineButton]] = field(default_factory=dict)  # under the page showing the line
    headings: dict[int, str] = field(default_factory=dict)  # a section's first line → the heading pages repeat
    max_lines: int = SECRETARY_LINES
    labels: dict[int, str] = field(default_factory=dict)
    t: Translator | None = None

    def add(self, rows: list[tuple[str, object]], buttons_of: Callable[[object], list[LineButton]] | None = None
            ) -> None:
        """One section (a unit, a subtree, a milestone): its first row is the heading its pages repeat."""
        if self.lines:
            self.lines.append("")
        self.headings[len(self.lines)] = rows[0][0]
        for text, thing in rows:
            found = buttons_of(thing) if thing is not None and buttons_of is not None else []
            if found:
                self.line_buttons[len(self.lines)] = found
            self.lines.append(text)


def line_limit(roots: list[Unit]) -> int:
    return SUPERVISOR_LINES if roots else SECRETARY_LINES


def done_buttons(items: list[Item], labels: dict[int, str]) -> list[tuple[str, str]]:
    open_items = [i for i in items if i.status.group == Group.not_done]
    open_items.sort(key=lambda i: (abs(i.days_left), i.due_date))  # the items nearest today first
    shown = open_items[:MAX_ACTION_BUTTONS]
    codes = [i.milestone_code for i in shown]
    return [(action_label("✅", i.milestone_code, i.plan_id, labels, codes), callback("done", i.assignment_id))
            for i in shown]


def drill_buttons(progress: list[MilestoneProgress], labels: dict[int, str]) -> list[tuple[str, str]]:
    late = [p for p in progress if p.late]
    codes = [p.code for p in late]
    return [(action_label("🔎", p.code, p.plan_id, labels, codes), callback("ms", p.milestone_id)) for p in late]


def done_button(thing: object) -> list[LineButton]:
    """✅ under every open item of a list, in the list's order."""
    item = thing
    assert isinstance(item, Item)
    if item.status.group != Group.not_done:
        return []
    return [LineButton("✅", "dn", item.assignment_id, item.milestone_code, item.plan_id)]


def drill_button(thing: object) -> list[LineButton]:
    """🔎 under every milestone not finished: its units one tap away (the late ones first named)."""
    p = thing
    assert isinstance(p, MilestoneProgress)
    return [] if p.done == p.total else [LineButton("🔎", "ms", p.milestone_id, p.code, p.plan_id)]


async def overview(req: Request, context: BotContext) -> View:
    now, rules = context.clock.now(), context.services.rules
    roots = await supervised_roots(session=req.session, access=req.access)
    labels = await view_labels(session=req.session)
    view = View("me", 0, max_lines=line_limit(roots), labels=labels, t=req.t)
    for unit in req.access.units_with(Role.secretary):
        items = await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules)  # type: ignore[arg-type]  # a stored row: its id is set
        view.add(unit_rows(req.t, unit, items, item_rates(items), labels), done_button)
    for root in roots:
        progress = await subtree_progress(session=req.session, root=root, now=now, rules=rules, named=LATE_NAMED)
        view.add(subtree_rows(req.t, root, progress, rates_of(progress), labels), drill_button)
    return view


async def unit_view(req: Request, context: BotContext, unit: Unit) -> View:
    """A unit's items; for its supervisor, a unit with units under it is one view of its subtree (which holds the
    unit's own items), with ✅ for the unit's own open ones."""
    now, rules = context.clock.now(), context.services.rules
    roots = await supervised_roots(session=req.session, access=req.access)
    labels = await view_labels(session=req.session)
    view = View("u", unit.id, max_lines=line_limit(roots), labels=labels, t=req.t)  # type: ignore[arg-type]  # a stored row: its id is set
    items = await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules)  # type: ignore[arg-type]  # a stored row: its id is set
    confirms = req.access.can_confirm(unit)
    if req.access.supervises(unit) and await count_children(session=req.session, unit=unit):
        progress = await subtree_progress(session=req.session, root=unit, now=now, rules=rules, named=LATE_NAMED)
        own = {item.milestone_id: item for item in items}

        def buttons(thing: object) -> list[LineButton]:
            item = own.get(thing.milestone_id)  # type: ignore[attr-defined]  # subtree rows show MilestoneProgress
            return (done_button(item) if confirms and item is not None else []) + drill_button(thing)

        view.add(subtree_rows(req.t, unit, progress, rates_of(progress), labels), buttons)
        return view
    view.add(unit_rows(req.t, unit, items, item_rates(items), labels), done_button if confirms else None)
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
        for item in await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules):  # type: ignore[arg-type]  # a stored row: its id is set
            if item.milestone_id == milestone_id:
                items.setdefault(item.assignment_id, item)
    if not items:
        return None
    ordered = list(items.values())
    labels = await view_labels(session=req.session)
    roots = await supervised_roots(session=req.session, access=req.access)
    view = View("m", milestone_id, max_lines=line_limit(roots), labels=labels, t=req.t)
    coordinating = await coordinating_names(session=req.session, milestones=[milestone])
    view.add([(line, None) for line in breakdown_lines(req.t, milestone, ordered, item_rates(ordered),
                                                        labels.get(milestone.plan_id, ""),
                                                        coordinating.get(milestone_id))])
    if roots and any(i.status == Status.overdue for i in ordered):
        view.buttons.append((req.t.gettext("📣 Urge"), callback("urge", milestone_id)))
    return view


async def view_for(req: Request, context: BotContext, kind: str, arg: int) -> View | None:
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
    """One page: at most `view.max_lines` lines, its section's heading and "Trang k/n" on top, its own buttons."""
    pages = page_split(view.lines, max_lines=view.max_lines, header_lines=1)
    page = max(0, min(page, len(pages) - 1))
    indexes = pages[page]
    first = indexes[0] if indexes else 0
    lines = [cut(view.lines[i]) for i in indexes]
    marker = page_marker(view.t or translator("vi"), page, len(pages))
    if page == 0 or first in view.headings or not view.lines:
        lines[:1] = [(lines[0] if lines else "") + marker]
    else:  # a page opening inside a section repeats the section's heading
        heading = view.headings.get(max((i for i in view.headings if i <= first), default=-1), view.lines[0])
        lines.insert(0, heading + marker)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    pressed = [b for i in indexes for b in view.line_buttons.get(i, [])]
    codes = [b.code for b in pressed]
    extra = [(action_label(b.prefix, b.code, b.plan_id, view.labels, codes),
              callback(b.kind, b.number, view.kind, view.arg, page) if b.kind == "dn" else callback(b.kind, b.number))
             for b in pressed]
    keyboard = list_keyboard(kind=view.kind, arg=view.arg, page=page, pages=len(pages), extra=extra + view.buttons)
    return "\n".join(lines), keyboard, page


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
        answer = await milestone_answer(req, context, milestone.id)  # type: ignore[arg-type]  # a stored row: its id is set
        if answer is None:
            await reply(update, not_found(req.t))
            return
        await reply(update, answer[0], reply_markup=answer[1])


async def can_see(req: Request, milestone: Milestone) -> bool:
    """Whether the milestone is assigned to one of the caller's units or within a subtree they supervise."""
    roots = await supervised_roots(session=req.session, access=req.access)
    units = [u.id for u in req.access.units_with(Role.secretary)]
    return await reaches(session=req.session, milestone_id=milestone.id, unit_ids=units, roots=roots)  # type: ignore[arg-type]  # a stored row: its id is set


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
        for item in await unit_items(session=req.session, unit_id=unit.id, now=now, rules=rules):  # type: ignore[arg-type]  # a stored row: its id is set
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
    if prefix == "ms":
        kind, arg, page = "m", pressed.numbers[0], 0
    else:
        kind, (arg, page) = pressed.view, pressed.numbers[:2]
    async with request(update, context) as req:
        view = await view_for(req, context, kind, arg) if req.access.registered or req.access.is_admin else None
        if view is None:
            await query.answer(not_found(req.t), show_alert=True)
            return
        text, keyboard, _page_no = page_of(view, page)
        await query.answer()
        if prefix == "ms" and query.message is not None:
            await query.message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[attr-defined]  # PTB: not on an InaccessibleMessage; a just-pressed button's message is a Message
            return
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)  # type: ignore[arg-type]  # PTB types the markup narrower than page_of's
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
