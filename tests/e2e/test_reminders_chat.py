"""End to end: the real bot process sends reminder digests and escalations, and a button confirms.

The secretary of HU-DIENBIEN registered before the bot started; its clock stands at Tuesday 12/05/2020
09:00. HU-DIENBIEN has M16 due on Friday (three days left) and a backlog of overdue items, so the secretary
gets ONE catch-up digest, not the ladder replayed. (Escalations start the next working morning after a
late import; tests/scheduler covers them with a moving clock.) The sweep runs every second here.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.models import AssignmentState, Reminder
from scheduler.engine import SWEEP_JOB
from tests.e2e.conftest import ADMIN, SECRETARY, STRANGER, BotRun
from tests.e2e.processes import until_job_runs
from tests.e2e.test_bot_flow import assignment, buttons, say

pytestmark = pytest.mark.asyncio(loop_scope="module")
BOT_ENV = {"REMINDER_SWEEP_SECONDS": "1"}
REGISTERED = {"secretary": SECRETARY}


async def test_catch_up_digest_once_and_its_button_confirms(bot_run: BotRun) -> None:
    [digest] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert digest["text"].startswith("🔔 Nhắc việc — Huyện ủy Điện Biên")
    assert "M16" in digest["text"] and "còn 3 ngày" in digest["text"]
    assert "quá hạn 42 ngày" in digest["text"]  # M15, due 31/03/2020
    labels = dict(buttons(digest))
    assert labels["✅ M16"].startswith("done:")

    pressed = await bot_run.client.press(SECRETARY, digest, text="✅ M16")
    await bot_run.client.wait_for_callback_answer(pressed)
    [card] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert "M16" in card["text"] and "↩️ Hoàn tác" in dict(buttons(card))
    kept = await bot_run.client.wait_for_edit(SECRETARY.id, digest["message_id"])
    assert kept["text"] == digest["text"]  # the digest stays, less the pressed button
    assert "✅ M16" not in dict(buttons(kept)) and "✅ M15" in dict(buttons(kept))
    m16 = await assignment(bot_run, "HU-DIENBIEN", "M16")
    assert m16.state in (AssignmentState.done, AssignmentState.reported)
    async with bot_run.session_factory() as session:
        pending = (await session.execute(select(Reminder).where(
            Reminder.assignment_id == m16.id, Reminder.status == "pending"))).scalars().all()
    assert pending == []

    # Several more sweeps run (their ticks counted in the bot's log, however long they take; a tick starts a sweep
    # once the last one has finished): nothing is sent twice.
    await until_job_runs(bot_run.log, SWEEP_JOB, 3)
    again = await bot_run.client.messages(SECRETARY.id)
    assert sum(1 for m in again if m.get("from_bot") and m["text"].startswith("🔔 Nhắc việc")) == 1


async def test_failed_sends_are_shown_to_admins_only(bot_run: BotRun) -> None:
    # Units nobody has joined yet cannot be reminded: that is recorded, not dropped silently.
    refused = await say(bot_run, STRANGER, "loi")
    assert "Tin nhắn gửi không thành công" not in refused["text"]
    shown = await say(bot_run, ADMIN, "loi")
    # Nothing else failed; the units nobody joined are counted on one line, not one line each.
    assert shown["text"].startswith("Không có tin nhắn nào gửi lỗi.\nChưa có ai nhận tin ở ")
    assert "BTC-TU" in shown["text"] and "và 11 đơn vị khác. Mời thư ký bằng /moi." in shown["text"]
    assert "HU-DIENBIEN," not in shown["text"]  # its secretary was reached (HU-DIENBIENDONG was not)
