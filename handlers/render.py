"""Localized HTML texts for progress and confirmations; plan text is always escaped. No Telegram calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.models import Milestone, Plan, Unit
from bot.plan_views import group_by_plan
from bot.progress import Item, MilestoneProgress, Rates
from bot.render.fit import MESSAGE_LIMIT as MESSAGE_LIMIT, fit
from bot.render.items import deadline_phrase, item_title, short as short
from bot.status import Status

PAGE_BUDGET = MESSAGE_LIMIT - 296  # leaves room for a header line and HTML tags
# A page fits a phone screen: lines of the message text as sent (a supervisor's view is denser, a little longer).
SECRETARY_LINES = 15
SUPERVISOR_LINES = 20
LATE_NAMED = 3  # late units named on a milestone's line (subtree_progress(named=…)); the rest counted (all behind 🔎)


def days_text(t: Translator, item: Item) -> str:
    if item.status.group.value != "not_done":
        return ""
    return deadline_phrase(t, item.days_left)


def item_line(t: Translator, item: Item, *, with_unit: bool = False) -> str:
    _ = t.gettext
    # Supervisors read unit names (the short one where the tree gives one); codes stay in commands.
    # The item's code and title read as in its reminder (bot.render.items).
    who = f"<b>{escape(item.unit_name)}</b> " if with_unit else item_title(item.milestone_code, item.title) + "\n    "
    # "quá hạn 225 ngày" already says overdue; other statuses show their label.
    parts = [] if item.status == Status.overdue else [_(item.status.label)]
    parts += [days_text(t, item)]
    parts += [_("extended")] if item.original_due_date else []
    return (f"{item.status.marker} {who}" + _("due {date}").format(date=t.date(item.due_date))
            + "".join(f" · {part}" for part in parts if part))


def rates_line(t: Translator, rates: Rates) -> str:
    _ = t.gettext
    return _("Done {done}/{total} ({pct}); of items already due: {due_done}/{due_total} ({due_pct})").format(
        done=rates.done, total=rates.total, pct=t.percent(rates.ratio),
        due_done=rates.due_done, due_total=rates.due_total, due_pct=t.percent(rates.due_ratio))


def unit_header(t: Translator, unit: Unit) -> str:
    return f"🏢 <b>{escape(unit.name)}</b> ({escape(unit.code)})"


def plan_line(label: str) -> str:
    """The heading of one plan's items where a view mixes plans."""
    return f"📋 <b>{escape(label)}</b>"


def grouped(lines: list[str], groups: list[tuple[str, list[str]]]) -> list[str]:
    """The groups' lines, each under its plan's heading when it has a label."""
    for label, group in groups:
        lines.extend(([plan_line(label)] if label else []) + group)
    return lines


def qualified(code: str, label: str = "") -> str:
    """A milestone code, with its plan's label where several plans are active: "M03 (15-KH/TU)"."""
    return f"{code} ({label})" if label else code


def grouped_rows(head: list[str], things: list[Any], plan_of, line_of,  # type: ignore[no-untyped-def]
                 labels: dict[int, str]) -> list[tuple[str, object]]:
    """(line, the thing it shows or None): `head`, then the things under their plans' headings."""
    rows: list[tuple[str, object]] = [(line, None) for line in head]
    for label, group in group_by_plan(things, plan_of, labels):
        rows += ([(plan_line(label), None)] if label else []) + [(line_of(thing), thing) for thing in group]
    return rows


def unit_rows(t: Translator, unit: Unit, items: list[Item], rates: Rates,
              labels: dict[int, str] | None = None) -> list[tuple[str, object]]:
    """A unit's lines, each with the item it shows (None for headings): a page's buttons follow its items."""
    head = [unit_header(t, unit), rates_line(t, rates)] + ([] if items else [t.gettext("No milestones assigned.")])
    return grouped_rows(head, items, lambda item: item.plan_id, lambda item: item_line(t, item), labels or {})


def unit_lines(t: Translator, unit: Unit, items: list[Item], rates: Rates,
               labels: dict[int, str] | None = None) -> list[str]:
    """A unit's items; grouped under their plans' labels when `labels` is given (several active plans)."""
    return [line for line, _thing in unit_rows(t, unit, items, rates, labels)]


