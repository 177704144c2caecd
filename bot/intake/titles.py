"""Titles of draft milestones: a short statement of the task from its clause or table row ("Báo cáo kết quả rà
soát quy hoạch cán bộ"), never a label ("Thời gian", "Tổ chức") and without its deadline phrase."""

from __future__ import annotations

import re

from bot.intake.dates import Deadline, strip_dates
from bot.intake.units import _VERB as VERB, has_verb, key

TITLE_LENGTH = 100
NO_TITLE = "(chưa có tiêu đề)"
BAD_TITLES = {"tổ chức", "thời gian", "thực hiện", "nội dung", "tổ chức thực hiện", "hoàn thành", "báo cáo"}


def poor(title: str) -> bool:
    """A title that says no task: empty, a label ("Thời gian tiến hành"), a lone verb ("Hoàn thành")."""
    return title == NO_TITLE or key(title).strip(" .") in BAD_TITLES or len(title.split()) < 2 \
        or re.match(r"^(?:thời\s+gian|thời\s+hạn|hạn)\b", title, re.IGNORECASE) is not None


def piece(segment: str, clause: str, deadline: Deadline, deadlines: list[Deadline]) -> str | None:
    """Of a clause with two deadlines, the words that go with this one: "Báo cáo … 6 tháng đầu năm trước ngày
    15/6/2025 và báo cáo năm trước ngày 10/12/2025" -> "Báo cáo … 6 tháng đầu năm", "báo cáo năm". None when
    the clause has one deadline, or the words between say no task of their own."""
    start = segment.find(clause)
    mine = [d for d in deadlines if start <= d.position < start + len(clause) + 1]
    if len(mine) < 2 or len({d.position for d in mine}) < len(mine):
        return None
    index = mine.index(deadline)
    left = start if index == 0 else mine[index - 1].end
    piece = segment[left:deadline.position].strip(" ,;")
    piece = re.sub(r"^(?:và|,)\s+", "", piece)
    if index > 0 and len(piece.split()) >= 2 and has_verb(piece) and not piece.startswith("("):
        return piece
    return None  # the first keeps its whole clause: its subject is there


def short(text: str) -> str:
    """A short title: the clause without its subject and its deadline phrase, at most TITLE_LENGTH characters."""
    text = re.sub(r"\(\s*số\s+liệu[^()]*\)", "", text, flags=re.IGNORECASE)  # "(số liệu tính đến ngày …)"
    text = re.sub(r"^\s*[:,]\s*", "", text)
    text = re.sub(r"^(?:thời\s+gian|thời\s+hạn|địa\s+điểm|nội\s+dung)\s*:\s*", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^(?:(?:là\s+cơ\s+quan\s+)?chủ\s+trì\s*,?\s*)?(?:phối\s+hợp\s+với\s+[^,;]*?,\s*)?", "", text,
                  flags=re.IGNORECASE)
    text = re.sub(r"^(?:có\s+trách\s+nhiệm|chịu\s+trách\s+nhiệm)\s+", "", text, flags=re.IGNORECASE)
    text = strip_dates(text)
    text = re.sub(r"(?:thời\s+gian|thời\s+hạn)(?:\s+(?:hoàn\s+thành|thực\s+hiện))?\s*:?\s*$", "", text.strip(" ,.;:"),
                  flags=re.IGNORECASE)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text).strip(" ,.;:-")
    text = re.sub(r"^(?:[Tt]hực hiện xong|[Xx]ong)\s*", "", text)
    text = re.split(r";|\. ", text)[0].strip(" ,.;:")
    text = re.sub(r"\s+(?:xong|hoàn thành|vào|trong|lúc|từ|tại)$", "", text).strip(" ,.;:(")
    text = re.sub(r"\(\s*\)", "", text).strip(" ,.;:")
    verb = VERB.search(text.lower())
    # "Đại hội Đảng bộ tỉnh kiểm tra …": a qualifier of the subject; not "Kỳ họp …", "Đợt 3 (ôn tập tổng hợp …)"
    before = text[:verb.start()] if verb is not None else ""
    # "Đại hội Đảng bộ tỉnh kiểm tra …" (the end of a subject's name, its words capitalised) goes; "Đề cương tuyên
    # truyền …", "Kỳ họp dự kiến …", "Đợt 3 (ôn tập tổng hợp …)" stay
    if verb is not None and 0 < verb.start() <= 40 and before.count("(") <= before.count(")") \
            and sum(word[:1].isupper() for word in before.split()) >= 2:
        text = text[verb.start():]
    if len(text) > TITLE_LENGTH:
        cut = text[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,")
        text = f"{cut}…"
    return (text[:1].upper() + text[1:]) if text else NO_TITLE


def row_title(task: str) -> str:
    """A table row's title: its task cell's first line or sentence, without a leading number or bullet."""
    text = " ".join(task.split("\n")[0].split()) if task else ""
    text = re.sub(r"^(?:[-+•*]|\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\))\s*", "", text)
    text = re.split(r"(?<=[.;:])\s", text)[0].strip(" .;:")
    text = re.sub(r"^\s*[:,]\s*", "", text)
    text = re.sub(r"^(?:(?:là\s+cơ\s+quan\s+)?chủ\s+trì\s*,?\s*)", "", text)
    if len(text) > TITLE_LENGTH:
        text = text[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,") + "…"
    return (text[:1].upper() + text[1:]) if text else NO_TITLE
