"""Who a sentence makes responsible: unit names, short names, aliases and group names of the unit tree, plus
the collective phrases plans use ("các đảng bộ trực thuộc tỉnh", "các tiểu ban", "cấp ủy cấp huyện", "cấp tỉnh").

Only the subject at the start of a clause is an actor ("Ban Tổ chức Tỉnh ủy tham mưu với Ban Thường vụ Tỉnh ủy"
makes Ban Tổ chức responsible, not Ban Thường vụ); a subject that matches nothing is returned as unresolved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.intake.dates import _PATTERNS as DATE_PHRASES


def expand(text: str) -> str:
    from bot.intake.names import expand as expand_names  # names.py folds spelling with key() from here

    return expand_names(text)

# Old and new placement of the tone mark: "uỷ" and "ủy" are the same word.
_TONES = {"uỷ": "ủy", "uý": "úy", "uỳ": "ùy", "uỹ": "ũy", "uỵ": "ụy", "oà": "òa", "oá": "óa", "oả": "ỏa",
          "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe"}
# Words a subject may start with; a clause that starts with one of these names an actor, resolvable or not.
_ACTOR_START = re.compile(r"^(ban|các|cấp ủy|tiểu ban|đảng bộ|đảng ủy|huyện ủy|thành ủy|thị ủy|tỉnh ủy|ủy ban|"
                          r"văn phòng|chi bộ|chi ủy|thường trực|hội đồng|sở|phòng|ubnd|hđnd|mặt trận)\b")
VERBS = ("xây dựng", "tổ chức", "thành lập", "phân công", "tham mưu", "phê duyệt", "duyệt", "chỉ đạo", "hoàn thành",
         "hoàn chỉnh", "hoàn thiện", "tiếp tục", "kiểm tra", "báo cáo", "bố trí", "thực hiện", "triển khai",
         "chuẩn bị", "trình", "tập trung", "rà soát", "tổng hợp", "tổng kết", "ban hành", "gửi", "chọn", "lãnh đạo",
         "hướng dẫn", "đôn đốc", "theo dõi", "quán triệt", "lấy ý kiến", "phối hợp", "chủ trì", "giới thiệu", "bầu",
         "họp", "nộp", "cử", "đăng ký", "sơ kết", "hoàn tất", "xong")
_VERB = re.compile(r"\b(" + "|".join(VERBS) + r")\b")
_ROLE_PREFIXES = ("ban thường vụ ", "cấp ủy ", "ban chấp hành ", "thường trực ")
# Collective phrases -> unit kind (used when units of that kind exist).
COLLECTIVE = {
    "district_committee": ("các đảng bộ trực thuộc tỉnh", "các đảng bộ trực thuộc", "đảng bộ trực thuộc tỉnh",
                           "các đảng bộ cấp huyện", "cấp ủy cấp huyện", "cấp huyện",
                           "các huyện, thị, thành ủy, đảng ủy trực thuộc tỉnh",
                           "các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc tỉnh"),
    "sub_committee": ("các tiểu ban", "các tiểu ban đại hội", "các tiểu ban giúp việc"),
}
SINGLE = {  # phrases naming the one unit of a kind, when the tree has exactly one
    "province_committee": ("tỉnh ủy", "ban chấp hành đảng bộ tỉnh", "cấp tỉnh", "đảng bộ tỉnh"),
}


_OLD_TONE = re.compile("(" + "|".join(_TONES) + r")(?!\w)")


def key(text: str) -> str:
    """The form names are compared in: NFC, lower case, one space, the tone of an open "oa/oe/uy" on its first
    vowel ("Uỷ"/"Ủy", "hoà"/"hòa" are one spelling; "đoàn", "hoàn" keep theirs)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _OLD_TONE.sub(lambda match: _TONES[match.group(1)], text)
    return " ".join(text.split())


@dataclass(frozen=True)
class UnitRef:
    code: str
    name: str
    kind: str
    parent: str | None = None
    short_name: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupRef:
    code: str
    name: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Resolved:
    """One way of naming units in a plan file: a unit code, a group or a kind, and the units it selects."""

    selector: str | tuple[str, str]  # "BTV-TU", ("group", "DBTT"), ("kind", "district_committee")
    codes: frozenset[str]
    phrase: str


@dataclass
class Actor:
    resolved: list[Resolved] = field(default_factory=list)
    unresolved: str | None = None  # the subject as written, when it names no known unit
    named: bool = False  # the clause starts with a subject (resolved or not)
    rest: str = ""  # the clause after the subject (for the title)