def milestone_marker(p: MilestoneProgress) -> str:
    """The marker of a milestone over many units, from the one status grid (bot/status.py): what a secretary
    sees for the same item on the same day."""
    if p.done == p.total:
        return Status.done_on_time.marker
    if p.late:
        return Status.overdue.marker
    if p.reported:
        return Status.awaiting.marker
    return Status.due_soon.marker if p.due_soon else Status.on_track.marker


def late_text(t: Translator, p: MilestoneProgress) -> str:
    """"Chậm (16): A, B, C +13": all counted, the first few named."""
    names = p.late_units[:LATE_NAMED]
    shown = ", ".join(names) + (f" +{p.late - len(names)}" if p.late > len(names) else "")
    return t.gettext("Late ({n}): {units}").format(n=p.late, units=escape(shown))


def milestone_progress_line(t: Translator, p: MilestoneProgress) -> str:
    _ = t.gettext
    line = (f"{milestone_marker(p)} <b>{escape(p.code)}</b> {escape(short(p.title, 60))}\n    "
            + _("due {date}").format(date=t.short_date(p.due_date)) + " · "
            + _("{done}/{total} units ({pct})").format(done=p.done, total=p.total, pct=t.percent(p.ratio)))
    if p.late:
        line += "\n    " + late_text(t, p)
    return line


def subtree_rows(t: Translator, root: Unit, progress: list[MilestoneProgress], rates: Rates,
                 labels: dict[int, str] | None = None) -> list[tuple[str, object]]:
    _ = t.gettext
    head = [unit_header(t, root) + " · " + _("supervising"), rates_line(t, rates)]
    head += [] if progress else [_("No milestones assigned.")]
    return grouped_rows(head, progress, lambda p: p.plan_id, lambda p: milestone_progress_line(t, p), labels or {})


def subtree_lines(t: Translator, root: Unit, progress: list[MilestoneProgress], rates: Rates,
                  labels: dict[int, str] | None = None) -> list[str]:
    return [line for line, _thing in subtree_rows(t, root, progress, rates, labels)]


def breakdown_lines(t: Translator, milestone: Milestone, items: list[Item], rates: Rates, label: str = "",
                    coordinating: list[str] | None = None) -> list[str]:
    """`coordinating`: the names of the milestone's phối hợp units (bot.plans.coordinating), shown under its date."""
    _ = t.gettext
    lines = [f"📌 <b>{escape(milestone.code)}</b> {escape(short(milestone.title, 200))}"]
    lines += [plan_line(label)] if label else []
    lines += [_("due {date}").format(date=t.date(milestone.due_date))]
    if coordinating:
        lines.append(_("🤝 Co-ordinating: {units}").format(units=escape(short(", ".join(coordinating), 300))))
    lines += [rates_line(t, rates)]
    lines.extend(item_line(t, item, with_unit=True) + note_text(item, "\n    ") for item in items)
    return lines


def note_text(item: Item, before: str, limit: int = 80) -> str:
    """The latest note the unit gave, quoted short ("" without one)."""
    return f"{before}📝 {escape(short(item.note, limit))}" if item.note else ""


def text_lines(text: str) -> int:
    """Lines of a message text as sent (an entry may hold several)."""
    return text.count("\n") + 1


def page_split(lines: list[str], budget: int = PAGE_BUDGET, max_lines: int | None = None,
               header_lines: int = 0) -> list[list[int]]:
    """The indexes of `lines` on each page: under `budget` characters and, with `max_lines`, under that many
    text lines, each page after the first keeping `header_lines` free for its header. Never splits an entry."""
    pages: list[list[int]] = []
    current: list[int] = []
    size = height = 0
    for index, line in enumerate(lines):
        length, tall = min(len(line), budget) + 1, text_lines(line)
        room = (max_lines or 0) - (header_lines if pages else 0)
        if current and (size + length > budget or (max_lines is not None and height + tall > room)):
            pages.append(current)
            current, size, height = [], 0, 0
        if not current and not line and pages:  # a page does not open on a blank line
            continue
        current.append(index)
        size, height = size + length, height + tall
    if current or not pages:
        pages.append(current)
    return pages


def cut(line: str, budget: int = PAGE_BUDGET) -> str:
    """A line too long for a page, cut without breaking its HTML (bot.render.fit)."""
    return fit(line, budget)


