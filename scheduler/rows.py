"""Writing reminder rows in bulk, idempotently: the one upsert the planner and the sweep share.

A step that exists is left alone, unless it was cancelled (it comes back to life: an edit was undone, an
assignment reopened) or is pending at another time (the reminder hour changed). Sent, superseded and
failed steps are never touched: that is what keeps a re-plan from resending anything.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import (
    Integer,
    SQLColumnExpression,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select, TableValuedAlias
from sqlmodel import col

from bot.db import UTCDateTime
from bot.models import Assignment, Reminder
from scheduler.ladder import PlannedStep, StepKind
from scheduler.states import ReminderStatus

REMINDER = Reminder.__table__  # type: ignore[attr-defined]
PENDING = ReminderStatus.pending.value
CANCELLED = ReminderStatus.cancelled.value


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(REMINDER)
    if dialect == "sqlite":
        return sqlite.insert(REMINDER)
    raise NotImplementedError(f"reminder upserts are written for SQLite and PostgreSQL, not {dialect}")


def _with_revive(statement: Any) -> Any:
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[REMINDER.c.assignment_id, REMINDER.c.step],
        set_={"status": PENDING, "fire_at": excluded.fire_at, "last_error": None},
        where=or_(
            REMINDER.c.status == CANCELLED,
            and_(REMINDER.c.status == PENDING, REMINDER.c.fire_at != excluded.fire_at),
        ),
    )


async def upsert_steps_from_select(session: AsyncSession, rows: Select[Any]) -> int:
    """INSERT … SELECT (assignment_id, step, fire_at, status): the whole fan-out runs inside the database.

    The SELECT must carry a WHERE clause: SQLite otherwise reads ON CONFLICT as a join's ON.
    """
    statement = _insert_for(session).from_select(
        [REMINDER.c.assignment_id, REMINDER.c.step, REMINDER.c.fire_at, REMINDER.c.status], rows
    )
    result = await session.execute(_with_revive(statement))
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


async def upsert_steps(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The same upsert for a few explicit rows ({assignment_id, step, fire_at})."""
    if not rows:
        return
    values = [{**row, "status": PENDING} for row in rows]
    await session.execute(_with_revive(_insert_for(session)), values)