class UnitIndex:
    def __init__(self, units: Iterable[UnitRef], groups: Iterable[GroupRef] = ()) -> None:
        self.units = list(units)
        self.groups = list(groups)
        self.order = {unit.code: index for index, unit in enumerate(self.units)}
        self.phrases: dict[str, Resolved] = {}
        by_kind: dict[str, list[str]] = {}
        for unit in self.units:
            by_kind.setdefault(unit.kind, []).append(unit.code)
        for kind, phrases in COLLECTIVE.items():
            if by_kind.get(kind):
                codes = frozenset(by_kind[kind])
                selector = self._group_for(codes) or ("kind", kind)
                for phrase in phrases:
                    self.phrases[key(phrase)] = Resolved(selector, codes, phrase)
        for kind, phrases in SINGLE.items():
            if len(by_kind.get(kind, [])) == 1:
                code = by_kind[kind][0]
                for phrase in phrases:
                    self.phrases[key(phrase)] = Resolved(code, frozenset({code}), phrase)
        for group in self.groups:
            self.phrases[key(group.name)] = Resolved(("group", group.code), group.codes, group.name)
        for unit in self.units:
            for name in (unit.name, unit.short_name, *unit.aliases):
                if name:
                    self.phrases[key(name)] = Resolved(unit.code, frozenset({unit.code}), name)
                    self.phrases.setdefault(key(expand(name)), Resolved(unit.code, frozenset({unit.code}), name))
        self._longest_first = sorted(self.phrases, key=len, reverse=True)
        self._mention = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in self._longest_first) + r")(?!\w)") \
            if self._longest_first else None

    def _group_for(self, codes: frozenset[str]) -> tuple[str, str] | None:
        for group in self.groups:
            if group.codes == codes:
                return ("group", group.code)
        return None

    def match_at_start(self, text: str) -> tuple[Resolved, int] | None:
        """The longest known phrase `text` starts with, and its length in `text`."""
        lowered = key(text)
        for phrase in self._longest_first:
            if lowered.startswith(phrase) and (len(lowered) == len(phrase) or not lowered[len(phrase)].isalnum()):
                return self.phrases[phrase], len(phrase)
        for prefix in _ROLE_PREFIXES:  # "Ban thường vụ các đảng bộ trực thuộc tỉnh" -> the đảng bộ
            if lowered.startswith(prefix):
                found = self.match_at_start(lowered[len(prefix):])
                if found is not None:
                    return found[0], found[1] + len(prefix)
        return None

    def resolve(self, name: str) -> Resolved | None:
        """The units a whole name (as a document writes it) stands for: the tree's name, short name or alias,
        abbreviations expanded and spelling variants folded; None when the name is not the tree's."""
        text = key(expand(name)).strip(" .,;:")
        found = self.match_at_start(text)
        if found is None or text[found[1]:].strip(" .,;:"):
            return None
        return found[0]

    def actor(self, clause: str) -> Actor:
        """The responsible units named by the subject at the start of `clause`."""
        original = re.sub(r"^[Gg]iao\s+", "", " ".join(_strip_lead(clause).split()))
        text = key(original)
        result = Actor(rest=original)
        found = self.match_at_start(text)
        if found is None:
            if _ACTOR_START.match(text):
                two_words = re.match(r"\S+\s+\S+\s*", text)  # "Ban Chỉ đạo …", "Ban Tổ chức …": not verbs yet
                verb = _VERB.search(text, two_words.end() if two_words else 0)
                result.unresolved = _original(clause, text[:verb.start()] if verb
                                              else " ".join(text.split()[:5]))
                result.named = True
            return result
        result.named = True
        consumed = 0
        while found is not None:
            resolved, length = found
            result.resolved.append(resolved)
            consumed += length
            result.rest = original[consumed:]
            rest = text[consumed:]
            joint = re.match(r"^([^,;:()]{0,40}?)\s*(?:,\s*(?:và\s+)?|\s+và\s+)", rest)
            if joint is None:
                break
            found = self.match_at_start(rest[joint.end():])
            if found is not None:
                consumed += joint.end()
        return result

    def mentions(self, text: str) -> list[Resolved]:
        """Every known unit phrase in `text` (for suggestions to the reviewer), first mention first."""
        if self._mention is None:
            return []
        seen, result = set(), []
        for match in self._mention.finditer(key(text)):
            resolved = self.phrases[match.group(0)]
            if resolved.selector not in seen:
                seen.add(resolved.selector)
                result.append(resolved)
        return result

    def sort_codes(self, codes: Iterable[str]) -> list[str]:
        return sorted(set(codes), key=lambda code: self.order.get(code, 0))


def _strip_lead(clause: str) -> str:
    """Drops a leading date adverbial: 'Trong tháng 3/2020, ban thường vụ …' -> 'ban thường vụ …'."""
    match = DATE_PHRASES.match(clause.strip())
    if match is not None:
        rest = clause.strip()[match.end():]
        if rest.lstrip().startswith(","):
            return rest.lstrip()[1:].strip()
    return clause.strip()


def _original(clause: str, lowered_part: str) -> str:
    """The words of `lowered_part` as the clause writes them (case kept)."""
    stripped = _strip_lead(clause)
    words = len(lowered_part.split())
    return " ".join(stripped.split()[:words])


def has_verb(text: str) -> bool:
    return _VERB.search(key(text)) is not None
