"""Document text -> draft milestones: one per dated obligation, undated obligations under a phase window.

Rules of reading (plans/README.md, "Quy ước đọc văn bản"):
- a heading "2.x- Từ … đến …" opens a phase window; a heading of the same or a higher level closes it;
- each bullet (or paragraph) under a window is an obligation when it has a verb; "+ …" lines belong to it;
- a bullet with its own deadlines gives one milestone per deadline, with the actor of the clause that holds
  the deadline (or of the sentence); a bullet without one takes the window (start and end);
- a later sentence that starts with its own actor is a separate obligation ("… Tiểu ban Văn kiện tập trung …");
- outside windows only dated sentences become milestones;
- an actor that cannot be resolved, a sentence without one, or a date that does not exist -> a `review:` note.

A draft is a plan of its own: its code comes from the document ("Số: 2111" -> KH-2111; without a number, a
digest of the text: KH-NHAP-1A2B3C4D) and prefixes its milestone codes (KH-2111-M01 …, in reading order), so
importing it can neither take over nor deactivate the milestones of a plan already in the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from bot.intake.dates import _PATTERNS as DATE_PHRASES
from bot.intake.dates import Context, Deadline, find_deadlines, parse_window
from bot.intake.text import Block, blocks, clauses, sentences
from bot.intake.units import _VERB as VERB
from bot.intake.units import Actor, Resolved, UnitIndex, has_verb
from bot.plans.fields import ascii_code

TITLE_LENGTH = 100
NO_TITLE = "(chưa có tiêu đề)"
PLAN_CODE_LENGTH = 40  # room left for "-M01" within the 64 characters of a code
_NUMBER = re.compile(r"^[ \t]*Số[ \t]*:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)


@dataclass
class DraftPhase:
    code: str
    title: str
    start: date
    end: date


@dataclass
class DraftMilestone:
    code: str
    title: str
    source: str
    phase: str | None = None
    due: date | None = None  # None: the phase's end
    start: date | None = None
    units: list[Resolved] = field(default_factory=list)  # chủ trì: the lead units, who get the assignments
    review: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how dates were read, for a YAML comment
    coordinating: list[Resolved] = field(default_factory=list)  # phối hợp: kept on the milestone and shown
    lead_names: list[str] = field(default_factory=list)  # chủ trì as the document names them
    coordinating_names: list[str] = field(default_factory=list)  # phối hợp as the document names them
    repeat: dict[str, object] | None = None  # a periodic milestone: the plan file's `repeat:` mapping, no `due`
    year_guessed: bool = False  # the due date's year was inferred, not written: marked for review

    @property
    def unit_codes(self) -> set[str]:
        return {code for resolved in self.units for code in resolved.codes}


@dataclass
class Draft:
    title: str | None
    code: str = "KH-NHAP"  # the draft plan's code, also the prefix of its milestone codes
    phases: list[DraftPhase] = field(default_factory=list)
    milestones: list[DraftMilestone] = field(default_factory=list)

    @property
    def unresolved(self) -> list[DraftMilestone]:
        return [milestone for milestone in self.milestones if milestone.review]


@dataclass
class _Scope:
    phase: DraftPhase | None = None
    level: int = 0
    year: int | None = None

    def context(self) -> Context:
        return Context(window=(self.phase.start, self.phase.end) if self.phase else None, year=self.year)


def build_draft(text: str, index: UnitIndex) -> Draft:
    parts = blocks(text)
    draft = Draft(title=_title(parts), code=plan_code(text))
    scope = _Scope()
    codes: set[str] = set()
    for block in parts:
        if block.kind == "heading":
            if scope.phase and block.level <= scope.level:
                scope.phase = None
            years = re.findall(r"\b(?:19|20)\d{2}\b", block.text)
            if years:
                scope.year = int(years[-1])
            window = parse_window(block.text, scope.context())
            if window is not None:
                code = block.number or f"P{len(draft.phases) + 1}"
                while code in codes:
                    code += "b"
                codes.add(code)
                scope.phase = DraftPhase(code, f"{block.number}- {block.text}" if block.number else block.text,
                                         *window)
                scope.level = block.level
                draft.phases.append(scope.phase)
            continue
        if draft.title and block.text.startswith(draft.title.split(" ", 2)[-1][:40]):
            continue
        for milestone in _obligations(block, scope, index):
            milestone.code = f"{draft.code}-M{len(draft.milestones) + 1:02d}"
            draft.milestones.append(milestone)
    return draft


def plan_code(text: str) -> str:
    """The draft's plan code: from the document's number ("Số: 35-KH/TU" -> KH-35-KH-TU), else from its text."""
    match = _NUMBER.search(text)
    number = ascii_code(match.group(1))[:PLAN_CODE_LENGTH - 3].strip("-") if match else ""
    if not number:
        number = "NHAP-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8].upper()
    return f"KH-{number}"


def _title(parts: list[Block]) -> str | None:
    for block in parts:
        if block.kind == "paragraph" and block.text.upper().startswith("KẾ HOẠCH"):
            rest = block.text[len("KẾ HOẠCH"):].strip()
            return f"Kế hoạch {rest}" if rest else None
    return None


def _segments(block: Block, index: UnitIndex) -> list[str]:
    """The sentences of a bullet, grouped: a sentence that starts with its own actor opens a new obligation."""
    segments: list[str] = []
    for sentence in sentences(block.text):
        if segments and index.actor(clauses(sentence)[0]).resolved:
            segments.append(sentence)
        elif segments:
            segments[-1] = f"{segments[-1]} {sentence}"
        else:
            segments.append(sentence)
    return segments


def _obligations(block: Block, scope: _Scope, index: UnitIndex) -> list[DraftMilestone]:
    segments = _segments(block, index)
    result: list[DraftMilestone] = []
    for number, segment in enumerate(segments):
        last = number == len(segments) - 1
        subs = block.subs if last else []
        source = "\n".join([segment, *(f"+ {sub}" for sub in subs)])
        found = find_deadlines(" ".join([segment, *subs]), scope.context())
        main_actor = index.actor(clauses(segment)[0])
        review = [f"ngày không hợp lệ: {error}" for error in found.errors]
        if not found.deadlines:
            if scope.phase is None and not review:
                continue  # outside a window, only dated sentences are milestones
            if not has_verb(segment):
                continue
            milestone = DraftMilestone("", _short(main_actor), source, phase=scope.phase.code if scope.phase else None,
                                       review=list(review))
            _assign(milestone, main_actor, segment, index)
            result.append(milestone)
            continue
        for deadline in found.deadlines:
            clause = _clause_of(segment, deadline)
            actor = index.actor(clause) if clause is not None else main_actor
            title = _short(actor if actor.named or clause is None else index.actor(clause))
            if title == NO_TITLE:  # "… Thực hiện xong trong tháng 10/2019.": the sentence before says what
                title = _short(main_actor)
            if not actor.named:
                actor = main_actor
            milestone = DraftMilestone("", title, source,
                                       phase=scope.phase.code if scope.phase else None, due=deadline.due,
                                       start=deadline.start, review=list(review))
            if deadline.note:
                milestone.notes.append(deadline.note)
            _assign(milestone, actor, clause or segment, index)
            result.append(milestone)
    return result


def _clause_of(segment: str, deadline: Deadline) -> str | None:
    """The ';'-clause of the segment that holds the deadline phrase (None when it is in a "+" line)."""
    offset = 0
    for sentence in sentences(segment):
        position = segment.find(sentence, offset)
        for clause in clauses(sentence):
            start = segment.find(clause, position)
            if start <= deadline.position < start + len(clause) + 1:
                # the first clause of a sentence without a subject continues the sentence's first clause
                return clause
            position = start + len(clause)
        offset = position
    return None


def _assign(milestone: DraftMilestone, actor: Actor, text: str, index: UnitIndex) -> None:
    milestone.units = list(actor.resolved)
    if actor.unresolved:
        milestone.review.append(f'không nhận ra đơn vị "{actor.unresolved}" trong cây đơn vị: ghi mã đơn vị vào units:')
    elif not actor.resolved:
        hints = [r.selector if isinstance(r.selector, str) else f"{r.selector[0]}: {r.selector[1]}"
                 for r in index.mentions(text)]
        hint = f" (câu có nhắc: {', '.join(hints)})" if hints else ""
        milestone.review.append(f"câu không nêu đơn vị chịu trách nhiệm: ghi đơn vị vào units:{hint}")


def _short(actor: Actor) -> str:
    """A short title: the clause without its subject and its deadline phrase, at most TITLE_LENGTH characters."""
    text = actor.rest
    text = DATE_PHRASES.sub("", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text).strip(" ,.;:-")
    text = re.sub(r"^(?:[Tt]hực hiện xong|[Xx]ong)\s*", "", text)
    text = re.split(r";|\. ", text)[0].strip(" ,.;:")
    text = re.sub(r"\s+(?:xong|hoàn thành)$", "", text).strip(" ,.;:")
    verb = VERB.search(text.lower())
    if verb is not None and 0 < verb.start() <= 40:  # "Đại hội Đảng bộ tỉnh kiểm tra …": a qualifier of the subject
        text = text[verb.start():]
    if len(text) > TITLE_LENGTH:
        cut = text[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,")
        text = f"{cut}…"
    return (text[:1].upper() + text[1:]) if text else NO_TITLE
