"""The engine on the working calendar, with an injected clock: nothing goes out on a day off (Tết 2027, a declared
day off), a declared make-up Saturday gets its reminders, and a day declared off after planning moves the rows
planned for it. Declared days are fixtures of this file, not official decisions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Reminder
from bot.settings import Settings
from bot.timeutil import FixedClock
from bot.workdays import DeclaredDay, declare_days
from scheduler.engine import ReminderEngine
from scheduler.planner import plan_all, replan_days
from tests.scheduler.factories import Factory
from tests.scheduler.timeline import days_of, run_days, sweep_at
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SECRETARY, SUPERVISOR = 7301, 7302
EXTRA_DAY_OFF = DeclaredDay(date(2027, 4, 15), working=False, note="Nghỉ thêm (ví dụ trong test)")
MAKE_UP_SATURDAY = DeclaredDay(date(2027, 4, 24), working=True, note="Làm bù (ví dụ trong test)")


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=VN)


async def one_unit(session_factory: async_sessionmaker[AsyncSession], **milestones: date) -> dict[str, int]:
    """A district (with a supervisor) above one commune (with a secretary) given these milestones."""
    async with session_scope(session_factory) as session:
        f = Factory(session)
        district = await f.unit("HU-DB", name="Huyện ủy Điện Biên")
        commune = await f.unit("XA-A", name="Đảng ủy xã Thanh An", parent=district)
        await f.secretary(commune, chat_id=SECRETARY)
        await f.supervisor(district, chat_id=SUPERVISOR)
        ids = {}
        for code, due in milestones.items():
            _milestone, (assignment,) = await f.milestone(code, due, title=f"Hoàn thành {code}", units=[commune])
            ids[code] = assignment.id
        return ids


async def test_no_reminder_escalation_or_repeat_during_tet_2027(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await one_unit(session_factory, M01=date(2027, 1, 29))  # Friday, a week before Tết
    clock.set(at(date(2027, 1, 18), 9))
    await engine.plan_all()
    sent = await run_days(engine, clock, transport, date(2027, 1, 18), date(2027, 2, 16))
    assert days_of(sent, SECRETARY) == [
        date(2027, 1, 22), date(2027, 1, 26), date(2027, 1, 28), date(2027, 1, 29),  # 7, 3, 1 days before; due day
        date(2027, 2, 1), date(2027, 2, 2), date(2027, 2, 3),  # overdue, each working day
        date(2027, 2, 11), date(2027, 2, 12), date(2027, 2, 15), date(2027, 2, 16),  # Thursday 04 – Wednesday 10: Tết
    ]
    # Escalated on the first overdue day; a week on is Tết (Monday 08/02): the working day before; then after Tết.
    assert days_of(sent, SUPERVISOR) == [date(2027, 2, 1), date(2027, 2, 3), date(2027, 2, 11)]
    report = await sweep_at(engine, clock, at(date(2027, 2, 8), 9))
    assert report.skipped == "day off" and report.next_wake is not None
    assert report.next_wake.astimezone(VN) == at(date(2027, 2, 17))  # the next pending step, on a working day


async def test_a_declared_make_up_saturday_gets_reminders_and_a_declared_day_off_none(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await one_unit(session_factory, M01=date(2027, 4, 15), M02=date(2027, 4, 26))
    async with session_scope(session_factory) as session:
        await declare_days(session, [EXTRA_DAY_OFF, MAKE_UP_SATURDAY], now=at(date(2027, 4, 1)))
    clock.set(at(date(2027, 4, 5), 9))
    await engine.plan_all()
    sent = await run_days(engine, clock, transport, date(2027, 4, 5), date(2027, 4, 27))
    assert days_of(sent, SECRETARY) == [
        date(2027, 4, 8), date(2027, 4, 12),  # M01: 7 and 3 days before
        date(2027, 4, 14),  # M01's due day (the declared day off) → the day before, where d1 already was
        date(2027, 4, 19), date(2027, 4, 20), date(2027, 4, 21), date(2027, 4, 22), date(2027, 4, 23),  # M01 late
        date(2027, 4, 24),  # the make-up Saturday: M01 late, and M02's d1 (Sunday 25/04)
        date(2027, 4, 26), date(2027, 4, 27),
    ]
    saturday = next(message.text for message in sent if message.at.date() == date(2027, 4, 24))
    assert "Hoàn thành M01" in saturday and "Hoàn thành M02" in saturday
    wednesday = next(message.text for message in sent if message.at.date() == date(2027, 4, 14))
    assert "15/04/2027 (ngày nghỉ) — còn 1 ngày" in wednesday


async def test_a_day_declared_off_after_planning_moves_its_reminders(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    ids = await one_unit(session_factory, M01=date(2027, 3, 5))  # a Friday
    clock = FixedClock(at(date(2027, 3, 1), 9))  # Monday
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=clock)
    before = await pending(session_factory, ids["M01"])
    assert before == {"d7:2027-03-05": date(2027, 2, 26), "d3:2027-03-05": date(2027, 3, 2),
                      "d1:2027-03-05": date(2027, 3, 4), "d0:2027-03-05": date(2027, 3, 5),
                      "late:2027-03-08": date(2027, 3, 8), "esc:2027-03-08": date(2027, 3, 8)}
    # Thursday 04/03 and Monday 08/03 declared off (fixtures).
    days = [DeclaredDay(date(2027, 3, 4), working=False), DeclaredDay(date(2027, 3, 8), working=False)]
    async with session_scope(session_factory) as session:
        await declare_days(session, days, now=clock.now())
        result = await replan_days(session, days=[day.day for day in days], settings=settings, clock=clock)
    assert result.rows_cancelled == 2 and result.milestones == 1
    assert await pending(session_factory, ids["M01"]) == {
        "d7:2027-03-05": date(2027, 2, 26), "d3:2027-03-05": date(2027, 3, 2),
        "d1:2027-03-05": date(2027, 3, 3), "d0:2027-03-05": date(2027, 3, 5),
        "late:2027-03-09": date(2027, 3, 9), "esc:2027-03-09": date(2027, 3, 9)}


async def pending(session_factory: async_sessionmaker[AsyncSession], assignment_id: int) -> dict[str, date]:
    async with session_factory() as session:
        rows = await session.execute(select(Reminder.step, Reminder.fire_at).where(
            Reminder.assignment_id == assignment_id, Reminder.status == "pending"))
        return {step: fire_at.astimezone(VN).date() for step, fire_at in rows}
