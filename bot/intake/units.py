"""Who a sentence makes responsible: unit names, short names, aliases and group names of the unit tree, plus
the collective phrases plans use ("các đảng bộ trực thuộc tỉnh", "các tiểu ban", "cấp ủy cấp huyện", "cấp tỉnh").

Names are matched word by word, abbreviations written out and spelling variants folded, so a name wrapped in a
table cell, written "UBND" or "Uỷ" still matches. A document is read in its own context (`bind`): the body that
issued it (its letterhead) and the places it names. Within it
- a short name several units share ("Văn phòng Huyện ủy", "Ban Giám hiệu") is the one nearest the issuer;
- a name cut short of its place ("UBND huyện", "Ban Thường vụ Đảng ủy xã", "các chi bộ trực thuộc") is the
  tree's name that goes on with the document's own place or issuer ("… huyện Lạc Thủy");
- a group whose name ends with a qualifier in brackets ("UBND các xã, thị trấn (huyện Lạc Thủy)") is named
  without it; the qualifier says which of two such groups a document means, and a date in it
  ("(đến tháng 01/2025)") when the group applies.

Only the subject at the start of a clause is an actor ("Ban Tổ chức Tỉnh ủy tham mưu với Ban Thường vụ Tỉnh ủy"
makes Ban Tổ chức responsible, not Ban Thường vụ): who.py reads the clause, this module the names.
"""

from __future__ import annotations

import calendar
import copy
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.intake.dates import _PATTERNS as DATE_PHRASES


def expand(text: str) -> str:
    from bot.intake.names import expand as expand_names  # names.py folds spelling with key() from here

    return expand_names(text)


# Old and new placement of the tone mark: "uỷ" and "ủy" are the same word.
_TONES = {"uỷ": "ủy", "uý": "úy", "uỳ": "ùy", "uỹ": "ũy", "uỵ": "ụy", "oà": "òa", "oá": "óa", "oả": "ỏa",
          "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe"}
VERBS = ("xây dựng", "tổ chức", "thành lập", "phân công", "tham mưu", "phê duyệt", "duyệt", "chỉ đạo", "hoàn thành",
         "hoàn chỉnh", "hoàn thiện", "tiếp tục", "kiểm tra", "báo cáo", "bố trí", "thực hiện", "triển khai",
         "chuẩn bị", "trình", "tập trung", "rà soát", "tổng hợp", "tổng kết", "ban hành", "gửi", "chọn", "lãnh đạo",
         "hướng dẫn", "đôn đốc", "theo dõi", "quán triệt", "lấy ý kiến", "phối hợp", "chủ trì", "giới thiệu", "bầu",
         "họp", "nộp", "cử", "đăng ký", "sơ kết", "hoàn tất", "xong", "giám sát", "khảo sát", "tập huấn", "bồi dưỡng",
         "tuyên truyền", "thẩm định", "thẩm tra", "kiện toàn", "đánh giá", "cập nhật", "tham gia", "công bố",
         "nâng cấp", "ôn tập", "tiếp xúc", "vận động", "kết nạp", "biên soạn", "phát hành", "lập")
_VERB = re.compile(r"\b(" + "|".join(VERBS) + r")\b")
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
# Who stands for a body ("Hiệu trưởng các trường", "các thành viên Ban Chỉ huy …"): the body is meant.
_PERSON = re.compile(r"^(?:hiệu trưởng|thủ trưởng|chủ tịch|giám đốc|người đứng đầu|lãnh đạo|các thành viên|"
                     r"thành viên|bí thư)\s+", re.IGNORECASE)
_ROLE_PREFIXES = ("ban thường vụ ", "cấp ủy ", "ban chấp hành ", "thường trực ")
# A group's qualifier: "(huyện Lạc Thủy)", "(đến tháng 01/2025)".
_QUALIFIER = re.compile(r"\s*\(([^()]*)\)\s*$")
_VALID = re.compile(r"(từ|đến)\s+(?:tháng\s+)?(\d{1,2})\s*/\s*(\d{4})")
_Trie = dict[str, "_Trie"]
# Words that tie a collective name to its parent, which a document leaves out as often as the parent itself: "Các tổ
# chức cơ sở đảng" is "… trực thuộc Huyện ủy Lạc Thủy" in a Huyện ủy's letter, "các trường THCS" "… trên địa bàn
# huyện"; only the place or parent after them has to be the document's own.
_LINKS = frozenset({"trực", "thuộc", "trên", "địa", "bàn", "của"})
_FAR = 99  # the tree distance between units with no common ancestor
_NAME_CHARS = 240  # a name is shorter than this (with a person standing for it: "các thành viên Ban Chỉ huy …")


