"""Which open assignments of a ladder lack a reminder row it wants: the planner's check, no writes.

A start-up with nothing to plan must still notice a row deleted by hand, a cancelled row nothing revived, or
pending rows at the old hour after the reminder hour changed. An upsert of the whole fan-out finds them too, but
it writes (on PostgreSQL it locks every conflicting row, even when nothing changes) and takes a statement per
step. Here, per ladder:

1. `complete`: three totals over the rows of the ladder's assignment-id range (`Span`) against what its open
   assignments want. Exact when they agree (the key is unique): nothing is lacking, and that is the usual answer.
2. Else `lacking` reads each open assignment's rows through the (assignment_id, step) key and scores them; only the
   assignments short of a full score come back, and only those are written (`Lack`).

What a ladder wants of each of its open assignments, as the upsert defined it:
* each step before the deadline: its row, not cancelled, and at the ladder's time if still pending;
* each overdue chain (overdue reminders; escalations, except for a root unit, which has nobody above it):
  a pending row of its kind, or else the chain's first step not cancelled (already sent, say). The totals count
  only the first steps: a chain held by a later pending row alone (rare) sends the ladder to `lacking`.

The score is one number with a digit per requirement in base `BASE`: the good steps before the deadline, then 1
for each chain that holds. A correlated scalar subquery is what both databases run as a probe per assignment:
SQLite always; PostgreSQL never turns it into a join, where an anti-join of the same condition becomes a hash
join over the whole reminder table for every ladder. It costs ~2× the totals' pass, so it is kept for a ladder
whose totals disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.db import UTCDateTime
from bot.models import Assignment
from scheduler.ladder import PlannedStep, StepKind
from scheduler.rows import CANCELLED, PENDING, REMINDER

BASE = 1000  # a digit of the score: more than the steps of any ladder (MAX_REMINDER_DAYS) or any row count below
PRESENT = BASE**3  # the score's last digit counts the rows of the wanted steps, in any state


@dataclass(frozen=True)
class Wanted:
    """The rows one ladder wants of each of its open assignments."""

    before: tuple[PlannedStep, ...]
    late: PlannedStep
    escalation: PlannedStep

    @property
    def steps(self) -> list[PlannedStep]:
        return [*self.before, self.late, self.escalation]


@dataclass(frozen=True)
class Lack:
    """An open assignment short of what its ladder wants, from its score."""

    assignment_id: int
    before: int  # steps before the deadline that are as wanted
    late: bool  # its overdue chain holds
    escalation: bool  # its escalation chain holds (or it needs none: a root unit)
    present: int  # rows of the wanted steps, in any state

    @classmethod
    def decode(cls, assignment_id: int, score: int) -> Lack:
        return cls(assignment_id, score % BASE, score // BASE % BASE > 0, score // BASE**2 % BASE > 0,
                   score // PRESENT)


@dataclass(frozen=True)
class Span:
    """A ladder's open assignments as the assignment table alone tells them: what their rows must add up to."""

    low: int  # least and greatest id: a milestone's assignments are made together, so their rows are one key range
    high: int
    assignments: int
    escalated: int  # those of a unit with someone above it: each wants an escalation chain


async def open_span(session: AsyncSession, where: Sequence[SQLColumnExpression[bool]],
                    roots: Iterable[int]) -> Span | None:
    """The span of the assignments matching `where`; None when there are none. The counts beside min and max also
    keep PostgreSQL from reading min(id) off the primary key, which walks every assignment before the milestone's
    (0.25 s a milestone at national scale)."""
    ids = col(Assignment.id)
    roots = sorted(set(roots))
    escalated = func.count().filter(col(Assignment.unit_id).not_in(roots) if roots else true())
    low, high, assignments, with_parent = (
        await session.execute(select(func.min(ids), func.max(ids), func.count(), escalated).where(*where))).one()
    return None if low is None or high is None else Span(low, high, assignments, with_parent)


async def untouched(session: AsyncSession, span: Span) -> bool:
    """No reminder row has an assignment id in the span: none of them was ever planned. One index lookup, exact
    when true; when false, `complete` and `lacking` look closer. (ORDER BY: PostgreSQL would otherwise read the
    table from its start, hoping to meet such a row early.)"""
    key = REMINDER.c.assignment_id
    planned = select(key).where(key.between(span.low, span.high)).order_by(key).limit(1)
    return (await session.execute(planned)).first() is None


async def complete(session: AsyncSession, *, where: Sequence[SQLColumnExpression[bool]], span: Span, wanted: Wanted,
                   roots: Iterable[int]) -> bool:
    """Every assignment of the span has all it wants, from three totals over its rows: steps before the deadline
    as wanted, chains' first steps not cancelled (escalations: of units with someone above). The key is unique, so
    a total equals the span's count only if every assignment has its row: exact when true. When false (a row
    missing, cancelled or moved, or a chain held only by a later step), `lacking` looks at each assignment.

    The totals are those of every row with an assignment id in the span, read in key order off the unique key
    (which carries status and fire_at on PostgreSQL, migration 0012: no table read) and without a join, less
    those of the span's other assignments (closed, of another ladder): none, when the span holds only the
    ladder's open assignments, as a milestone's assignments are made. A span mostly of others is read through a
    join of the open ones instead."""
    roots = sorted(set(roots))
    expected = (span.assignments * len(wanted.before), span.assignments, span.escalated)
    others = span.high - span.low + 1 - span.assignments  # at most: ids the sequence skipped are counted too
    ours = and_(*where)
    if others > span.assignments:
        escalated = and_(ours, col(Assignment.unit_id).not_in(roots)) if roots else ours
        return await _totals(session, span, wanted, rows_of=ours, before=ours, escalation=escalated) == expected
    totals = await _totals(session, span, wanted)
    if others == 0 and span.escalated == span.assignments:
        return totals == expected
    theirs = not_(func.coalesce(ours, False))  # NULL (an override compared with none) is not ours
    root = col(Assignment.unit_id).in_(roots) if roots else false()
    outside = await _totals(session, span, wanted, rows_of=or_(theirs, root), before=theirs)
    return tuple(total - other for total, other in zip(totals, outside, strict=True)) == expected


