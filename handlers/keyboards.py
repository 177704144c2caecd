"""Inline keyboards, built apart from handlers. The button protocol itself (what callback data says, built and
read back) is bot.render.buttons, which the engine's reminders use too; it is re-exported here for the handlers.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render.buttons import (
    ACTIONS as ACTIONS,
    ASK_TIME,
    DONE,
    MAX_DATA_BYTES,
    MAX_NUMBER as MAX_NUMBER,
    SHAPES as SHAPES,
    VIEWS as VIEWS,
    Pressed as Pressed,
    button_data,
    is_item_button,
    parse_button as parse_button,
    parse_number as parse_number,
)


def callback(kind: str, *args: object) -> str:
    """A button's data: the item protocol's kinds are built (and checked to read back) by bot.render.buttons; the
    members' and intake screens' own kinds, read by `parse_callback`, are only held to Telegram's 64 bytes."""
    if kind in SHAPES:
        return button_data(kind, *args)
    data = ":".join(str(part) for part in (kind, *args))
    if len(data.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"callback_data over {MAX_DATA_BYTES} bytes: {data!r}")
    return data


def parse_callback(data: str | None) -> tuple[str, list[str]]:
    kind, *args = (data or "").split(":")
    return kind, args


def done_keyboard(t: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    """Under an open item: done, or ask for more time."""
    _ = t.gettext
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("✅ Done"), callback_data=callback(DONE, assignment_id)),
                                  InlineKeyboardButton(_("🕒 Ask for more time"),
                                                       callback_data=callback(ASK_TIME, assignment_id))]])


def decide_keyboard(t: Translator, extension_id: int) -> InlineKeyboardMarkup:
    """Under a request for more time, to the supervisors."""
    _ = t.gettext
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(_("✔️ Approve"), callback_data=callback("exa", extension_id)),
        InlineKeyboardButton(_("✖️ Decline"), callback_data=callback("exd", extension_id)),
    ]])


def undo_keyboard(t: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("↩️ Undo"), callback_data=callback("undo", assignment_id))]])


def review_keyboard(t: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(_("✔️ Accept"), callback_data=callback("acc", assignment_id)),
        InlineKeyboardButton(_("↩️ Return"), callback_data=callback("ret", assignment_id)),
    ]])


def with_evidence(t: Translator, markup: InlineKeyboardMarkup | None, assignment_id: int) -> InlineKeyboardMarkup:
    """The keyboard, and a button that sends the evidence file kept with the confirmation."""
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    rows.append([InlineKeyboardButton(t.gettext("📎 Evidence file"), callback_data=callback("ev", assignment_id))])
    return InlineKeyboardMarkup(rows)


def list_keyboard(*, kind: str, arg: int, page: int, pages: int,
                  extra: list[tuple[str, str]] = ()) -> InlineKeyboardMarkup | None:  # type: ignore[assignment]
    """Drill-down / action buttons (text, data) four to a row, then ◀ ▶ paging when there is more than one page."""
    rows: list[list[InlineKeyboardButton]] = []
    buttons = [InlineKeyboardButton(text, callback_data=data) for text, data in extra]
    rows.extend(buttons[i:i + 4] for i in range(0, len(buttons), 4))
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀", callback_data=callback("pg", kind, arg, page - 1)))
        nav.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=callback("pg", kind, arg, page)))
        if page < pages - 1:
            nav.append(InlineKeyboardButton("▶", callback_data=callback("pg", kind, arg, page + 1)))
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def pick_keyboard(choices: list[tuple[str, str, int]]) -> InlineKeyboardMarkup:
    """One button per plan, (label, action, milestone id): pick:<action>:<milestone id>, all the press needs."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"📋 {label}",
                                                       callback_data=callback("pick", action, milestone_id))]
                                 for label, action, milestone_id in choices])


def without_button(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The same keyboard less the button carrying `data` (None when nothing is left)."""
    if markup is None:
        return None
    rows = [[b for b in row if b.callback_data != data] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def item_buttons(markup: InlineKeyboardMarkup | None) -> int:
    """How many item buttons a message carries: more than one means a list (a digest, a progress page)."""
    if markup is None:
        return 0
    return sum(1 for row in markup.inline_keyboard for b in row if is_item_button(b.callback_data))