_OLD_TONE = re.compile("(" + "|".join(_TONES) + r")(?!\w)")


def key(text: str) -> str:
    """The form names are compared in: NFC, lower case, one space, the tone of an open "oa/oe/uy" on its first
    vowel ("Uỷ"/"Ủy", "hoà"/"hòa" are one spelling; "đoàn", "hoàn" keep theirs)."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _OLD_TONE.sub(lambda match: _TONES[match.group(1)], text)
    return " ".join(text.split())


# Words of a name; commas, hyphens and line breaks inside a name do not count ("Phòng Tài chính⏎- Kế hoạch"),
# other punctuation ends it.
_TOKEN = re.compile(r"[\w&]+|[.;:()/!?\"“”]")


_FIRST_WORD = re.compile(r"\s*([\w&]+)")


def _abbreviated() -> frozenset[str]:
    """The first words of the abbreviations names.py writes out ("UBND", "KH&CN", "TNCS")."""
    from bot.intake.names import ABBREVIATIONS

    return frozenset(re.split(r"[^\w&]", abbreviation)[0] for abbreviation in ABBREVIATIONS)


def words(text: str) -> tuple[str, ...]:
    return tuple(match.group(0) for match in _TOKEN.finditer(key(expand(text))))


def _tokens(text: str) -> list[tuple[str, int]]:
    """`text`'s words in key form, each with the offset in `text` where it ends (abbreviations written out)."""
    from bot.intake.names import ABBREVIATION, ABBREVIATIONS

    text = unicodedata.normalize("NFC", text)
    result: list[tuple[str, int]] = []
    last = 0

    def plain(segment: str, offset: int) -> None:
        lowered = _OLD_TONE.sub(lambda match: _TONES[match.group(1)], segment.lower())
        result.extend((match.group(0), offset + match.end()) for match in _TOKEN.finditer(lowered))

    for match in ABBREVIATION.finditer(text):
        plain(text[last:match.start()], last)
        result.extend((word, match.end()) for word in words(ABBREVIATIONS[match.group(1)]))
        last = match.end()
    plain(text[last:], last)
    return result


def _after_commas(text: str, tokens: list[tuple[str, int]]) -> frozenset[int]:
    """The indexes of the tokens of `text` that a comma precedes."""
    return frozenset(at for at in range(1, len(tokens)) if "," in text[tokens[at - 1][1]:tokens[at][1]])


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


@dataclass(frozen=True)
class _Candidate:
    resolved: Resolved
    full: tuple[str, ...]  # the whole name's words (a group's qualifier included)
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True)
class Match:
    resolved: Resolved
    length: int  # characters of the text the name takes


_ABBREVIATED = _abbreviated()


