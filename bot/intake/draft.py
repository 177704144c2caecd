"""A document's structure -> draft milestones: one per dated obligation, undated obligations under a phase window.

Rules of reading (plans/README.md, "Quy ước đọc văn bản"):
- a heading "2.x- Từ … đến …" opens a phase window; a heading of the same or a higher level closes it;
- a numbered heading naming a body ("1. Sở Khoa học và Công nghệ:") makes it the lead of the items under it;
- each bullet (or paragraph) under a window is an obligation when it has a verb; "+ …" lines belong to it;
- a bullet with its own deadlines gives one milestone per deadline, with the actor of the clause that holds
  the deadline (or of the sentence); a bullet without one takes the window (start and end);
- a later sentence that starts with its own actor is a separate obligation ("… Tiểu ban Văn kiện tập trung …");
- outside windows only dated sentences become milestones; a periodic deadline is a periodic milestone;
- a table of tasks gives one milestone per row and deadline (tables.py): chủ trì and phối hợp from their columns;
  an empty (merged) chủ trì cell is the body above it; a date the task states beats a week or period column;
- "Đề nghị X chủ trì", "Giao X …", "X phối hợp với Y", "(giao X chủ trì)" name X as lead and Y as co-ordinating;
- a clause naming nobody ("…; gửi danh sách về UBND xã, hạn chót: …") is its sentence's subject's, else the body
  of the heading above, else — in a dispatch — its recipients' ("Kính gửi"), as "các cơ quan, đơn vị" are;
- names are read in the document's context (units.py, `bind`): its letterhead says which of the units sharing a
  short name is meant, and completes a name cut short of its place ("UBND huyện");
- in a task's sentence a period it only mentions ("nhiệm vụ trọng tâm trong năm 2025") is no deadline (dates.py);
- an actor that cannot be resolved, a sentence without one, or a date that does not exist -> a `review:` note.

A draft is a plan of its own: its code comes from the document's number, or from its title and year (header.py),
and prefixes its milestone codes (KH-190-TU-2024-M01 …, in reading order), so importing it can neither take over
nor deactivate the milestones of a plan already in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.intake.dates import (
    PERIODIC_WORD,
    Context,
    Deadline,
    Found,
    bound,
    cell_period,
    find_deadlines,
    find_repeats,
    parse_window,
)
from bot.intake.header import Header, plan_code, read_header
from bot.intake.structure import Document, Paragraph, from_text
from bot.intake.tables import Row, read_rows, roles_of
from bot.intake.text import Block, blocks, clauses, sentences
from bot.intake.titles import BAD_TITLES, NO_TITLE, piece, poor, row_title, short
from bot.intake.units import Resolved, UnitIndex, _strip_lead, has_verb, key
from bot.intake.who import Bodies, Who, index_names
from bot.intake.wording import BAD_DATE, BEFORE_ISSUED, NO_ACTOR, NO_ACTOR_MENTIONS, TARGET_HELD, mention, vi
from bot.plans.dates import format_day

_SCHOOL_YEAR = re.compile(r"năm\s+học\s+((?:19|20)\d{2})\s*[-–/]\s*(?:19|20)\d{2}", re.IGNORECASE)
_APPENDIX = re.compile(r"^\s*phụ\s+lục\b", re.IGNORECASE)
# A sentence or a section that states an aim ("phấn đấu đến hết năm 2025 …", under "I. MỤC ĐÍCH, YÊU CẦU"): a date
# in it with nobody in charge is when the aim should be met, not a task's due: held for review, undated.
_TARGET = re.compile(r"\bphấn\s+đấu\b|\bmục\s+tiêu\b|\bchỉ\s+tiêu\b", re.IGNORECASE)
_PURPOSE = re.compile(r"^\s*(?:mục\s+đích|mục\s+tiêu|yêu\s+cầu|quan\s+điểm)\b", re.IGNORECASE)
_END = re.compile(r"^\s*(?:nơi\s+nhận|t/m\b|tm\.|kt\.|k/t\b)", re.IGNORECASE)
# A sentence that cites what the plan implements ("Thực hiện Hướng dẫn số 145-HD/BTGTW ngày 30/9/2024 … (họp từ ngày
# 18/9 đến ngày 20/9/2024), Ban Tuyên giáo Huyện ủy hướng dẫn như sau:", "Căn cứ Nghị quyết số …"): its basis, not a
# task; no date in it is a due.
_CITES = re.compile(
    r"^\W*(?:căn\s+cứ|thực\s+hiện|triển\s+khai|thi\s+hành|theo)\s+(?:(?:ý\s+kiến\s+)?chỉ\s+đạo\s+(?:của\s+|tại\s+)?)?"
    r"(?:luật|bộ\s+luật|pháp\s+lệnh|nghị\s+quyết|nghị\s+định|quyết\s+định|chỉ\s+thị|thông\s+tư|kế\s+hoạch|"
    r"hướng\s+dẫn|công\s+văn|văn\s+bản|kết\s+luận|thông\s+báo|chương\s+trình|đề\s+án|quy\s+định|điều\s+lệ|"
    r"công\s+điện)\b", re.IGNORECASE)
_INTRODUCES = re.compile(r"(?::|\bnhư\s+sau\W*|\bsau\s*:?)\s*$", re.IGNORECASE)


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
    due_time: str | None = None  # "07:30": an appointment's time

    @property
    def unit_codes(self) -> set[str]:
        return {code for resolved in self.units for code in resolved.codes}


@dataclass
class Draft:
    title: str | None
    code: str = "KH-NHAP"  # the draft plan's code, also the prefix of its milestone codes
    phases: list[DraftPhase] = field(default_factory=list)
    milestones: list[DraftMilestone] = field(default_factory=list)
    number: str | None = None  # the document's own number ("190-KH/TU")
    issued: date | None = None  # the document's own date

    @property
    def unresolved(self) -> list[DraftMilestone]:
        return [milestone for milestone in self.milestones if milestone.review]


@dataclass
class _Scope:
    phase: DraftPhase | None = None
    level: int = 0
    year: int | None = None
    document: date | None = None
    owner: Who | None = None  # the body a numbered heading names, for the items under it
    owner_level: int = 0
    school_year: int | None = None
    purpose: int = 0  # the level of a "Mục đích, yêu cầu" heading the text is under (0: none)

    def context(self) -> Context:
        return Context(window=(self.phase.start, self.phase.end) if self.phase else None, year=self.year,
                       document=self.document, school_year=self.school_year)


def build_draft(source: str | Document, index: UnitIndex) -> Draft:
    document = from_text(source) if isinstance(source, str) else source
    lines = _lines(document)
    header = read_header(lines)
    draft = Draft(title=header.title, code=plan_code(header, "\n".join(lines)), number=header.number,
                  issued=header.issued)
    reader = _Reader(draft, index.bind(header=header.letterhead, title=header.title, issued=header.issued), header)
    pending: list[str] = []
    for item in document.items:
        if isinstance(item, Paragraph):
            pending.append(item.text if item.heading is None or not item.text.strip()
                           else f"{'#' * item.heading} {item.text}")
            continue
        found = roles_of(item) if item.rows else None
        if found is None:  # a letterhead or a signature block: its cells are text
            pending.extend(cell for row in item.rows for cell in dict.fromkeys(row) if cell.strip())
            continue
        reader.text("\n".join(pending))
        pending = []
        reader.table(read_rows(item, *found), has_lead="lead" in found[0])
    reader.text("\n".join(pending))
    return draft


def _lines(document: Document) -> list[str]:
    result: list[str] = []
    for item in document.items:
        if isinstance(item, Paragraph):
            result.append(item.text)
        elif roles_of(item) is None if item.rows else False:
            result.extend(cell for row in item.rows for cell in dict.fromkeys(row) if cell.strip())
        else:
            result.append("")
    return result


class _Reader:
    def __init__(self, draft: Draft, index: UnitIndex, header: Header) -> None:
        self.draft, self.index, self.header = draft, index, header
        self.last_lead = ""  # a table's "chủ trì" cell, for the rows below it whose cell is merged or empty
        self.scope = _Scope(document=header.issued or (date(header.year, 1, 1) if header.year else None))
        school = _SCHOOL_YEAR.search(header.title or "")
        if school:
            self.scope.school_year = int(school.group(1))
        self.codes: set[str] = set()
        self.ended = False
        self.bodies = Bodies(index, header.recipients_text)

    def add(self, milestone: DraftMilestone) -> None:
        milestone.code = f"{self.draft.code}-M{len(self.draft.milestones) + 1:02d}"
        self.draft.milestones.append(milestone)

    # Headings -------------------------------------------------------------------------------------------------
    def heading(self, text: str, number: str | None, level: int) -> None:
        scope = self.scope
        if scope.phase and level <= scope.level:
            scope.phase = None
        if scope.owner and level <= scope.owner_level:
            scope.owner = None
        if scope.purpose and level <= scope.purpose:
            scope.purpose = 0
        if _PURPOSE.match(text):
            scope.purpose = level
        school = _SCHOOL_YEAR.search(text)
        years = re.findall(r"\b(?:19|20)\d{2}\b", text)
        if school:
            scope.school_year, scope.year = int(school.group(1)), None
        elif years:
            scope.year = int(years[-1])
        window = parse_window(text, scope.context())
        if window is None:
            ranges = [d for d in find_deadlines(text, scope.context(), cell=True).deadlines if d.start and d.due]
            window = (ranges[0].start, ranges[0].due) if ranges and re.match(
                r"^(?:giai\s+đoạn|tuần|đợt|bước|phần)\b", text, re.IGNORECASE) else None  # type: ignore[assignment]
        if window is not None:
            code = number or f"P{len(self.draft.phases) + 1}"
            while code in self.codes:
                code += "b"
            self.codes.add(code)
            scope.phase = DraftPhase(code, f"{number}- {text}" if number else text, *window)
            scope.level = level
            self.draft.phases.append(scope.phase)
            return
        who = self.bodies.roles(text)
        if who.names and (not who.rest or who.rest.startswith((":", "(")) or not has_verb(who.rest)):
            scope.owner = who
            scope.owner_level = level

    # Text ------------------------------------------------------------------------------------------------------
    def text(self, text: str) -> None:
        if not text.strip():
            return
        for block in blocks(text):
            if _END.match(block.text):
                self.ended = True  # the recipients and the signature: nothing to do, until an appendix
            elif _APPENDIX.match(block.text):
                self.ended = False
            if self.ended:
                continue
            if block.kind == "heading":
                self.heading(block.text, block.number, block.level)
                continue
            if block.number and self.scope.owner and 2 + block.number.count(".") <= self.scope.owner_level:
                self.scope.owner = None  # "2. Đề nghị …" after "1. Công an xã:" and its bullets
            if self.draft.title and block.text.startswith(self.draft.title.split(" ", 2)[-1][:40]):
                continue
            if re.match(r"^\s*Kính\s+gửi\b", block.text, re.IGNORECASE):
                continue
            for milestone in self.obligations(block):
                self.add(milestone)

    def segments(self, block: Block) -> list[str]:
        """The sentences of a bullet, grouped: a sentence that starts with its own actor opens a new obligation."""
        result: list[str] = []
        for sentence in sentences(block.text):
            starts = self.bodies.roles(self.bodies.subject(clauses(sentence)[0])).names
            if result and starts:
                result.append(sentence)
            elif result:
                result[-1] = f"{result[-1]} {sentence}"
            else:
                result.append(sentence)
        return result

    def obligations(self, block: Block) -> list[DraftMilestone]:
        scope = self.scope
        segments = self.segments(block)
        result: list[DraftMilestone] = []
        for number, segment in enumerate(segments):
            subs = block.subs if number == len(segments) - 1 else []
            segment = " ".join(sentence for sentence in sentences(segment) if not _preamble(sentence))
            if not segment:
                continue
            source = "\n".join([segment, *(f"+ {sub}" for sub in subs)])
            found = find_deadlines(" ".join([segment, *subs]), scope.context(), task=True)
            review = [vi(BAD_DATE, error=error) for error in found.errors]
            main = self.bodies.explicit(clauses(segment)[0])
            if not found.deadlines:
                main = self.fallback(main)
                if scope.phase is None and not review:
                    continue  # outside a window, only dated sentences are milestones
                if not has_verb(segment):
                    continue
                milestone = DraftMilestone("", self.title(main, segment), source,
                                           phase=scope.phase.code if scope.phase else None, review=list(review))
                self.assign(milestone, main)
                result.append(milestone)
                continue
            for deadline in found.deadlines:
                clause = _clause_of(segment, deadline)
                who = self.bodies.explicit(clause) if clause is not None else main
                title = self.title(who, clause) if clause is not None else self.title(main, segment)
                words = piece(segment, clause, deadline, found.deadlines) if clause is not None else None
                if words is not None:  # "… thi thử lần 1 vào 7h15 ngày 05/4/2025 và thi thử lần 2 trong tháng 5"
                    title = self.title(Who(), words)
                if poor(title):  # "… ; thời gian tiến hành trong Quý II/2025.": the sentence's task says what
                    title = self.title(main, segment)
                if poor(title) and self.draft.title:  # "- Thời gian: từ ngày 01/3 đến ngày 31/3/2025.": the plan's
                    title = self.draft.title
                if not who.names:  # "…; gửi danh sách về UBND xã, hạn chót: …": the sentence's subject
                    who = main if main.names else self.fallback(who)
                milestone = self.milestone(title, source, deadline, review)
                if deadline.due and self.draft.issued and deadline.due < self.draft.issued:
                    # a sentence's day before the document was signed: a cited document's or a past event's, not a
                    # task's due (a table's date column, written for the task, is left as it is)
                    _hold(milestone, deadline, vi(BEFORE_ISSUED, phrase=deadline.phrase,
                                                  day=format_day(self.draft.issued)))
                    milestone.phase = None  # nor the end of the phase it stands in
                self.assign(milestone, who)
                if not milestone.lead_names and milestone.due and (self.scope.purpose or _TARGET.search(segment)):
                    _hold(milestone, deadline)
                result.append(milestone)
        return result

    def milestone(self, title: str, source: str, deadline: Deadline, review: list[str]) -> DraftMilestone:
        scope = self.scope
        milestone = DraftMilestone("", title, source, phase=scope.phase.code if scope.phase else None,
                                   due=deadline.due, start=deadline.start, review=list(review),
                                   year_guessed=deadline.year_guessed, due_time=deadline.time)
        if deadline.repeat is not None:
            milestone.repeat = dict(deadline.repeat)
            if scope.phase is None:
                milestone.repeat.setdefault("from", scope.document or date(scope.year or date.today().year, 1, 1))
        if deadline.note:
            milestone.notes.append(deadline.note)
        return milestone

    # Tables ----------------------------------------------------------------------------------------------------
    def table(self, rows: list[Row], *, has_lead: bool = True) -> None:
        self.ended = False  # a table of tasks after the signature is the plan's appendix
        self.last_lead = ""
        for row in rows:
            if row.kind == "heading":
                self.heading(row.text, None, 1)
                self.last_lead = ""  # a merged cell never spans a heading row
                continue
            if has_lead and not row.lead.strip():
                row.lead = self.last_lead  # a merged (or, in a text table, empty) cell: the body above
            self.last_lead = row.lead
            self.row(row)

    def row(self, row: Row) -> None:
        scope = self.scope
        context = scope.context()
        found = find_deadlines(row.due, context, cell=True) if row.due else find_deadlines(row.task, context)
        period = cell_period(row.due, context) if row.due and not any(d.repeat for d in found.deadlines) else None
        if row.due and not found.deadlines and not found.errors:
            found = find_deadlines(row.task, context)
        elif row.due and found.deadlines and all(d.start for d in found.deadlines):
            # the date column gives a period (a week of a timetable): a date the task itself states wins
            window = Context(window=(found.deadlines[0].start, found.deadlines[-1].due),  # type: ignore[arg-type]
                             year=context.year, document=context.document, school_year=context.school_year)
            own = find_deadlines(row.task, window)
            if own.deadlines:
                found = own
        review = [vi(BAD_DATE, error=error) for error in found.errors]
        if not found.deadlines and row.due and PERIODIC_WORD.search(row.due):
            # "Hằng tháng" | "… gửi báo cáo trước ngày 25": the cell says how often, the task which day
            found = Found(find_repeats(f"{row.due}, {row.task}", context) or find_repeats(f"{row.task} {row.due}",
                                                                                            context))
        if period is not None and (rules := find_repeats(row.task, context)):
            # "Báo cáo … trước ngày 5 hằng tháng" | "Năm 2025": the period bounds the task's series, no due date
            found = Found([bound(rule, period) for rule in rules])
        task = self.bodies.roles(row.task)
        if row.lead:
            who = self.bodies.who_of(index_names(self.index, row.lead), index_names(self.index, row.coord))
        else:
            who = task if task.names else Who(coordinating=task.coordinating,
                                                 coordinating_names=task.coordinating_names)
            if row.coord:
                extra = self.bodies.who_of([], index_names(self.index, row.coord))
                who.coordinating += extra.coordinating
                who.coordinating_names += extra.coordinating_names
            if not who.names and scope.owner is not None:
                who = Who(scope.owner.units, scope.owner.names, who.coordinating or scope.owner.coordinating,
                           who.coordinating_names or scope.owner.coordinating_names, scope.owner.review)
        title = row_title(task.rest if task.names and not row.lead else row.task)
        start = None
        if row.start:
            starts = find_deadlines(row.start, context, cell=True).deadlines
            start = starts[0].due if starts else None
        source = row.text
        if not found.deadlines:
            if scope.phase is None and not review:
                return
            milestone = DraftMilestone("", title, source, phase=scope.phase.code if scope.phase else None,
                                       review=review)
            self.assign(milestone, who)
            self.add(milestone)
            return
        ranges = [d for d in find_deadlines(row.task, context).deadlines if d.start and d.due]
        for deadline in found.deadlines:
            milestone = self.milestone(title, source, deadline, review)
            if start is not None and milestone.start is None:
                milestone.start = start
            if milestone.start is None:  # "(từ ngày 02/12 đến ngày 13/12/2024)" in the task, its end in the column
                milestone.start = next((d.start for d in ranges if d.due == milestone.due), None)
            self.assign(milestone, who)
            self.add(milestone)

    def fallback(self, found: Who) -> Who:
        """A clause naming nobody: the body of the heading above, else (a dispatch) its recipients."""
        if found.names:
            return found
        if self.scope.owner is not None:
            return Bodies.with_partners(self.scope.owner, found)
        if self.bodies.recipients is not None:  # a dispatch's tasks: its recipients', unless a sentence says
            return Bodies.with_partners(self.bodies.recipients, found)
        return found  # assign() says so, with the units the sentence mentions

    def title(self, who: Who, text: str) -> str:
        title = short(who.rest or _strip_lead(text))
        if title == NO_TITLE or key(title).strip(" .") in BAD_TITLES or len(title.split()) < 2:
            fallback = short(_strip_lead(text))
            if fallback != NO_TITLE and key(fallback) not in BAD_TITLES and len(fallback.split()) >= 2:
                return fallback
        return title

    def no_actor(self, text: str) -> list[str]:
        names = [mention(r.phrase, r.selector) for r in self.index.mentions(text)]
        return [vi(NO_ACTOR_MENTIONS, names=", ".join(names)) if names else vi(NO_ACTOR)]

    def assign(self, milestone: DraftMilestone, who: Who) -> None:
        milestone.units = list(who.units)
        milestone.lead_names = list(who.names)
        milestone.coordinating = list(who.coordinating)
        milestone.coordinating_names = list(who.coordinating_names)
        review = list(who.review)
        if not who.units and not review:
            review = self.no_actor(milestone.source)
        milestone.review.extend(note for note in review if note not in milestone.review)



def _preamble(sentence: str) -> bool:
    """A sentence that only says what the plan implements: "Căn cứ <văn bản> …", or "Thực hiện <văn bản> …" that
    introduces the plan's body ("…, Ban Tuyên giáo Huyện ủy hướng dẫn như sau:")."""
    opener = _CITES.match(sentence)
    if opener is None:
        return False
    return opener.group(0).strip(" -+•*").lower().startswith("căn") or _INTRODUCES.search(sentence) is not None


def _hold(milestone: DraftMilestone, deadline: Deadline, why: str | None = None) -> None:
    """No date rather than an aim's (or a past) date as a task's due: the reviewer sees the phrase and decides."""
    if milestone.due is None:
        return  # held already
    milestone.due = milestone.start = milestone.due_time = None
    milestone.year_guessed = False
    milestone.notes = [note for note in milestone.notes if note != deadline.note]
    milestone.review.insert(0, why or vi(TARGET_HELD, phrase=deadline.phrase))


def _clause_of(segment: str, deadline: Deadline) -> str | None:
    """The ';'-clause of the segment that holds the deadline phrase (None when it is in a "+" line)."""
    offset = 0
    for sentence in sentences(segment):
        position = segment.find(sentence, offset)
        for clause in clauses(sentence):
            start = segment.find(clause, position)
            if start <= deadline.position < start + len(clause) + 1:
                return clause
            position = start + len(clause)
        offset = position
    return None
