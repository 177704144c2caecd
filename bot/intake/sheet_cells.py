"""The cells of a draft sheet as people type them, both ways: dates, lists of units, a repetition rule.

    cell_text(value)                      # what a person typed: "31/8/2025" for a date cell too
    unit_tokens("SO-TC, nhóm: TIEU-BAN")  # [UnitToken("SO-TC"), UnitToken(keys={"group": "TIEU-BAN"})]
    repeat_text({"every": "month", "day": 20})   # "hằng tháng; ngày 20"
    parse_repeat("hằng tháng; ngày 20")          # ({"every": "month", "day": "20"}, [])

Values stay the strings a plan file would hold: the plan check (bot.plans) reads and judges them, so a sheet and a
YAML file are held to the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.plans.dates import format_day

# Kinds and groups in a list of units: "loại: tổ chức cơ sở đảng", "nhóm: TIEU-BAN" (or the plan file's keys).
SELECTOR_KEYS = {"nhóm": "group", "group": "group", "loại": "kind", "kind": "kind", "children": "children",
                 "subtree": "subtree", "under": "under"}
_TOKEN_SPLIT = re.compile(r"[,;\n]")
_EVERY_WORDS = {"month": "hằng tháng", "quarter": "hằng quý", "half_year": "6 tháng một lần", "year": "hằng năm"}
_EVERY_READ = re.compile(r"(?:hằng|mỗi|định kỳ)?\s*(tháng|quý|6 tháng|nửa năm|năm)(?:\s+một lần)?")
_EVERY_KEYS = {"tháng": "month", "quý": "quarter", "6 tháng": "half_year", "nửa năm": "half_year", "năm": "year"}
_DAY_WORDS = {"last": "ngày cuối tháng", "last_working": "ngày làm việc cuối tháng"}
_DAY_MONTH = r"\d{1,2}\s*[/.-]\s*\d{1,2}"
# Parts of a rule: ";" or a new line, or ", " before a word ("hằng tháng, ngày 20"; not "15/6, 15/12").
_PART_SPLIT = re.compile(r"[;\n]|,\s*(?=[^\d\s])")


def plain(text: str) -> str:
    """For matching what people type: NFC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def cell_text(value: object) -> str | None:
    """A cell as the text a person typed: dates as dd/mm/yyyy, whole numbers without ".0", blanks as None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        text = format_day(value.date())
    elif isinstance(value, date):
        text = format_day(value)
    elif isinstance(value, time):
        text = value.strftime("%H:%M")
    elif isinstance(value, bool):
        text = "có" if value else "không"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = unicodedata.normalize("NFC", text).strip()
    return text or None


def date_cell(value: object) -> str | None:
    """A date column: a date cell, text as typed ("31/8/2025"), or a bare day number Excel counts from 1900."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        from openpyxl.utils.datetime import from_excel

        return format_day(from_excel(value).date())
    return cell_text(value)


@dataclass(frozen=True)
class UnitToken:
    """One entry of a list of units: a unit code, or a selector's keys ({"kind": …, "under": …})."""

    code: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    bad_key: str | None = None  # a "key: value" whose key means nothing


def unit_tokens(text: str | None) -> list[UnitToken]:
    """"SO-TC, SO-KHCN" -> two codes; "loại: tổ chức cơ sở đảng + under: HU-DIENBIEN" -> one selector."""
    tokens = []
    for part in _TOKEN_SPLIT.split(text or ""):
        part = part.strip()
        if not part:
            continue
        if ":" not in part:
            tokens.append(UnitToken(code=part))
            continue
        keys: dict[str, str] = {}
        bad = None
        for pair in part.split("+"):
            key, _, value = pair.partition(":")
            name = SELECTOR_KEYS.get(plain(key))
            if name is None:
                bad = key.strip()
                break
            keys[name] = value.strip()
        tokens.append(UnitToken(bad_key=bad) if bad is not None else UnitToken(keys=keys))
    return tokens