class UnitIndex:
    def __init__(self, units: Iterable[UnitRef], groups: Iterable[GroupRef] = ()) -> None:
        self.units = list(units)
        self.groups = list(groups)
        self.order = {unit.code: index for index, unit in enumerate(self.units)}
        self.parents = {unit.code: unit.parent for unit in self.units}
        self.names = {unit.code: unit.name for unit in self.units}
        self.phrases: dict[tuple[str, ...], list[_Candidate]] = {}
        self.prefixes: dict[tuple[str, ...], list[tuple[str, ...]]] = {}  # a name's first words -> whole names
        # The document being read (bind): its issuer, the words of its places and issuer, its date.
        self.issuer: str | None = None
        self.context: frozenset[str] = frozenset()
        self.issued: date | None = None
        by_kind: dict[str, list[str]] = {}
        for unit in self.units:
            by_kind.setdefault(unit.kind, []).append(unit.code)
        for kind, phrases in COLLECTIVE.items():
            if by_kind.get(kind):
                codes = frozenset(by_kind[kind])
                selector = self._group_for(codes) or ("kind", kind)
                for phrase in phrases:
                    self._add(phrase, Resolved(selector, codes, phrase))
        for kind, phrases in SINGLE.items():
            if len(by_kind.get(kind, [])) == 1:
                code = by_kind[kind][0]
                for phrase in phrases:
                    self._add(phrase, Resolved(code, frozenset({code}), phrase))
        for group in self.groups:
            name, qualifier = _qualified(group.name)
            valid_from, valid_until = _validity(qualifier)
            resolved = Resolved(("group", group.code), group.codes, name)
            full = words(f"{name} {qualifier}")
            self._add(name, resolved, full, valid_from, valid_until)
        for unit in self.units:
            for written in (unit.name, unit.short_name, *unit.aliases):
                if written:
                    self._add(written, Resolved(unit.code, frozenset({unit.code}), written), words(unit.name))
        self.trie: _Trie = {}  # word -> the words that may follow it in a name
        for known in self.phrases:
            node = self.trie
            for token in known:
                node = node.setdefault(token, {})

    def _add(self, name: str, resolved: Resolved, full: tuple[str, ...] | None = None,
             valid_from: date | None = None, valid_until: date | None = None) -> None:
        phrase = words(name)
        if not phrase:
            return
        candidate = _Candidate(resolved, full or phrase, valid_from, valid_until)
        found = self.phrases.setdefault(phrase, [])
        if all(c.resolved.selector != resolved.selector for c in found):
            found.append(candidate)
        for size in range(2, len(phrase)):
            fulls = self.prefixes.setdefault(phrase[:size], [])
            if phrase not in fulls:
                fulls.append(phrase)

    def _group_for(self, codes: frozenset[str]) -> tuple[str, str] | None:
        for group in self.groups:
            if group.codes == codes:
                return ("group", group.code)
        return None

    # The document's context ---------------------------------------------------------------------------------------
    def bind(self, *, header: Iterable[str] = (), title: str | None = None, issued: date | None = None) -> UnitIndex:
        """This index reading one document: `header` is its letterhead and place (the lines above its title)."""
        bound = copy.copy(self)
        lines = [line for line in header if line.strip()]
        bound.issuer = self.issuer_of(lines)
        context: set[str] = set()
        for line in [*lines, title or ""]:
            context.update(words(line))
        code = bound.issuer
        while code is not None:
            context.update(words(self.names.get(code, "")))
            code = self.parents.get(code)
        bound.context = frozenset(context)
        bound.issued = issued
        return bound

    def issuer_of(self, lines: list[str]) -> str | None:
        """The unit the letterhead names, the most specific one ("UBND TỈNH HÒA BÌNH / SỞ Y TẾ" -> Sở Y tế):
        each line, and each pair of lines in either order ("TỈNH ỦY HÒA BÌNH / BAN TỔ CHỨC")."""
        texts = list(lines)
        texts += [f"{a} {b}" for a, b in itertools.pairwise(lines)]
        texts += [f"{b} {a}" for a, b in itertools.pairwise(lines)]
        found: list[str] = []
        for text in texts:
            for resolved in self.mentions(text):
                if isinstance(resolved.selector, str) and resolved.selector in self.parents:
                    found.append(resolved.selector)
        if not found:
            return None
        return max(found, key=lambda code: (self._depth(code), -found.index(code)))

    def _depth(self, code: str) -> int:
        return len(self._ancestors(code)) - 1

    def _ancestors(self, code: str) -> list[str]:
        chain = [code]
        while (parent := self.parents.get(chain[-1])) is not None and len(chain) < 50:
            chain.append(parent)
        return chain

    def _distance(self, codes: frozenset[str]) -> int:
        """How far the nearest of `codes` is from the issuer in the tree."""
        if self.issuer is None:
            return _FAR
        mine = self._ancestors(self.issuer)
        best = _FAR
        for code in codes:
            theirs = self._ancestors(code)
            common = next((mine.index(c) + theirs.index(c) for c in theirs if c in mine), _FAR)
            best = min(best, common)
        return best

    def _fits(self, candidate: _Candidate, phrase: tuple[str, ...]) -> float:
        """The share of the name's other words (beyond what the document wrote) that the context has."""
        rest = [word for word in candidate.full if word not in phrase and word.isalnum()]
        if not rest:
            return 1.0
        return sum(word in self.context for word in rest) / len(rest)

    def _choose(self, candidates: list[_Candidate], phrase: tuple[str, ...]) -> Resolved | None:
        if self.issued is not None:
            candidates = [c for c in candidates if (c.valid_from is None or c.valid_from <= self.issued)
                          and (c.valid_until is None or self.issued <= c.valid_until)]
        if len(candidates) <= 1:
            return candidates[0].resolved if candidates else None
        ranked = sorted(((self._fits(c, phrase), -self._distance(c.resolved.codes)), index)
                        for index, c in enumerate(candidates))
        (best, at), (second, _) = ranked[-1], ranked[-2]
        return candidates[at].resolved if best != second else None  # a tie is the reviewer's to decide

    def _completed(self, phrase: tuple[str, ...]) -> Resolved | None:
        """A name the document cut short of its place ("UBND huyện" -> "… huyện Lạc Thủy"): the tree's names that
        go on with words of the document's own context only."""
        if not self.context:
            return None
        fitting: dict[str | tuple[str, str], _Candidate] = {}
        for full in self.prefixes.get(phrase, ()):
            if all(word in self.context or word in _LINKS for word in full[len(phrase):] if word.isalnum()):
                for candidate in self.phrases[full]:
                    fitting.setdefault(candidate.resolved.selector, candidate)
        return self._choose(list(fitting.values()), phrase) if fitting else None

    # Matching ---------------------------------------------------------------------------------------------------
    def match_at_start(self, text: str) -> tuple[Resolved, int] | None:
        """The known name `text` starts with (the longest), and how many characters of `text` it takes."""
        first = _FIRST_WORD.match(text)
        if first is None or (key(first.group(1)) not in self.trie and first.group(1) not in _ABBREVIATED):
            return None  # most clauses start with no name: said without reading further
        tokens = _tokens(text[:_NAME_CHARS])
        found = self._match(tokens, 0, _after_commas(text, tokens))
        return (found.resolved, found.length) if found else None

    def _match(self, tokens: list[tuple[str, int]], start: int, commas: frozenset[int] = frozenset()) -> Match | None:
        """The longest known name from tokens[start]. `commas`: the tokens a comma precedes; a name that runs over
        one is cut there when a longer name starts after it ("Sở Văn hóa, Thể thao và Du lịch, Tỉnh đoàn, …" is
        two bodies, though "… Du lịch tỉnh" would complete to the Sở's full name)."""
        best: Match | None = None
        ends: list[int] = []  # where the words from `start` on are still (the start of) a known name
        node = self.trie
        for at in range(start, len(tokens)):
            child = node.get(tokens[at][0])
            if child is None:
                break
            node = child
            ends.append(at + 1)
        for end in reversed(ends):
            phrase = tuple(word for word, _ in tokens[start:end])
            resolved = None
            if phrase in self.phrases:
                resolved = self._choose(self.phrases[phrase], phrase)
            if resolved is None and len(phrase) >= 2:
                resolved = self._completed(phrase)
            if resolved is not None and any(
                    (after := self._match(tokens, at, commas)) is not None and after.length > tokens[end - 1][1]
                    for at in commas if start < at < end):
                continue
            if resolved is not None:
                best = Match(resolved, tokens[end - 1][1])
                break
        if best is None and start < len(tokens):
            words_ = [word for word, _ in tokens[start:start + 8]]
            for prefix in _ROLE_PREFIXES:  # "Ban thường vụ các đảng bộ trực thuộc tỉnh" -> the đảng bộ
                size = len(prefix.split())
                if words_[:size] == prefix.split():
                    inner = self._match(tokens, start + size, commas)
                    if inner is not None:
                        return inner
        return best

    def resolve(self, name: str) -> Resolved | None:
        """The units a whole name (as a document writes it) stands for: the tree's name, short name or alias,
        abbreviations expanded and spelling variants folded; None when the name is not the tree's."""
        text = " ".join(unicodedata.normalize("NFC", name).split()).strip(" .,;:-–+•*")
        found = self.name_at(text)
        if found is None or text[found[1]:].strip(" .,;:-–"):
            return None
        return found[0]

    def name_at(self, text: str, *, plural: bool = False) -> tuple[Resolved, int] | None:
        """The known name at the start of `text`, also behind a person standing for it ("Hiệu trưởng …").
        `plural`: the name goes on a list that started with "Các …", whose "các" it shares ("Các huyện ủy, thành
        ủy, đảng ủy trực thuộc Tỉnh ủy")."""
        found = self.match_at_start(text)
        if found is None and plural and not key(text).startswith("các "):
            shared = self.match_at_start(f"các {text}")
            if shared is not None and isinstance(shared[0].selector, tuple):
                return shared[0], shared[1] - len("các ")
        person = _PERSON.match(text) if found is None else None
        if person is not None and (inner := self.match_at_start(text[person.end():])) is not None:
            return inner[0], person.end() + inner[1]
        return found

    def names_in(self, text: str) -> list[tuple[str, Resolved | None]]:
        """The bodies a cell, heading or list names, in order, each as written with what it resolves to:
        the longest known name first, so a comma, "và" or a line break inside one ("Sở Văn hóa, Thể thao và Du
        lịch", a wrapped cell) does not split it; what is not known is split as names.split_names does."""
        from bot.intake.names import split_names

        result: list[tuple[str, Resolved | None]] = []
        rest = unicodedata.normalize("NFC", text)
        plural = False
        while True:
            rest = re.sub(r"^(?:[\s,;+•*–-]|và\s|cùng\s)+", "", rest)
            if not rest:
                break
            found = self.name_at(rest, plural=plural)
            if found is None:
                result.extend((name, None) for name in split_names(rest))
                break
            resolved, length = found
            result.append((expand(" ".join(rest[:length].split()).strip(" ,")), resolved))
            plural = key(rest).startswith("các ") or (plural and isinstance(resolved.selector, tuple))
            rest = rest[length:]
            if re.match(r"\s*:", rest):  # "Trưởng các thôn: Phú Lương, Đồng Giang": what the name covers
                rest = re.sub(r"^\s*:[^;\n]*", "", rest)
        return result

    def mentions(self, text: str) -> list[Resolved]:
        """Every known unit phrase in `text` (for suggestions to the reviewer), first mention first."""
        if not self.phrases:
            return []
        tokens = _tokens(text[:4000])
        commas = _after_commas(text[:4000], tokens)
        seen, result = set(), []
        start = 0
        while start < len(tokens):
            found = self._match(tokens, start, commas)
            if found is None:
                start += 1
                continue
            if found.resolved.selector not in seen:
                seen.add(found.resolved.selector)
                result.append(found.resolved)
            start = next((i for i, (_, end) in enumerate(tokens) if end > found.length), len(tokens))
        return result

    def sort_codes(self, codes: Iterable[str]) -> list[str]:
        return sorted(set(codes), key=lambda code: self.order.get(code, 0))


