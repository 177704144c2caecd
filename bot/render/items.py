"""How an item reads wherever it is shown: its code and shortened title, and how far its deadline is."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator

TITLE_CHARS = 120  # a plan's wording quoted on an item's line, shortened past this (about three phone lines)


def short(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` on one line, cut with "…" past `limit` characters. Cut before escaping, so never inside an entity."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_title(code: str, title: str, *, bold: bool = True) -> str:
    """"<b>M03</b> Báo cáo sơ kết…": the same in a reminder, a late-units digest and /tiendo."""
    shown = f"<b>{escape(code)}</b>" if bold else escape(code)
    return f"{shown} {escape(short(title))}"


def deadline_phrase(t: Translator, days_left: int) -> str:
    """"còn 3 ngày", "hạn chót là hôm nay", "quá hạn 2 ngày": in calendar days, never rounded."""
    if days_left > 0:
        return t.ngettext("{n} day left", "{n} days left", days_left).format(n=days_left)
    if days_left == 0:
        return t.gettext("due today")
    late = -days_left
    return t.ngettext("{n} day late", "{n} days late", late).format(n=late)
