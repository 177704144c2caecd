"""An approved extension gives one unit a ladder of its own date: its old date's reminders are cancelled, the new
date's planned and sent (and not cancelled by the sweep as stale); the other units keep the milestone's."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Assignment, Reminder
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler.engine import ReminderEngine
from scheduler.planner import replan_assignments, replan_days
from tests.scheduler.factories import Factory
from tests.scheduler.timeline import run_days
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
EXTENDED, KEPT = 7301, 7302
NEW_DATE = date(2020, 5, 29)


async def _two_units(session_factory: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        district = await f.unit("HU-DB", name="Huyện ủy Điện Biên")
        unit_a = await f.unit("XA-A", name="Đảng ủy xã Thanh An", parent=district)
        unit_b = await f.unit("XA-B", name="Đảng ủy xã Thanh Xương", parent=district)
        await f.secretary(unit_a, chat_id=EXTENDED)
        await f.secretary(unit_b, chat_id=KEPT)
        _, (a, b) = await f.milestone("M05", date(2020, 5, 15), title="Báo cáo sơ kết", units=[unit_a, unit_b])
        return a.id, b.id  # type: ignore[return-value]


async def _rows(session_factory: async_sessionmaker[AsyncSession], assignment_id: int) -> dict[str, str]:
    async with session_factory() as session:
        rows = await session.execute(select(Reminder.step, Reminder.status)
                                     .where(Reminder.assignment_id == assignment_id))
        return dict(rows.all())  # type: ignore[arg-type]


async def _extend(session_factory: async_sessionmaker[AsyncSession], assignment_id: int, *, settings: Settings,
                  clock: FixedClock) -> None:
    """What an approval does (bot.extensions + handlers/extensions.py): the override, then the re-plan."""
    async with session_scope(session_factory) as session:
        assignment = await session.get(Assignment, assignment_id)
        assert assignment is not None
        assignment.due_date_override = NEW_DATE
        await session.flush()
        await replan_assignments(session, assignment_ids=[assignment_id], settings=settings, clock=clock)


async def test_the_extended_unit_follows_its_own_date(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest, settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    a, b = await _two_units(session_factory)  # the clock stands at Monday 04/05/2020 09:00
    await engine.plan_all()
    kept_before = await _rows(session_factory, b)
    await _extend(session_factory, a, settings=settings, clock=clock)

    rows = await _rows(session_factory, a)
    assert {step: status for step, status in rows.items() if status == "pending"} == {
        "d7:2020-05-29": "pending", "d3:2020-05-29": "pending", "d1:2020-05-29": "pending",
        "d0:2020-05-29": "pending", "late:2020-06-01": "pending", "esc:2020-06-01": "pending"}
    assert {step for step, status in rows.items() if status == "cancelled"} == {
        "d7:2020-05-15", "d3:2020-05-15", "d1:2020-05-15", "d0:2020-05-15", "late:2020-05-18", "esc:2020-05-18"}
    assert await _rows(session_factory, b) == kept_before  # the other unit keeps the milestone's ladder

    async with session_scope(session_factory) as session:  # re-planning again (an import, a restart) changes nothing
        await replan_assignments(session, assignment_ids=[a, b], settings=settings, clock=clock)
        await replan_days(session, days=[date(2020, 5, 28)], settings=settings, clock=clock)
    assert await _rows(session_factory, a) == rows

    sent = await run_days(engine, clock, transport, date(2020, 5, 4), date(2020, 6, 1))
    days = {chat: [s.at.date().isoformat() for s in sent if s.chat_id == chat] for chat in (EXTENDED, KEPT)}
    assert days[KEPT][:5] == ["2020-05-08", "2020-05-12", "2020-05-14", "2020-05-15", "2020-05-18"]
    assert days[EXTENDED] == ["2020-05-22", "2020-05-26", "2020-05-28", "2020-05-29", "2020-06-01"]
    texts = transport.texts(EXTENDED)
    assert all("29/05/2020" in text and "15/05/2020" not in text for text in texts)
    assert "còn 7 ngày" in texts[0] and "quá hạn 3 ngày" in texts[-1]