def id_table(session: AsyncSession, ids: Sequence[int]) -> TableValuedAlias:
    """The ids as a one-column table (`value`), sent as one parameter: a JSON array on SQLite, an integer array on
    PostgreSQL (60,000 ids are one bind, not 120 statements of 500)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.unnest(literal(list(ids), postgresql.ARRAY(Integer))).table_valued("value").render_derived()
    return func.json_each(json.dumps(list(ids))).table_valued("value")


async def insert_fresh(session: AsyncSession, steps: Sequence[PlannedStep], *,
                       assignment_ids: Sequence[int] = (), every: Sequence[SQLColumnExpression[bool]] | None = None,
                       roots: Iterable[int] = (), escalation: str = "") -> int:
    """Inserts every step for each of these assignments — or for `every` assignment matching these conditions (a
    ladder never planned), the `escalation` step left out for `roots`' units — none of which has any of them
    (checked by the caller, under `lock_bulk_planning`). A plain INSERT, one statement, in key order.

    No conflict to look for: on PostgreSQL that is most of an upsert's cost per row, and a first planning inserts
    millions. Key order appends to the (assignment_id, step) index instead of splitting its pages all over
    (PostgreSQL: 85 s instead of 141 s for a national plan) and keeps an assignment's rows side by side, which
    the start-up check then reads together."""
    if not steps or (every is None and not assignment_ids):
        return 0
    wanted = union_all(*(select(literal(step.step).label("step"), literal(step.fire_at, UTCDateTime()).label("fire_at"))
                         for step in steps)).subquery("wanted")
    if every is not None:
        rows = select(col(Assignment.id), wanted.c.step, wanted.c.fire_at, literal(PENDING)).where(*every)
        if roots := sorted(set(roots)):  # a root unit has nobody above it to escalate to
            rows = rows.where(or_(wanted.c.step != escalation, col(Assignment.unit_id).not_in(roots)))
        key: Any = col(Assignment.id)
    else:
        ids = id_table(session, sorted(assignment_ids))
        rows = select(ids.c.value, wanted.c.step, wanted.c.fire_at, literal(PENDING)).select_from(ids)
        key = ids.c.value
    rows = rows.join(wanted, true()).order_by(key, wanted.c.step)  # every step for every assignment
    result = await session.execute(
        REMINDER.insert().from_select([REMINDER.c.assignment_id, REMINDER.c.step, REMINDER.c.fire_at,
                                       REMINDER.c.status], rows))
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


async def write_step(session: AsyncSession, assignment_ids: Sequence[int], step: PlannedStep) -> int:
    """Makes `step` as wanted for each of these assignments: inserted where missing, revived where cancelled,
    moved where pending at another time; rows sent, queued, superseded or failed are left alone."""
    if not assignment_ids:
        return 0
    ids = id_table(session, sorted(assignment_ids))
    fire_at = literal(step.fire_at, UTCDateTime())
    missing = (select(ids.c.value, literal(step.step), fire_at, literal(PENDING))
               .where(~exists().where(REMINDER.c.assignment_id == ids.c.value, REMINDER.c.step == step.step)))
    inserted = await session.execute(
        _insert_for(session).from_select([REMINDER.c.assignment_id, REMINDER.c.step, REMINDER.c.fire_at,
                                          REMINDER.c.status], missing).on_conflict_do_nothing())
    revived = await session.execute(
        update(REMINDER)
        .where(REMINDER.c.assignment_id.in_(select(ids.c.value)), REMINDER.c.step == step.step,
               or_(REMINDER.c.status == CANCELLED, and_(REMINDER.c.status == PENDING, REMINDER.c.fire_at != fire_at)))
        .values(status=PENDING, fire_at=fire_at, last_error=None))
    return max(inserted.rowcount or 0, 0) + max(revived.rowcount or 0, 0)  # type: ignore[attr-defined]


@asynccontextmanager
async def planning_settings(session: AsyncSession) -> AsyncIterator[None]:
    """PostgreSQL settings for the planning statements, then as they were, in this transaction only:
    * JIT off: it compiles each of them (their row estimates are large) for ~0.2 s, more than running most take;
    * a plan made for each statement's values: the driver prepares statements, and after five runs PostgreSQL
      keeps a generic plan, blind to the milestone's id range (a probe per assignment instead of one pass)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    settings = {"jit": "off", "plan_cache_mode": "force_custom_plan"}
    previous = {name: (await session.execute(text("SELECT current_setting(:name)"), {"name": name})).scalar_one()
                for name in settings}
    for name, value in settings.items():
        await session.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})
    yield  # after an error the transaction is rolled back, and the settings with it
    for name, value in previous.items():
        await session.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})


# Any constant: one key for every process planning reminders into this database.
_BULK_PLANNING_LOCK = 0x6E686163  # "nhac"


async def lock_bulk_planning(session: AsyncSession) -> bool:
    """Serialises bulk inserts of reminder rows across processes until the transaction ends. True: the caller must
    look again at what is missing, as another process may have planned it meanwhile."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _BULK_PLANNING_LOCK})
    else:
        # SQLite has one writer at a time, but the caller's check ran outside any transaction (the driver begins
        # one at the first write): a write that touches nothing takes the write lock now, until the transaction
        # ends, so the second look sees whatever another process committed before.
        await session.execute(REMINDER.delete().where(false()))
    return True


def steps_of_kind(kind: StepKind) -> ColumnElement[bool]:
    """step LIKE 'esc:%': a prefix test, not a string range (PostgreSQL's locale collations skip ':')."""
    prefix: ColumnElement[bool] = REMINDER.c.step.startswith(f"{kind.value}:", autoescape=True)
    return prefix


def chunked(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    """Splits an id list for IN (...): under every database's bound-parameter limit."""
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]
