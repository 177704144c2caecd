"""Text cut to fit one Telegram message without breaking its HTML.

Telegram refuses a message over 4,096 characters, or whose HTML has a tag or an entity cut in two or left open
("can't parse entities"): the reader then gets nothing. Lengths are counted in UTF-16 code units over the HTML as
written, which is never less than what Telegram counts (tags and entities take more room than what they show).
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096  # Telegram's limit for one message
ELLIPSIS = "…"
# A tag, an entity, or one character: the pieces a cut may fall between.
_PIECE = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.DOTALL)
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


def units(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` if it fits in `limit`; else as much as fits, ended by "…" and the closing tags of the tags still open.
    Cut at the last line break that keeps at least half of it, else between two pieces; never inside a tag or
    an entity."""
    if units(text) <= limit:
        return text
    best: tuple[int, list[str]] | None = None  # (where to cut, tags open there)
    line_end: tuple[int, list[str]] | None = None
    open_tags: list[str] = []
    size = 0
    for piece in _PIECE.finditer(text):
        closing = sum(len(name) + 3 for name in open_tags)
        if size + units(ELLIPSIS) + closing > limit:
            break
        best = (piece.start(), list(open_tags))
        if piece.group() == "\n":
            line_end = best
        size += units(piece.group())
        tag = _TAG.match(piece.group()) if piece.group().startswith("<") else None
        if tag is not None:
            closes, name = tag.group(1) == "/", tag.group(2).lower()
            if closes:
                if name in open_tags:
                    del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name):]
            else:
                open_tags.append(name)
    if best is None:
        return ELLIPSIS[:limit]
    at, still_open = line_end if line_end is not None and line_end[0] * 2 >= best[0] else best
    return text[:at] + ELLIPSIS + "".join(f"</{name}>" for name in reversed(still_open))
