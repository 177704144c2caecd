"""End to end against the project's Bot API emulator (sandbox/): real HTTP, Telegram's error answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.db import session_scope
from bot.models import Member
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler.engine import ReminderEngine
from scheduler.failures import list_failures
from scheduler.states import FailureReason
from tests.scheduler.conftest import FakeSleep
from tests.scheduler.factories import Factory
from tests.scheduler.transport import TOKEN

sandbox = pytest.importorskip("sandbox")

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SECRETARY, BLOCKED, SUPERVISOR = 1001, 1002, 1003


@pytest.fixture
async def emulator() -> AsyncIterator[object]:
    async with sandbox.EmulatorServer(port=0) as server:
        yield server


async def test_429_5xx_403_and_a_migrated_group_through_the_emulator(
    emulator,  # type: ignore[no-untyped-def]
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
) -> None:
    client = emulator.client
    for user in (SECRETARY, BLOCKED, SUPERVISOR):
        await client.open_private_chat({"id": user, "first_name": f"Người {user}"})
    group = await client.create_group("Chi bộ Văn phòng")
    await client.block(BLOCKED)
    await client.add_fault("429", methods="sendMessage", chat_id=SECRETARY, count=1, retry_after=2)
    await client.add_fault("500", methods="sendMessage", chat_id=SUPERVISOR, count=1)

    async with session_scope(session_factory) as session:
        f = Factory(session)
        district = await f.unit("HU", name="Huyện ủy Tuần Giáo")
        units = [
            await f.unit(code, name=name, parent=district)
            for code, name in (
                ("XA-1", "Đảng ủy xã Quài Cang"),
                ("XA-2", "Đảng ủy xã Quài Nưa"),
                ("VP", "Văn phòng Huyện ủy"),
            )
        ]
        await f.secretary(units[0], chat_id=SECRETARY)
        await f.secretary(units[1], chat_id=BLOCKED, name="Lò Văn Bị Chặn")
        await f.secretary(units[2], chat_id=group["id"])
        await f.supervisor(district, chat_id=SUPERVISOR)
        await f.milestone("M03", date(2020, 5, 15), title="Xây dựng dự thảo Báo cáo chính trị", units=units)
    new_group_id = await client.migrate(group["id"])

    bot = Bot(TOKEN, base_url=emulator.api_base_url)
    sleep = FakeSleep()
    async with bot:
        engine = ReminderEngine(session_factory=session_factory, bot=bot, settings=settings, clock=clock, sleep=sleep)
        await engine.plan_all()
        clock.set(datetime(2020, 5, 12, 8, 0, tzinfo=VN))
        report = await engine.sweep()

    (reminder,) = await client.bot_messages(SECRETARY)
    assert "Đảng ủy xã Quài Cang" in reminder["text"] and "còn 3 ngày" in reminder["text"]
    assert 2 in sleep.waits  # the 429's retry_after was honoured before the retry
    (moved,) = await client.bot_messages(new_group_id)
    assert "Văn phòng Huyện ủy" in moved["text"]
    (notice,) = await client.bot_messages(SUPERVISOR)  # after one 500
    assert "Lò Văn Bị Chặn" in notice["text"] and "đã chặn bot" in notice["text"]
    assert report.dispatched.sent == 3 and report.dispatched.failed == 1

    statuses = [call["status"] for call in await client.calls("sendMessage")]
    assert statuses.count(429) == 1 and statuses.count(500) == 1 and statuses.count(403) == 1
    async with session_factory() as session:
        chats = dict((await session.execute(select(Member.full_name, Member.chat_id))).all())
        blocked_active = await session.scalar(select(Member.active).where(Member.chat_id == BLOCKED))
        (failure,) = await list_failures(session)
    assert new_group_id in chats.values() and group["id"] not in chats.values()
    assert blocked_active is False
    assert failure.reason is FailureReason.blocked and failure.unit_code == "XA-2"
