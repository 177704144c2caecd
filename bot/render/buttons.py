"""The button protocol: what a button's callback data says, built and read back in one place.

Data is `kind:arg:…` (at most 64 bytes, Telegram's limit), stable across restarts. `parse_button` reads back
every button `button_data` builds; anything else (a forged press, junk, an old shape) is None.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DATA_BYTES = 64
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
DONE = "done"  # ✅ under an item a unit must do: done:<assignment id>, from a reminder or a chat view
ASK_TIME = "ext"  # 🕒 under an open item: ext:<assignment id>


@dataclass(frozen=True)
class Pressed:
    kind: str
    numbers: tuple[int, ...]
    view: str = ""  # pg: the view; pick: the action


def button_data(kind: str, *args: object) -> str:
    """The callback data of a button; raises on a shape `parse_button` would refuse (a bug, not input)."""
    data = ":".join(str(part) for part in (kind, *args))
    if len(data.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"callback_data over {MAX_DATA_BYTES} bytes: {data!r}")
    if parse_button(data) is None:
        raise ValueError(f"not a button the bot reads back: {data!r}")
    return data


def done_data(assignment_id: int) -> str:
    return button_data(DONE, assignment_id)


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
    if not data or len(data.encode(errors="replace")) > MAX_DATA_BYTES:
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


def is_item_button(data: object) -> bool:
    """A ✅ under one item (not paging, not a decision)."""
    pressed = parse_button(data) if isinstance(data, str) else None
    return pressed is not None and pressed.kind == DONE
