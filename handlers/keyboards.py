"""Inline keyboards, built apart from handlers. callback_data is a plain string of at most 64 bytes.

`parse_button` reads back every button built here; anything else (a forged press, junk) is None.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# Ids are INTEGER columns, 32-bit on PostgreSQL: a bigger number was never a row, and handing it to the
# database raises (OverflowError on SQLite, DataError on PostgreSQL) instead of finding nothing.
MAX_NUMBER = 2**31 - 1
# The views pg: turns the pages of (handlers/progress.py; p: one plan, k: the plan list, handlers/plans.py).
VIEWS = frozenset({"me", "u", "m", "p", "k"})
# What a pick: button (which plan an ambiguous code meant) goes on to do (handlers/plans.py).
ACTIONS = frozenset({"tiendo", "xong", "lich"})
# What follows each kind of button: "n" a number (an id, or a page), "v" a view, "a" an action.
SHAPES = {"done": "n", "undo": "n", "acc": "n", "ret": "n", "urge": "n", "ms": "n", "pg": "vnn", "plan": "n",
          # ✅ in a /tiendo list: dn:<assignment id>:<view>:<arg>:<page>, the list re-rendered after it.
          "dn": "nvnn",
          "ev": "n",  # send the evidence file of an assignment
          "pick": "an",
          # Extensions (handlers/extensions.py): ask (assignment id), approve / decline (extension id).
          "ext": "n", "exa": "n", "exd": "n"}
WORDS = {"v": VIEWS, "a": ACTIONS}


@dataclass(frozen=True)
class Pressed:
    kind: str
    numbers: tuple[int, ...]
    view: str = ""  # pg: the view; pick: the action


def parse_number(text: str) -> int | None:
    """A non-negative number exactly as the bot writes it (ASCII digits, no leading zero, within MAX_NUMBER)."""
    if not text or len(text) > len(str(MAX_NUMBER)) or not (text.isascii() and text.isdigit()):
        return None
    if text[0] == "0" and text != "0":
        return None
    number = int(text)
    return number if number <= MAX_NUMBER else None


def parse_button(data: str | None) -> Pressed | None:
    """The button pressed, if the bot could have made it; None for anything else. Never raises."""
    if not data or len(data) > 64:
        return None
    kind, *args = data.split(":")
    shape = SHAPES.get(kind)
    if shape is None or len(args) != len(shape):
        return None
    numbers, view = [], ""
    for letter, arg in zip(shape, args, strict=True):
        if letter in WORDS:
            if arg not in WORDS[letter]:
                return None
            view = arg
            continue
        number = parse_number(arg)
        if number is None:
            return None
        numbers.append(number)
    return Pressed(kind, tuple(numbers), view)


def done_keyboard(t: Translator, assignment_id: int) -> InlineKeyboardMarkup:
    """Under an open item: done, or ask for more time."""
    _ = t.gettext
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("✅ Done"), callback_data=callback("done", assignment_id)),
                                  InlineKeyboardButton(_("🕒 Ask for more time"),
                                                       callback_data=callback("ext", assignment_id))]])


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
    return sum(1 for row in markup.inline_keyboard for b in row
               if isinstance(b.callback_data, str) and b.callback_data.startswith("done:"))
