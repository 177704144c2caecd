"""Localized HTML texts for progress and confirmations; plan text is always escaped. No Telegram calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.models import Milestone, Unit
from bot.progress import Item, MilestoneProgress, Rates
from bot.status import Status

MESSAGE_LIMIT = 4096
PAGE_BUDGET = 3800  # leaves room for a header line and HTML tags
TITLE_CHARS = 90


def short(text: str, limit: int = TITLE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def days_text(t: Translator, item: Item) -> str:
    if item.status.group.value != "not_done":
        return ""
    if item.days_left > 0:
        return t.ngettext("{n} day left", "{n} days left", item.days_left).format(n=item.days_left)
    if item.days_left == 0:
        return t.gettext("due today")
    late = -item.days_left
    return t.ngettext("{n} day late", "{n} days late", late).format(n=late)


def item_line(t: Translator, item: Item, *, with_unit: bool = False) -> str:
    _ = t.gettext
    who = f"<b>{escape(item.unit_code)}</b> " if with_unit else f"<b>{escape(item.milestone_code)}</b> "
    title = "" if with_unit else escape(short(item.title)) + "\n    "
    # "quá hạn 225 ngày" already says overdue; other statuses show their label.
    parts = [] if item.status == Status.overdue else [_(item.status.label)]
    parts += [days_text(t, item)]
    return (f"{item.status.marker} {who}{title}" + _("due {date}").format(date=t.date(item.due_date))
            + "".join(f" · {part}" for part in parts if part))


def rates_line(t: Translator, rates: Rates) -> str:
    _ = t.gettext
    return _("Done {done}/{total} ({pct}); of items already due: {due_done}/{due_total} ({due_pct})").format(
        done=rates.done, total=rates.total, pct=t.percent(rates.ratio),
        due_done=rates.due_done, due_total=rates.due_total, due_pct=t.percent(rates.due_ratio))


def unit_header(t: Translator, unit: Unit) -> str:
    return f"🏢 <b>{escape(unit.name)}</b> ({escape(unit.code)})"


def unit_lines(t: Translator, unit: Unit, items: list[Item], rates: Rates) -> list[str]:
    _ = t.gettext
    lines = [unit_header(t, unit), rates_line(t, rates)]
    if not items:
        lines.append(_("No milestones assigned."))
    lines.extend(item_line(t, item) for item in items)
    return lines


def milestone_progress_line(t: Translator, p: MilestoneProgress) -> str:
    _ = t.gettext
    marker = "✅" if p.done == p.total else ("🔴" if p.late_units else ("🕓" if p.reported else "⏳"))
    line = (f"{marker} <b>{escape(p.code)}</b> {escape(short(p.title, 60))}\n    "
            + _("due {date}").format(date=t.short_date(p.due_date)) + " · "
            + _("{done}/{total} units ({pct})").format(done=p.done, total=p.total, pct=t.percent(p.ratio)))
    if p.late_units:
        line += "\n    " + _("Late: {units}").format(units=escape(", ".join(p.late_units)))
    return line


def subtree_lines(t: Translator, root: Unit, progress: list[MilestoneProgress], rates: Rates) -> list[str]:
    _ = t.gettext
    lines = [unit_header(t, root) + " · " + _("supervising"), rates_line(t, rates)]
    if not progress:
        lines.append(_("No milestones assigned."))
    lines.extend(milestone_progress_line(t, p) for p in progress)
    return lines


def breakdown_lines(t: Translator, milestone: Milestone, items: list[Item], rates: Rates) -> list[str]:
    _ = t.gettext
    lines = [f"📌 <b>{escape(milestone.code)}</b> {escape(short(milestone.title, 200))}",
             _("due {date}").format(date=t.date(milestone.due_date)), rates_line(t, rates)]
    lines.extend(item_line(t, item, with_unit=True) for item in items)
    return lines


def paginate(lines: list[str], budget: int = PAGE_BUDGET) -> list[str]:
    """Joins lines into pages under the budget, never splitting a line (long lines are cut)."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= budget else line[: budget - 1] + "…"
        if current and size + len(line) + 1 > budget:
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current or not pages:
        pages.append("\n".join(current))
    return pages


@dataclass(frozen=True)
class Actor:
    name: str
    at: datetime


def item_card(t: Translator, item: Item, unit_name: str) -> str:
    """One milestone of one unit, as a reminder-like card."""
    _ = t.gettext
    days = days_text(t, item)
    return "\n".join(filter(None, [
        f"{item.status.marker} <b>{escape(item.milestone_code)}</b> {escape(short(item.title, 300))}",
        f"🏢 {escape(unit_name)}",
        _("due {date}").format(date=t.date(item.due_date)) + f" · {_(item.status.label)}"
        + (f" · {days}" if days else ""),
    ]))


def confirmed_card(t: Translator, item: Item, unit_name: str, actor: Actor, tz: ZoneInfo) -> str:
    _ = t.gettext
    if item.status == Status.awaiting:
        line = _("🕓 Reported by {name} at {when}, awaiting acceptance.")
    else:
        line = _("✅ Confirmed by {name} at {when}.")
    return item_card(t, item, unit_name) + "\n" + line.format(name=escape(actor.name), when=t.datetime(actor.at, tz))
