"""Which open assignments of a ladder lack a reminder row it wants: the planner's check, one pass, no writes.

A start-up with nothing to plan must still notice a row deleted by hand, a cancelled row nothing revived, or
pending rows at the old hour after the reminder hour changed. An upsert of the whole fan-out finds them too, but
it writes (on PostgreSQL it locks every conflicting row, even when nothing changes) and takes a statement per
step. Here one statement per ladder reads each open assignment's rows through the (assignment_id, step) key and
scores them; only the assignments short of a full score come back, and only those are written (`Lack`).

What a ladder wants of each of its open assignments, as the upsert defined it:
* each step before the deadline: its row, not cancelled, and at the ladder's time if still pending;
* each overdue chain (overdue reminders; escalations, except for a root unit, which has nobody above it):
  a pending row of its kind, or else the chain's first step not cancelled (already sent, say).

The score is one number with a digit per requirement in base `BASE`: the good steps before the deadline, then 1
for each chain that holds. A correlated scalar subquery is what both databases run as a probe per assignment:
SQLite always; PostgreSQL never turns it into a join, where an anti-join of the same condition becomes a hash
join over the whole reminder table for every ladder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func, literal, or_, select
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


async def untouched_range(session: AsyncSession, where: Sequence[SQLColumnExpression[bool]]) -> bool:
    """No reminder row has an assignment id between the least and the greatest of the assignments matching
    `where`: none of them was ever planned. Two index lookups, exact when true (a milestone's assignments are
    made together, so their ids are a range); when false, `lacking` looks at each."""
    ids = col(Assignment.id)
    low, high = (await session.execute(select(func.min(ids), func.max(ids)).where(*where))).one()
    if low is None:
        return False  # nobody to plan
    planned = select(REMINDER.c.id).where(REMINDER.c.assignment_id.between(low, high)).limit(1)
    return (await session.execute(planned)).first() is None


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
    digit = [scored.c.score % BASE, scored.c.score / BASE % BASE, scored.c.score / BASE**2 % BASE]
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
