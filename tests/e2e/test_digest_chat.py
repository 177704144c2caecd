"""End to end: on Monday morning the bot sends each supervisor one weekly digest, through the outbox, and logs it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.models import Event, ReminderDelivery, ReminderDigest
from scheduler.engine import SWEEP_JOB
from tests.e2e.conftest import SECRETARY, SUPERVISOR, BotRun
from tests.e2e.processes import until_job_runs

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Monday 11/05/2020 07:45 in Hà Nội: inside the digest window, before the 08:00 reminders (the digest keeps its own
# hours). A sweep every second: the test sees the sweeps after the first send nothing.
BOT_ENV = {"FAKE_NOW": "2020-05-11T07:45:00+07:00", "REMINDER_SWEEP_SECONDS": "1"}
REGISTERED = {"secretary": SECRETARY, "supervisor": SUPERVISOR}


async def test_supervisor_gets_one_weekly_digest(bot_run: BotRun) -> None:
    digest = (await bot_run.client.wait_for_bot_messages(SUPERVISOR.id))[0]
    text = digest["text"]
    assert text.startswith("🗓 Tiến độ tuần này: Tỉnh ủy Điện Biên")
    assert "Hoàn thành 0/232" in text and "M16" in text and "Báo cáo đầy đủ: /baocao" in text
    assert len(text) <= 4096
    await until_job_runs(bot_run.log, SWEEP_JOB, 3)  # three more sweeps end (the first may be the sender)
    assert await bot_run.client.consume_bot_messages(SUPERVISOR.id) == []
    assert await bot_run.client.consume_bot_messages(SECRETARY.id) == []
    async with bot_run.session_factory() as session:
        events = (await session.execute(select(Event).where(Event.kind == "digest"))).scalars().all()
        copies = (await session.execute(select(ReminderDelivery.status).join(ReminderDigest)
                                        .where(ReminderDigest.kind == "weekly"))).scalars().all()
    assert len(events) == 1 and copies == ["sent"]
