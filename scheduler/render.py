"""Reminder texts and their buttons, as plain data: what, for which unit, by when — in the reader's language.

Pure: items and a Translator in, `RenderedMessage` out (HTML text; user text is escaped). Delivery turns
the buttons into an InlineKeyboardMarkup. An item's line, its deadline phrase, its buttons' data and the cut to
Telegram's limit are bot.render's, as in the chat views: the same item reads the same in a reminder and in
/tiendo. Every item a unit must do carries a completion button (done:<assignment id>): "✅ Đã hoàn thành"
alone, or "✅ <milestone code>" when a digest lists several items. Where several plans are active the items carry
their plan's label (`ItemView.plan`) and a digest groups them under it; with one plan nothing is added.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache

from bot.i18n import Translator
from bot.render.buttons import ASK_TIME, button_data, done_data
from bot.render.fit import fit
from bot.render.items import deadline_phrase, item_title

BUTTONS_PER_ROW = 3


@dataclass(frozen=True)
class ItemView:
    """One assignment as a reminder shows it."""

    assignment_id: int
    code: str
    title: str
    unit_name: str
    due_date: date
    due_time: time | None
    days_left: int  # calendar days to the due day; negative once late
    plan: str = ""  # the plan's short label, only where more than one plan is active
    due_day_off: bool = False  # the due date is a day off (bot/workdays.py): the line says so


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str


@dataclass(frozen=True)
class RenderedMessage:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Set: this text replaces the bot's earlier message with that id in the chat (an edit, not a new message).
    edit_message_id: int | None = None


@lru_cache(maxsize=1024)
def _due_date(tr: Translator, day: date) -> str:
    # A morning's digests share a few due dates: Babel formats each once, not once per message.
    return tr.date(day)


def due_line(item: ItemView, tr: Translator) -> str:
    due = _due_date(tr, item.due_date)
    if item.due_time is not None:
        due = f"{item.due_time:%H:%M} {due}"
    if item.due_day_off:  # "Chủ Nhật, 15/03/2020 (ngày nghỉ)": late from the next working day, not before
        due = f"{due} {tr.gettext('(day off)')}"
    return tr.gettext("Due: %(due)s — %(left)s") % {"due": due, "left": deadline_phrase(tr, item.days_left)}


def render_reminder(*, unit_name: str, items: Sequence[ItemView], tr: Translator) -> RenderedMessage:
    """The digest a unit's secretaries get: its due items, each with a completion button."""
    header = f"🔔 <b>{_e(tr.gettext('Reminder'))}</b> — {_e(unit_name)}"
    if len(items) == 1:
        (item,) = items
        lines = [
            header,
            *_plan_heading(item.plan),
            _item_title(item),
            due_line(item, tr),
            "",
            _e(tr.gettext("Press the button below once it is done.")),
        ]
        buttons = ((Button(tr.gettext("✅ Done"), done_data(item.assignment_id)),
                    Button(tr.gettext("🕒 Ask for more time"), button_data(ASK_TIME, item.assignment_id))),)
        return _message(lines, buttons)
    count = tr.ngettext("%(count)d item", "%(count)d items", len(items)) % {"count": len(items)}
    lines = [f"{header}: {_e(count)}"]
    ordered: list[ItemView] = []
    for plan, group in _by_plan(items):
        lines += _plan_heading(plan)
        for item in group:
            ordered.append(item)
            lines += [f"{len(ordered)}. {_item_title(item)}", f"    {due_line(item, tr)}"]
    lines += ["", _e(tr.gettext("Press an item's button once it is done."))]
    codes = [item.code for item in ordered]
    flat = [Button(_button_text(item, codes), done_data(item.assignment_id)) for item in ordered]
    rows = tuple(tuple(flat[start : start + BUTTONS_PER_ROW]) for start in range(0, len(flat), BUTTONS_PER_ROW))
    return _message(lines, rows)


def render_escalation(*, parent_name: str, items: Sequence[ItemView], tr: Translator) -> RenderedMessage:
    """The digest a parent unit's supervisors get: which units are late, on what, by how much."""
    late = sorted(items, key=lambda item: (item.days_left, item.unit_name, item.code))
    header = f"⚠️ <b>{_e(tr.gettext('Late units'))}</b> — {_e(parent_name)}"
    lines = [header, _e(tr.gettext("These units have not confirmed work that is past its deadline:"))]
    number = 0
    for plan, group in _by_plan(late):
        lines += _plan_heading(plan)
        for item in group:
            number += 1
            lines += [
                f"{number}. <b>{_e(item.unit_name)}</b>: {_item_title(item, bold=False)}",
                f"    {due_line(item, tr)}",
            ]
    return _message(lines, ())


def _by_plan(items: Sequence[ItemView]) -> list[tuple[str, list[ItemView]]]:
    """The items under their plan's label, plans in order of first appearance (one unlabelled group with one plan)."""
    groups: dict[str, list[ItemView]] = {}
    for item in items:
        groups.setdefault(item.plan, []).append(item)
    return list(groups.items())


def _plan_heading(plan: str) -> list[str]:
    return [f"📋 <b>{_e(plan)}</b>"] if plan else []


def _button_text(item: ItemView, codes: list[str]) -> str:
    """"✅ M03", or "✅ M03 · 15-KH/TU" where another item of the digest has that code in another plan."""
    return f"✅ {item.code} · {item.plan}" if item.plan and codes.count(item.code) > 1 else f"✅ {item.code}"


def render_blocked(*, member_name: str, unit_name: str, tr: Translator) -> RenderedMessage:
    """Told to the supervisors when a member blocks the bot: that member gets no more reminders."""
    text = tr.gettext(
        "⛔ %(member)s (%(unit)s) has blocked the bot and will get no more reminders. "
        "Please ask them to open the bot again."
    ) % {"member": f"<b>{_e(member_name)}</b>", "unit": _e(unit_name)}
    return RenderedMessage(text=text)


def _item_title(item: ItemView, *, bold: bool = True) -> str:
    return item_title(item.code, item.title, bold=bold)


def _message(lines: list[str], buttons: tuple[tuple[Button, ...], ...]) -> RenderedMessage:
    # A last guard (compose.py keeps digests short): cut within Telegram's limit, never inside a tag or entity.
    return RenderedMessage(text=fit("\n".join(lines)), buttons=buttons)


def _e(text: str) -> str:
    return html.escape(text, quote=False)
