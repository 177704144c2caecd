"""Plain text of a plan -> paragraphs (mid-sentence line breaks joined) -> headings, bullets and sub-bullets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# "II- NỘI DUNG", "III. KẾ HOẠCH", "IV – TỔ CHỨC"
_ROMAN_HEADING = re.compile(r"^(?P<num>[IVXLC]+)\s*[-.–)]\s*(?P<title>.+)$")
# "2.3- Từ ngày …", "1. Nội dung …", "2) …"
_NUMBER_HEADING = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)\s*[-.–)]\s*(?P<title>\S.*)$")
_BULLET = re.compile(r"^[-–•*]\s+(?P<text>.+)$")
_SUB_BULLET = re.compile(r"^\+\s*(?P<text>.+)$")
# "a) …", "b) …": a lettered item starts a paragraph of its own, its letter no part of the sentence ("b) Đề nghị
# Tỉnh đoàn …" names Tỉnh đoàn as its actor).
_LETTER = re.compile(r"^[a-zđ]\)\s+(?P<text>\S.*)$")
_END = (".", ":", ";", "!", "?", "…")
# Characters of ordinary Vietnamese text, none of them a control or format character (category C): a text of only
# these needs no filtering, checked in one pass of the regex engine.
_ORDINARY = re.compile(r"[\n\x20-\x7e\u00a0-\u00ac\u00ae-\u024f\u0300-\u036f\u1e00-\u1eff\u2010-\u2027\u2030-\u205e"
                       r"\u20ac\u2116\u2122\u2190-\u22ff\u25a0-\u26ff]*")
_MARKED = re.compile(r"^(?P<marks>#{1,6})\s+(?P<title>\S.*)$")  # a heading by its style (readers.py: "## …")


@dataclass
class Block:
    kind: str  # "heading" | "bullet" | "paragraph"
    text: str
    number: str | None = None  # of a heading: "III", "2.3"
    level: int = 0  # of a heading: Roman 1, "2" 2, "2.3" 3
    subs: list[str] = field(default_factory=list)  # "+ …" lines under a bullet


def clean(text: str) -> str:
    """NFC, one kind of newline and space, no control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\t", " ").replace("\f", "\n")
    if _ORDINARY.fullmatch(text):  # the usual case, in one pass of the regex engine
        return text
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")


def paragraphs(text: str) -> list[str]:
    """Lines joined where a sentence runs on: the line before ends without punctuation and the next one
    starts in lower case (the seed breaks 'giải\\n\\npháp', 'được quy\\n\\nđịnh', 'chính trị - xã\\n\\nhội')."""
    result: list[str] = []
    for line in (" ".join(raw.split()) for raw in clean(text).split("\n")):
        if not line:
            continue
        if result and _runs_on(result[-1], line):
            result[-1] = f"{result[-1]} {line}"
        else:
            result.append(line)
    return result


def _runs_on(previous: str, line: str) -> bool:
    first = line[0]
    if _BULLET.match(line) or _SUB_BULLET.match(line) or _LETTER.match(line):
        return False
    return not previous.endswith(_END) and (first.islower() or first in "(,")


def blocks(text: str) -> list[Block]:
    result: list[Block] = []
    for line in paragraphs(text):
        if match := _SUB_BULLET.match(line):
            if result and result[-1].kind == "bullet":
                result[-1].subs.append(match.group("text"))
                continue
            result.append(Block("paragraph", match.group("text")))
        elif match := _BULLET.match(line):
            result.append(Block("bullet", match.group("text")))
        elif match := _LETTER.match(line):
            result.append(Block("paragraph", match.group("text")))
        elif (match := _MARKED.match(line)) and not _NUMBER_HEADING.match(match.group("title")) \
                and not _ROMAN_HEADING.match(match.group("title")):
            result.append(Block("heading", match.group("title"), level=len(match.group("marks"))))
        elif match := _MARKED.match(line):
            result.extend(blocks(match.group("title")))
        elif (match := _ROMAN_HEADING.match(line)) and len(line) < 150:
            result.append(Block("heading", match.group("title"), number=match.group("num"), level=1))
        elif match := _NUMBER_HEADING.match(line):
            number = match.group("num")
            title = match.group("title")
            if len(line) < 150 and not title.endswith((".", ";")):
                result.append(Block("heading", title, number=number, level=2 + number.count(".")))
            else:  # a numbered paragraph ("1. Việc tổ chức … cần lưu ý:") is text, not a heading
                result.append(Block("paragraph", title, number=number))
        else:
            result.append(Block("paragraph", line))
    return result


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph: split after '.', '!' or '?' followed by a capital letter."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ỹ\u0110])", text)
    return [part.strip() for part in parts if part.strip()]


def clauses(sentence: str) -> list[str]:
    """Clauses of a sentence split at ';' (outside parentheses)."""
    if ";" not in sentence:
        return [sentence.strip()] if sentence.strip() else []
    result: list[str] = []
    depth, current = 0, list[str]()
    for ch in sentence:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if ch == ";" and depth == 0:
            result.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    result.append("".join(current).strip())
    return [part for part in result if part]
