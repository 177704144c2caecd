"""One owner of the reminders' lifecycle (scheduler/lifecycle.py): a change of an assignment, told to the engine,
moves that assignment's reminders and no other's; and nothing outside scheduler/ writes reminder rows."""

from __future__ import annotations

import ast
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import load_access
from bot.confirmations import Outcome, undo_confirmation
from bot.db import session_scope
from bot.models import Member, Reminder
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler import assignments_changed
from scheduler.engine import ReminderEngine
from tests.scheduler.factories import Factory, confirm

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).resolve().parents[2]


async def pending_steps(session_factory: async_sessionmaker[AsyncSession], assignment_id: int) -> list[str]:
    async with session_factory() as session:
        rows = await session.execute(select(Reminder.step).where(Reminder.assignment_id == assignment_id,
                                                                 Reminder.status == "pending").order_by(Reminder.step))
        return list(rows.scalars())


async def test_a_confirmation_stops_that_units_ladder_only_and_an_undo_brings_it_back(
    engine: ReminderEngine, clock: FixedClock, settings: Settings, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        district = await f.unit("HU")
        units = [await f.unit(code, parent=district) for code in ("XA-A", "XA-B")]
        for unit, chat in zip(units, (7001, 7002), strict=True):
            await f.secretary(unit, chat_id=chat)
        _, (mine, theirs) = await f.milestone("M01", date(2020, 5, 15), units=units)
    await engine.plan_all()
    ladder = await pending_steps(session_factory, mine.id)  # type: ignore[arg-type]
    assert ladder and ladder == await pending_steps(session_factory, theirs.id)  # type: ignore[arg-type]

    now = datetime(2020, 5, 5, 10, 0, tzinfo=VN)
    async with session_scope(session_factory) as session:
        await confirm(session, mine, now=now)  # the service, then assignments_changed, in one transaction
    assert await pending_steps(session_factory, mine.id) == []  # type: ignore[arg-type]
    assert await pending_steps(session_factory, theirs.id) == ladder  # type: ignore[arg-type]

    async with session_scope(session_factory) as session:
        member = (await session.execute(select(Member).where(Member.chat_id == 7001))).scalars().one()
        actor = await load_access(session=session, telegram_user_id=member.telegram_user_id, admin_ids=[])
        undone = await undo_confirmation(session=session, actor=actor, assignment_id=mine.id, now=now,  # type: ignore[arg-type]
                                         undo_minutes=10)
        assert undone.outcome == Outcome.undone
        await assignments_changed(session, assignment_ids=[mine.id], settings=settings, clock=clock)  # type: ignore[list-item]
    assert await pending_steps(session_factory, mine.id) == ladder  # type: ignore[arg-type]


def _writes_reminders(tree: ast.AST) -> list[int]:
    """Lines that construct a Reminder row or run an INSERT / UPDATE / DELETE on the reminder table."""
    def names_reminder(node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id in ("Reminder", "REMINDER")) or (
            isinstance(node, ast.Attribute) and node.attr in ("Reminder", "REMINDER"))

    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if names_reminder(func) or (name in ("update", "insert", "delete") and node.args
                                    and names_reminder(node.args[0])):
            lines.append(node.lineno)
    return lines


def test_nothing_outside_the_scheduler_writes_reminder_rows() -> None:
    """The domain and the handlers tell the engine what changed (scheduler.assignments_changed); only scheduler/
    writes the reminder rows and their states (the migrations aside)."""
    found = {}
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = _writes_reminders(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                found[str(path.relative_to(ROOT))] = lines
    assert found == {}
    # The check sees what it looks for: the engine's own modules do write them.
    assert _writes_reminders(ast.parse((ROOT / "scheduler" / "lifecycle.py").read_text(encoding="utf-8")))
    assert _writes_reminders(ast.parse("update(Reminder).values(status='cancelled')\nReminder(step='d7')"))
