"""A unit's office group: a secretary registers the group with an invite, the bot answers and reminds there,
and the buttons under its messages act only for the people allowed to press them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.models import AssignmentState, Member
from sandbox import group
from tests.e2e.conftest import OTHER, SECRETARY, BotRun
from tests.e2e.processes import poll_until
from tests.e2e.test_bot_flow import assignment, buttons
from tests.waiting import FAILURE_BOUND

pytestmark = pytest.mark.asyncio(loop_scope="module")

OFFICE = group("Văn phòng Huyện ủy Điện Biên", chat_id=-5001)


async def test_a_secretary_registers_the_office_group(bot_run: BotRun) -> None:
    await bot_run.client.send_command(SECRETARY, "start", bot_run.invites["secretary"], chat=OFFICE)
    reply = (await bot_run.client.wait_for_bot_messages(-5001))[0]
    assert "Đã đăng ký: thư ký của Huyện ủy Điện Biên" in reply["text"]

    async def group_member() -> Member | None:  # the bot commits just after it replies
        async with bot_run.session_factory() as session:
            statement = select(Member).where(Member.telegram_user_id == SECRETARY.id)
            return (await session.execute(statement)).scalars().first()

    # The database, not the emulator, changes last: polled (the emulator's wait_for wakes on its own changes).
    member = await poll_until(group_member, lambda row: row is not None, timeout=FAILURE_BOUND, what="a member row")
    assert member.chat_id == -5001  # reminders for the unit now go to the group


async def test_progress_in_the_group_and_buttons_only_for_members(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.send_command(SECRETARY, "tiendo", chat=OFFICE)
    first = (await client.wait_for_bot_messages(-5001))[0]
    progress, turned = first, 0
    while "M16" not in progress["text"]:  # the list is paged for a phone: turned to M16's page
        await client.press(SECRETARY, progress, text="▶")
        turned += 1
        progress = await client.wait_for_edit(-5001, first["message_id"], edits=turned)
    done_m16 = [data for text, data in buttons(progress) if text.endswith("M16")]
    assert done_m16, buttons(progress)

    # A colleague in the group who is not registered presses ✅: refused, nothing changes.
    await client.add_user(OTHER)
    refused = await client.press(OTHER, progress, data=done_m16[0])
    answer = await client.wait_for_callback_answer(refused)
    assert answer is not None and answer["show_alert"] and "chưa đăng ký" in answer["text"]
    assert (await assignment(bot_run, "HU-DIENBIEN", "M16")).state == AssignmentState.open

    # The registered secretary presses it: reported (M16 is accepted by the province, two steps).
    pressed = await client.press(SECRETARY, progress, data=done_m16[0])
    assert (await client.wait_for_callback_answer(pressed))["text"] == "Đã báo cáo, chờ xác nhận."  # type: ignore[index]

    async def state() -> AssignmentState:
        return (await assignment(bot_run, "HU-DIENBIEN", "M16")).state

    await poll_until(state, lambda now: now == AssignmentState.reported, timeout=FAILURE_BOUND, what="M16 reported")
