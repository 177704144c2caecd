"""Message text as Telegram sees it: parse modes to plain text + entities, command entities.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
Parse errors carry Telegram's wording ("can't parse entities: ...") so formatting
bugs in the bot (an unescaped ``<`` in a task title, ``<br>``) fail here as they would live.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError, bad_request

Entity = dict[str, Any]

HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTR = re.compile(r"""\s*([a-zA-Z-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_CHAR_REF = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_COMMAND = re.compile(r"(?<![\w/])/[a-zA-Z0-9_]{1,32}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/])")
MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entity_error(text: str) -> ApiError:
    return bad_request(f"can't parse entities: {text}")


@dataclass
class _Builder:
    """Accumulates plain text and entities while a markup source is scanned."""

    parts: list[str] = field(default_factory=list)
    pos: int = 0  # UTF-16 offset of the end of the text so far
    entities: list[Entity] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += utf16_len(text)

    def close(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            length = self.pos - start
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[Entity]]:
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ordered


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Telegram's HTML style: a fixed set of tags, ``&lt;&gt;&amp;&quot;`` and numeric refs."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, Any]]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _CHAR_REF.match(source, i)
            decoded = html.unescape(match.group(0)) if match else "&"
            if match and decoded != match.group(0):
                out.add(decoded)
                i = match.end()
            else:
                out.add("&")
                i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        offset = len(source[:i].encode())
        end = source.find(">", i)
        if source.startswith("</", i):
            if end < 0:
                raise entity_error(f"Unclosed end tag at byte offset {offset}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise entity_error(f"Unexpected end tag at byte offset {offset}")
            if name != stack[-1][0]:
                raise entity_error(
                    f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1][0]}>", '
                    f'found "</{name}>"'
                )
            tag, start, extra = stack.pop()
            out.close(_html_kind(tag, extra), start, **_html_extra(tag, extra))
            i = end + 1
            continue
        name_match = re.compile(r"[^\s>]*").match(source, i + 1)
        assert name_match is not None
        name = name_match.group(0).lower()
        if end < 0:
            raise entity_error(f"Unclosed start tag at byte offset {offset}")
        if name not in HTML_TAGS:
            raise entity_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs = {
            key.lower(): (value or "").strip("\"'")
            for key, value in _ATTR.findall(source[name_match.end() : end])
            if key
        }
        stack.append((name, out.pos, attrs))
        i = end + 1
    if stack:
        raise entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _html_kind(tag: str, attrs: dict[str, Any]) -> str:
    if tag == "blockquote" and "expandable" in attrs:
        return "expandable_blockquote"
    return HTML_TAGS[tag]


def _html_extra(tag: str, attrs: dict[str, Any]) -> dict[str, Any]:
    if tag == "a":
        return {"url": attrs.get("href", "")}
    if tag == "tg-emoji":
        return {"custom_emoji_id": attrs.get("emoji-id", "")}
    return {}


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: ``*bold*``, ``_italic_``, `` `code` ``, ```` ```pre``` ````, ``[t](url)``."""
    out = _Builder()
    i = 0
    pairs = {"*": "bold", "_": "italic"}
    while i < len(source):
        char = source[i]
        offset = len(source[:i].encode())
        if char == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
        elif char in pairs:
            end = source.find(char, i + 1)
            if end < 0:
                raise entity_error(f"Can't find end of the entity starting at byte offset {offset}")
            start = out.pos
            out.add(source[i + 1 : end])
            out.close(pairs[char], start)
            i = end + 1
        elif char == "`":
            fence = "```" if source.startswith("```", i) else "`"
            end = source.find(fence, i + len(fence))
            if end < 0:
                raise entity_error(f"Can't find end of the entity starting at byte offset {offset}")
            start = out.pos
            out.add(source[i + len(fence) : end])
            out.close("pre" if fence == "```" else "code", start)
            i = end + len(fence)
        elif char == "[":
            link = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(source, i)
            if not link:
                raise entity_error(f"Can't find end of the entity starting at byte offset {offset}")
            start = out.pos
            out.add(link.group(1))
            out.close("text_link", start, url=link.group(2))
            i = link.end()
        else:
            out.add(char)
            i += 1
    return out.result()


_V2_TOGGLES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_V2_NAMES = {"bold": "Bold", "italic": "Italic", "underline": "Underline",
             "strikethrough": "Strikethrough", "spoiler": "Spoiler", "text_link": "TextUrl"}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """MarkdownV2, including its rule that reserved characters must be escaped."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # kind, start (utf-16), byte offset
    i = 0
    while i < len(source):
        char = source[i]
        offset = len(source[:i].encode())
        if char == "\\" and i + 1 < len(source) and ord(source[i + 1]) < 127:
            out.add(source[i + 1])
            i += 2
            continue
        token = source[i : i + 2] if source[i : i + 2] in ("__", "||") else char
        if token in _V2_TOGGLES:
            kind = _V2_TOGGLES[token]
            if stack and stack[-1][0] == kind:
                out.close(kind, stack.pop()[1])
            else:
                stack.append((kind, out.pos, offset))
            i += len(token)
        elif char == "`":
            fence = "```" if source.startswith("```", i) else "`"
            end = source.find(fence, i + len(fence))
            if end < 0:
                raise entity_error(f"Can't find end of {'Pre' if len(fence) == 3 else 'Code'} "
                                   f"entity at byte offset {offset}")
            body = source[i + len(fence) : end]
            extra: dict[str, Any] = {}
            if fence == "```" and "\n" in body:
                language, body = body.split("\n", 1)
                if language.strip():
                    extra["language"] = language.strip()
            start = out.pos
            out.add(re.sub(r"\\([`\\])", r"\1", body))
            out.close("pre" if fence == "```" else "code", start, **extra)
            i = end + len(fence)
        elif char == "[":
            stack.append(("text_link", out.pos, offset))
            i += 1
        elif char == "]" and stack and stack[-1][0] == "text_link":
            url = re.compile(r"\(((?:\\.|[^)\\])*)\)").match(source, i + 1)
            if not url:
                raise entity_error(f"Can't find end of a url at byte offset {offset}")
            out.close("text_link", stack.pop()[1], url=re.sub(r"\\(.)", r"\1", url.group(1)))
            i = url.end()
        elif char == ">" and (i == 0 or source[i - 1] == "\n"):
            line_end = source.find("\n", i)
            line_end = len(source) if line_end < 0 else line_end
            start = out.pos
            inner, inner_entities = parse_markdown_v2(source[i + 1 : line_end])
            for entity in inner_entities:
                out.entities.append({**entity, "offset": entity["offset"] + start})
            out.add(inner)
            out.close("blockquote", start)
            i = line_end
        elif char in MDV2_RESERVED:
            raise entity_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.add(char)
            i += 1
    if stack:
        kind, _, offset = stack[-1]
        raise entity_error(f"Can't find end of {_V2_NAMES[kind]} entity at byte offset {offset}")
    return out.result()


def render(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Plain text and entities for ``text`` sent with ``parse_mode`` (case-insensitive)."""
    mode = (parse_mode or "").lower()
    parsers = {"html": parse_html, "markdown": parse_markdown, "markdownv2": parse_markdown_v2}
    if mode and mode not in parsers:
        raise bad_request("unsupported parse_mode")
    plain, entities = parsers[mode](text) if mode else (text, [])
    return trim(plain, entities)


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Drop leading/trailing whitespace as Telegram does, keeping entities aligned."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


def command_entities(text: str) -> list[Entity]:
    """``bot_command`` entities where Telegram's clients would detect them."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]),
         "length": utf16_len(m.group(0))}
        for m in _COMMAND.finditer(text)
    ]
