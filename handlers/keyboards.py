"""Inline keyboards, built apart from handlers. callback_data is a plain string of at most 64 bytes."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator


def callback(*parts: object) -> str:
    data = ":".join(str(part) for part in parts)
    if len(data.encode()) > 64:
        raise ValueError(f"callback_data over 64 bytes: {data!r}")
    return data


def parse_callback(data: str | None) -> tuple[str, list[str]]:
    kind, *args = (data or "").split(":")
    return kind, args


def done_keyboard(t: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("✅ Done"), callback_data=callback("done", assignment_id))]])


def undo_keyboard(t: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("↩️ Undo"), callback_data=callback("undo", assignment_id))]])


def review_keyboard(t: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    _ = t.gettext
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(_("✔️ Accept"), callback_data=callback("acc", assignment_id)),
        InlineKeyboardButton(_("↩️ Return"), callback_data=callback("ret", assignment_id)),
    ]])


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
    return sum(1 for row in markup.inline_keyboard for b in row if (b.callback_data or "").startswith("done:"))
