"""Writing reminder rows in bulk, idempotently: the one upsert the planner and the sweep share.

A step that exists is left alone, unless it was cancelled (it comes back to life: an edit was undone, an
assignment reopened) or is pending at another time (the reminder hour changed). Sent, superseded and
failed steps are never touched: that is what keeps a re-plan from resending anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from bot.models import Reminder
from scheduler.ladder import StepKind
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


def steps_of_kind(kind: StepKind) -> ColumnElement[bool]:
    """step LIKE 'esc:%': a prefix test, not a string range (PostgreSQL's locale collations skip ':')."""
    return REMINDER.c.step.startswith(f"{kind.value}:", autoescape=True)


def chunked(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    """Splits an id list for IN (...): under every database's bound-parameter limit."""
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]
