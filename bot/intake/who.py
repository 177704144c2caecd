"""Who a clause makes responsible (chủ trì) and who works with them (phối hợp), as the unit tree names them:
"Giao X chủ trì, phối hợp với Y …", "Đề nghị X …", "X phối hợp với Y …", "Chủ trì, phối hợp với Y …", "(giao X chủ
trì)"; a dispatch's "các cơ quan, đơn vị" are its recipients ("Kính gửi"). A clause that names nobody is left to
the reader of the document (draft.py): its sentence's subject, the heading's body, the dispatch's recipients.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.intake.names import LEAD_WORDS, expand, name_at_start, roles
from bot.intake.units import Resolved, UnitIndex, _strip_lead, has_verb, key
from bot.intake.wording import UNKNOWN_UNIT, vi

Named = list[tuple[str, Resolved | None]]  # bodies as written, each with what it resolves to (None: not in the tree)

_GENERIC = re.compile(r"^(?:các|quý)\s+(?:cơ\s+quan|đơn\s+vị|địa\s+phương)(?:\s*,\s*(?:đơn\s+vị|địa\s+phương))*"
                      r"(?:\s+(?:trực\s+thuộc|liên\s+quan|được\s+giao))?$|^(?:cơ\s+quan|đơn\s+vị)$", re.IGNORECASE)
_CHAIR = re.compile(r"^\s*(?:là\s+cơ\s+quan\s+|làm\s+cơ\s+quan\s+)?chủ\s+trì\b\s*,?\s*", re.IGNORECASE)
_WITH = re.compile(r"^\s*,?\s*phối\s+hợp\s+(?:chặt\s+chẽ\s+)?(?:với\s+)?", re.IGNORECASE)
_GIVEN = re.compile(r"\bgiao\s+(.{3,80}?)\s+chủ\s+trì\b", re.IGNORECASE)
# Where a clause may name its own lead past its opening words: after "giao" (not "bàn giao", "được giao"), or a
# body after a comma that is followed by "chủ trì".
_OWN_LEAD = re.compile(r"(?:,\s*|(?<!bàn\s)(?<!được\s)(?<!chuyển\s)\b(?=giao\s))(?:(?P<given>giao(?:\s+cho)?)\s+)?"
                       r"(?P<body>\S)", re.IGNORECASE)
# A circumstance before the subject: "Sau Kỳ họp, …", "Kết thúc mùa mưa bão, …", "Kể từ năm 2025, …".
_ADVERBIAL = re.compile(r"^(?:sau|trước|trong|khi|kết\s+thúc|kể\s+từ|từ|đến|qua|theo|nhận\s+được|căn\s+cứ)\b"
                        r"[^,;]{0,80},\s*", re.IGNORECASE)

# The issuer asking someone at the head of a clause: "Ban Thường vụ Huyện ủy đề nghị …", "UBND tỉnh yêu cầu …".
_ASKING = re.compile(r"(?P<who>[^,;:()]{3,80}?)\s+(?:trân\s+trọng\s+)?(?:đề\s+nghị|yêu\s+cầu)\s+", re.IGNORECASE)


@dataclass
class Who:
    units: list[Resolved] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    coordinating: list[Resolved] = field(default_factory=list)
    coordinating_names: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    rest: str = ""


class Bodies:
    """The bodies clauses name, in one document: its unit index (bound to the document) and its recipients."""

    def __init__(self, index: UnitIndex, recipients_text: str = "") -> None:
        self.index = index
        self.recipients: Who | None = None
        if recipients_text.strip():
            self.recipients = self.who_of(index_names(index, recipients_text), [])

    def subject(self, clause: str) -> str:
        """The clause from its subject on: a leading date ("Trong tháng 3/2020, …") or circumstance ("Sau Kỳ họp,
        …", "Kết thúc mùa mưa bão, …") left out when a body is named after it."""
        text = _strip_lead(clause)
        asking = _ASKING.match(text)
        if asking is not None and name_at_start(asking.group("who")) == " ".join(expand(asking.group("who")).split()):
            text = text[asking.end():]  # "Ban Thường vụ Huyện ủy đề nghị các đồng chí …": the asked, not the asker
        if self.index.name_at(text) is None:
            lead = _ADVERBIAL.match(text)
            if lead is not None and (self.index.name_at(text[lead.end():]) is not None
                                     or LEAD_WORDS.match(text[lead.end():])):
                return text[lead.end():]
        return text

    def names_at_start(self, text: str) -> tuple[Named, int]:
        """Known bodies listed at the start of `text` ("Sở A, Sở B và UBND các huyện …") and where they end."""
        found: Named = []
        position = 0
        plural = False
        while (match := self.index.name_at(text[position:], plural=plural)) is not None:
            resolved, length = match
            found.append((expand(" ".join(text[position:position + length].split()).strip(" ,")), resolved))
            plural = key(text[position:]).startswith("các ") or (plural and isinstance(resolved.selector, tuple))
            position += length
            # "Các tiểu ban Đại hội Đảng bộ tỉnh và các đảng bộ trực thuộc": a few words of the name's own first
            joint = re.match(r"([^,;:()]{0,40}?)\s*(?:,\s*(?:và\s+)?|\s+và\s+|\s+cùng\s+)", text[position:])
            if joint is None or has_verb(joint.group(1)) \
                    or self.index.name_at(text[position + joint.end():], plural=plural) is None:
                break
            position += joint.end()
        return found, position

    def roles(self, text: str) -> Who:
        """Who a clause makes responsible (chủ trì) and who works with them (phối hợp), resolved in the tree:
        "Giao X chủ trì, phối hợp với Y …", "Đề nghị X …", "X phối hợp với Y …", "Chủ trì, phối hợp với Y …"."""
        text = " ".join(unicodedata.normalize("NFC", text).split()).lstrip("-+•* ")
        lead = LEAD_WORDS.match(text)
        body = text[lead.end():] if lead else text
        leads, end = self.names_at_start(body)
        if not leads:
            syntax = roles(text)  # bodies the tree does not know, named for the reviewer
            if syntax.leads:
                who = self.who_of([(name, self.index.resolve(name)) for name in syntax.leads],
                                  [(name, self.index.resolve(name)) for name in syntax.coordinating])
                who.rest = syntax.rest
                return who
            end = 0
        rest = body[end:].strip(" ,:")
        chair = _CHAIR.match(rest)
        if chair is not None:
            rest = rest[chair.end():]
        partners: Named = []
        coordinate = _WITH.match(rest)
        if coordinate is not None:
            partners, finish = self.names_at_start(rest[coordinate.end():])
            if not partners:
                partners = [(name, self.index.resolve(name)) for name in roles(f"X {rest}").coordinating]
                finish = 0
            rest = rest[coordinate.end() + finish:] if partners and finish else rest[coordinate.end():]
            rest = re.sub(r"^\s*(?:,\s*)?(?:và\s+)?(?:các\s+)?(?:cơ\s+quan|đơn\s+vị)(?:,\s*đơn\s+vị)?\s+(?:có\s+)?"
                          r"liên\s+quan\s*,?\s*", "", rest, flags=re.IGNORECASE)
        who = self.who_of(leads, partners)
        who.rest = rest.strip(" ,")
        return who

    def explicit(self, clause: str) -> Who:
        """The bodies the clause itself names (a dispatch's "các cơ quan, đơn vị" are its recipients)."""
        text = self.subject(clause)
        found = self.roles(text)
        if found.names and not all(_GENERIC.match(name.strip()) for name in found.names):
            return found
        given = _GIVEN.search(text)  # "(giao Phó Hiệu trưởng phụ trách chuyên môn chủ trì)"
        if given is not None:
            named = self.roles(given.group(1))
            if named.units:
                named.rest = found.rest
                return named
        own = self.own_lead(text)
        if own is not None:
            return own
        if found.names and self.recipients is not None:
            return self.with_partners(self.recipients, found)
        return found

    def own_lead(self, text: str) -> Who | None:
        """A body the clause itself puts in charge after its opening words: "…, giao Tỉnh đoàn lựa chọn …",
        "…, Tỉnh đoàn chủ trì, phối hợp với …" (a dispatch's task then is that body's, not all its recipients')."""
        for mark in _OWN_LEAD.finditer(text):
            start = mark.start("body")
            named = self.roles(text[start:])
            if not named.units or any(_GENERIC.match(name.strip()) for name in named.names):
                continue
            _, end = self.names_at_start(text[start:])
            if mark.group("given") or _CHAIR.match(text[start + end:].strip(" ,")):
                return named
        return None

    @staticmethod
    def with_partners(lead: Who, found: Who) -> Who:
        return Who(lead.units, lead.names, found.coordinating or lead.coordinating,
                    found.coordinating_names or lead.coordinating_names, lead.review, rest=found.rest)

    def who_of(self, leads: Named, partners: Named) -> Who:
        if self.recipients is not None and any(_GENERIC.match(name.strip()) for name, _ in leads):
            leads = [(name, resolved) for name, resolved in leads if not _GENERIC.match(name.strip())]
            who = Who(list(self.recipients.units), list(self.recipients.names), review=list(self.recipients.review))
        else:
            who = Who()
        for name, resolved in leads:
            if name in who.names:
                continue
            who.names.append(name)
            if resolved is not None:
                who.units.append(resolved)
            else:
                who.review.append(vi(UNKNOWN_UNIT, name=name))
        for name, resolved in partners:
            if name in who.coordinating_names:
                continue
            who.coordinating_names.append(name)
            if resolved is not None:
                who.coordinating.append(resolved)
        return who


def index_names(index: UnitIndex, text: str) -> Named:
    return index.names_in(text) if text.strip() else []