def selector_text(key: str, value: str, kind_label: str | None = None) -> str:
    """A selector as the sheet writes it: "loại: tổ chức cơ sở đảng", "nhóm: TIEU-BAN"."""
    if key == "kind":
        return f"loại: {kind_label or value}"
    if key == "group":
        return f"nhóm: {value}"
    return f"{key}: {value}"


def repeat_text(rule: dict[str, object]) -> str:
    """A plan file's `repeat:` mapping as words: "hằng tháng; ngày 20; từ 01/01/2025"."""
    parts = []
    every = rule.get("every")
    if every:
        parts.append(_EVERY_WORDS.get(str(every), f"every: {every}"))
    day = rule.get("day")
    if day is not None and day != "":
        parts.append(_DAY_WORDS.get(str(day), f"ngày {day}"))
    if rule.get("month"):
        parts.append(f"tháng thứ {rule['month']} của kỳ")
    dates = rule.get("dates")
    if dates:
        listed = dates if isinstance(dates, (list, tuple)) else [dates]
        parts.append("các ngày " + ", ".join(_day_month(item) for item in listed))
    for key, word in (("from", "từ"), ("until", "đến")):
        value = rule.get(key)
        if value:
            parts.append(f"{word} {format_day(value) if isinstance(value, date) else value}")
    return "; ".join(parts)


def _day_month(item: object) -> str:
    if isinstance(item, (list, tuple)) and len(item) == 2:
        return f"{item[0]}/{item[1]}"
    return str(item)


def parse_repeat(text: str) -> tuple[dict[str, object], list[str]]:
    """Words of the column "Lặp lại" -> the `repeat:` mapping (values as written), and the parts not understood."""
    rule: dict[str, object] = {}
    unknown: list[str] = []
    for raw in _PART_SPLIT.split(text):
        part = plain(raw)
        if not part:
            continue
        found = _repeat_part(part)
        if found is None:
            unknown.append(raw.strip())
        else:
            rule.update(found)
    dates = rule.get("dates")
    if rule.get("every") == "year" and isinstance(dates, list) and len(dates) > 1:
        del rule["every"]  # "hằng năm; các ngày 15/6, 15/12": those days of every year, one period each
    return rule, unknown


def _repeat_part(part: str) -> dict[str, object] | None:
    if match := re.fullmatch(r"(every|day|month|dates|from|until)\s*:\s*(.+)", part):  # the plan file's keys
        key, value = match.groups()
        return {key: _dates(value)} if key == "dates" else {key: value}
    if match := re.fullmatch(r"từ\s+(?:ngày\s+)?(.+)", part):
        return {"from": match.group(1)}
    if match := re.fullmatch(r"đến\s+(?:hết\s+)?(?:ngày\s+)?(.+)", part):
        return {"until": match.group(1)}
    if re.fullmatch(r"ngày làm việc cuối(?: cùng)?(?: (?:của )?(?:tháng|kỳ))?", part):
        return {"day": "last_working"}
    if re.fullmatch(r"ngày cuối(?: cùng)?(?: (?:của )?(?:tháng|kỳ))?", part):
        return {"day": "last"}
    if match := re.fullmatch(r"(?:trước\s+)?ngày\s+(\d{1,2})(?: hằng tháng)?", part):
        return {"day": match.group(1)}
    if match := re.fullmatch(r"tháng thứ\s+(\d{1,2})(?: (?:của|trong) kỳ)?", part):
        return {"month": match.group(1)}
    if match := re.fullmatch(rf"(?:các\s+)?ngày\s+({_DAY_MONTH}(?:\s*(?:,|và)\s*{_DAY_MONTH})*)", part):
        return {"dates": _dates(match.group(1))}
    if match := _EVERY_READ.fullmatch(part):
        return {"every": _EVERY_KEYS[match.group(1)]}
    if part in _EVERY_KEYS.values():
        return {"every": part}
    return None


def _dates(text: str) -> list[str]:
    return [re.sub(r"\s+", "", item) for item in re.split(r"\s*(?:,|và|\s)\s*", text.strip(" []")) if item]