def paginate(lines: list[str], budget: int = PAGE_BUDGET, max_lines: int | None = None) -> list[str]:
    """Joins lines into pages under the budget, never splitting a line (long lines are cut)."""
    return ["\n".join(cut(lines[i], budget) for i in page) for page in page_split(lines, budget, max_lines)]


def page_marker(t: Translator, page: int, pages: int) -> str:
    return " · " + t.gettext("Page {n}/{total}").format(n=page + 1, total=pages) if pages > 1 else ""


@dataclass(frozen=True)
class Actor:
    name: str
    at: datetime


def item_card(t: Translator, item: Item, unit_name: str, label: str = "") -> str:
    """One milestone of one unit, as a reminder-like card (its plan's label where several plans are active)."""
    _ = t.gettext
    days = days_text(t, item)
    return "\n".join(filter(None, [
        f"{item.status.marker} <b>{escape(item.milestone_code)}</b> {escape(short(item.title, 300))}",
        plan_line(label) if label else "",
        f"🏢 {escape(unit_name)}",
        _("due {date}").format(date=t.date(item.due_date)) + f" · {_(item.status.label)}"
        + (f" · {days}" if days else ""),
        # An extension keeps the original date in sight; a back-dated confirmation shows the day given.
        _("🕒 extended to {date} (originally due {original})").format(
            date=t.short_date(item.due_date), original=t.short_date(item.original_due_date))
        if item.original_due_date else "",
        _("Done on {date}").format(date=t.short_date(item.done_on)) if item.done_on else "",
        note_text(item, "", 300),
    ]))


def confirmed_card(t: Translator, item: Item, unit_name: str, actor: Actor, tz: ZoneInfo, label: str = "") -> str:
    _ = t.gettext
    if item.status == Status.awaiting:
        line = _("🕓 Reported by {name} at {when}, awaiting acceptance.")
    else:
        line = _("✅ Confirmed by {name} at {when}.")
    return (item_card(t, item, unit_name, label) + "\n"
            + line.format(name=escape(actor.name), when=t.datetime(actor.at, tz)))


def action_label(prefix: str, code: str, plan_id: int, labels: dict[int, str], codes: list[str]) -> str:
    """A button's text: "✅ M03", or "✅ M03 · 15-KH/TU" where another button of the same list has that code."""
    label = labels.get(plan_id, "")
    return f"{prefix} {code} · {label}" if label and codes.count(code) > 1 else f"{prefix} {code}"


def plan_list_lines(t: Translator, rows: list[tuple[Plan, str, int, int]]) -> list[str]:
    """/kehoach: each active plan (label, short title) with its progress within the reader's units."""
    _ = t.gettext
    lines = [_("📋 <b>Plans in progress</b>: {n}").format(n=len(rows))]
    for number, (plan, label, done, total) in enumerate(rows, 1):
        progress = (_("Done {done}/{total} ({pct})").format(done=done, total=total,
                                                              pct=t.percent(done / total if total else 0.0))
                    if total else _("nothing assigned to your units"))
        lines.append(f"{number}. <b>{escape(label)}</b> {escape(short(plan.title, 80))}\n    {progress}")
    if not rows:
        lines.append(_("No plan is in progress."))
    return lines


def plan_heading(plan: Plan, label: str) -> str:
    """The first line of one plan's view."""
    return f"{plan_line(label)} {escape(short(plan.title, 80))}"


def pick_text(t: Translator, code: str, choices: list[tuple[Plan, str]],
              command: tuple[str, str] | None = None) -> str:
    """The question when a code is in several plans. With `command` ("/xong", "the note"): a note, a reason or a
    file came with it, which a button cannot carry, so it names the command to send again, one per plan."""
    _ = t.gettext
    lines = [_("❓ {code} is in {n} plans.").format(code=f"<b>{escape(code)}</b>", n=len(choices))
             + " " + (_("Send it again, naming the plan:") if command else _("Which plan?"))]
    for plan, label in choices:
        lines.append(f"{plan_line(label)} {escape(short(plan.title, 70))}")
        if command:
            name, rest = command
            text = f"{name} {plan.code}:{code}" + (f" {short(rest, 300)}" if rest else "")
            lines.append(f"    <code>{escape(text)}</code>")
    return "\n".join(lines)