def _qualified(name: str) -> tuple[str, str]:
    """'UBND các xã, thị trấn (huyện Lạc Thủy)' -> ('UBND các xã, thị trấn', 'huyện Lạc Thủy')."""
    match = _QUALIFIER.search(name)
    if match is None or not name[:match.start()].strip():
        return name, ""
    return name[:match.start()].strip(), match.group(1).strip()


def _validity(qualifier: str) -> tuple[date | None, date | None]:
    """'(từ tháng 02/2025)', '(đến tháng 01/2025)': when a group named so applies."""
    valid_from = valid_until = None
    for match in _VALID.finditer(key(qualifier)):
        month, year = int(match.group(2)), int(match.group(3))
        if not 1 <= month <= 12:
            continue
        if match.group(1) == "từ":
            valid_from = date(year, month, 1)
        else:
            valid_until = date(year, month, calendar.monthrange(year, month)[1])
    return valid_from, valid_until


def _strip_lead(clause: str) -> str:
    """Drops a leading date adverbial: 'Trong tháng 3/2020, ban thường vụ …' -> 'ban thường vụ …'."""
    match = DATE_PHRASES.match(clause.strip())
    if match is not None:
        rest = clause.strip()[match.end():]
        if rest.lstrip().startswith(","):
            return rest.lstrip()[1:].strip()
    return clause.strip()


def has_verb(text: str) -> bool:
    return _VERB.search(key(text)) is not None
