"""Reminders when an office runs several plans: a unit's digest names each item's plan; a closed plan's items
are never sent, even from a digest composed before it closed; with one active plan nothing extra is shown."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Plan, PlanStatus
from bot.timeutil import FixedClock
from scheduler.engine import ReminderEngine
from tests.scheduler.factories import Factory
from tests.scheduler.timeline import sweep_at
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SECRETARY = 7001


async def unit_in_two_plans(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """One unit with M01 in plan KH-A and M01 and M02 in plan KH-B ("15-KH/TU"), all due on 15/05/2020."""
    async with session_scope(session_factory) as session:
        f = Factory(session)
        unit = await f.unit("XA-A", name="Đảng ủy xã Thanh An", parent=await f.unit("HU", name="Huyện ủy"))
        await f.secretary(unit, chat_id=SECRETARY)
        first, second = await f.plan("KH-A"), await f.plan("KH-B")
        second.number = "15-KH/TU"
        for code, plan in (("M01", first), ("M01", second), ("M02", second)):
            await f.milestone(code, date(2020, 5, 15), title=f"{code} của {plan.code}", units=[unit], plan=plan)


async def test_a_digest_names_each_plan_and_tells_equal_codes_apart(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await unit_in_two_plans(session_factory)
    await engine.plan_all()
    await sweep_at(engine, clock, datetime(2020, 5, 15, 8, 0, tzinfo=VN))
    [message] = [call for call in transport.delivered() if call.chat_id == SECRETARY]
    text = message.params["text"]
    assert text.index("📋 <b>KH-A</b>") < text.index("M01 của KH-A") < text.index("📋 <b>15-KH/TU</b>") \
        < text.index("M01 của KH-B") < text.index("M02 của KH-B")
    keyboard = message.params["reply_markup"]["inline_keyboard"]
    assert [button["text"] for row in keyboard for button in row] == ["✅ M01 · KH-A", "✅ M01 · 15-KH/TU", "✅ M02"]


async def test_a_plan_closed_after_composing_is_left_out_and_one_plan_shows_no_label(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await unit_in_two_plans(session_factory)
    await engine.plan_all()
    # Closed without re-planning (as if the digest had been composed just before): the rows are still pending.
    async with session_scope(session_factory) as session:
        plan = await session.get(Plan, 2)
        assert plan is not None and plan.code == "KH-B"
        plan.status = PlanStatus.closed.value  # type: ignore[assignment]
    await sweep_at(engine, clock, datetime(2020, 5, 15, 8, 0, tzinfo=VN))
    [message] = [call for call in transport.delivered() if call.chat_id == SECRETARY]
    assert "M01 của KH-A" in message.params["text"] and "KH-B" not in message.params["text"]
    assert "📋" not in message.params["text"]