async def _totals(session: AsyncSession, span: Span, wanted: Wanted, *, rows_of: ColumnElement[bool] | None = None,
                  before: ColumnElement[bool] | None = None,
                  escalation: ColumnElement[bool] | None = None) -> tuple[int, int, int]:
    """Rows of the span (of its assignments matching `rows_of`, through a join, if given) holding a wanted step,
    not cancelled: the steps before the deadline as wanted and the overdue chain's first (those of assignments
    matching `before`, if given), the escalation's first (of those matching `escalation`, if given)."""
    r = REMINDER.c
    good = case({step.step: or_(r.status != PENDING, r.fire_at == _at(step)) for step in wanted.before},
                value=r.step, else_=False)
    counted = [good, r.step == wanted.late.step, r.step == wanted.escalation.step]
    of = [before, before, escalation]
    query = (select(*(func.count().filter(and_(step, *([] if whose is None else [whose])))
                      for step, whose in zip(counted, of, strict=True)))
             .where(r.assignment_id.between(span.low, span.high), r.status != CANCELLED,
                    r.step.in_([step.step for step in wanted.steps])))
    if rows_of is None:
        query = query.select_from(REMINDER)
    else:
        query = (query.select_from(REMINDER.join(Assignment.__table__, r.assignment_id == col(Assignment.id)))  # type: ignore[attr-defined]
                 .where(col(Assignment.id).between(span.low, span.high), rows_of))
    counts = (await session.execute(query)).one()
    return int(counts[0]), int(counts[1]), int(counts[2])


@dataclass
class Found:
    """What a ladder's assignments lack."""

    fresh: list[int] = field(default_factory=list)  # nothing of the ladder there at all: a plain insert of it all
    partial: list[Lack] = field(default_factory=list)  # something there, something missing or wrong


async def lacking(session: AsyncSession, *, where: Sequence[SQLColumnExpression[bool]], wanted: Wanted,
                  roots: Iterable[int]) -> Found:
    """The assignments matching `where` (the open ones of a ladder) that lack something `wanted` names."""
    assert len(wanted.before) < BASE
    score: ColumnElement[Any] = func.coalesce(_score(wanted), 0)
    if roots := sorted(set(roots)):  # a root unit has nobody above it: its escalation digit is given
        score = score + case((col(Assignment.unit_id).in_(roots), BASE**2), else_=0)
    # OFFSET 0 keeps both databases from copying the score into each test below (and running it once each).
    scored = select(col(Assignment.id), score.label("score")).where(*where).offset(0).subquery()
    # Floor division: PostgreSQL divides a sum (bigint) by an integer constant as numeric, whose fraction
    # would hide a chain's 0 digit behind the good steps before the deadline.
    digit = [scored.c.score % BASE, scored.c.score // BASE % BASE, scored.c.score // BASE**2 % BASE]
    rows = await session.execute(
        select(scored.c.id, scored.c.score).where(or_(digit[0] < len(wanted.before), digit[1] == 0, digit[2] == 0)))
    found = Found()
    for assignment_id, value in rows:
        if value:
            found.partial.append(Lack.decode(assignment_id, int(value)))
        else:
            found.fresh.append(assignment_id)
    return found


def _score(wanted: Wanted) -> Any:
    """The sum over an assignment's rows of what each says, one digit per requirement (base `BASE`): good steps
    before the deadline, rows holding the overdue chain, the escalation chain, rows of the wanted steps.

    One CASE on the status, then on the step (SQLite evaluates it for every row it reads: one expression, one
    aggregate, is what keeps a start-up's check over a national plan's millions of rows short)."""
    r = REMINDER.c
    late, escalation = BASE, BASE**2
    holds = {wanted.late.step: late, wanted.escalation.step: escalation}  # the chains' first steps
    pending = case(
        {**{step.step: case((r.fire_at == _at(step), PRESENT + 1), else_=PRESENT) for step in wanted.before},
         **{step: PRESENT + weight for step, weight in holds.items()}},
        value=r.step,
        else_=case((_kind(StepKind.late), late), (_kind(StepKind.escalation), escalation), else_=0),
    )
    cancelled = case((r.step.in_([step.step for step in wanted.steps]), PRESENT), else_=0)
    settled = case({**{step.step: PRESENT + 1 for step in wanted.before},
                    **{step: PRESENT + weight for step, weight in holds.items()}}, value=r.step, else_=0)
    weight = case({PENDING: pending, CANCELLED: cancelled}, value=r.status, else_=settled)
    return select(func.sum(weight)).where(r.assignment_id == col(Assignment.id)).scalar_subquery()


def _kind(kind: StepKind) -> ColumnElement[bool]:
    """The step is of this kind: a prefix compared with substr, cheaper per row than LIKE on SQLite."""
    prefix = f"{kind.value}:"
    return func.substr(REMINDER.c.step, 1, len(prefix)) == prefix


def _at(step: PlannedStep) -> Any:
    return literal(step.fire_at, type_=UTCDateTime())
