"""End to end, what broke when users tried to break it (issue 11): forged button data with huge ids, a return
reason with braces or far too long, urging hundreds of late units at once, a member who blocked the bot and
came back — each through the real bot process, each answered clearly, nothing changed that should not be."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.models import Assignment, AssignmentState, Event, Member, Membership, Milestone, Role, Unit
from sandbox import TgUser
from tests.e2e.conftest import NOW, OTHER, SECRETARY, SUPERVISOR, BotRun
from tests.e2e.test_bot_flow import assignment, buttons, say
from tests.scheduler.factories import Factory

pytestmark = pytest.mark.asyncio(loop_scope="module")

REGISTERED = {"secretary": SECRETARY, "supervisor": SUPERVISOR, "other": OTHER}
# Urging 100 secretaries must not wait on Telegram's 30/s here; the reminder sweep stays out of the way.
BOT_ENV = {"TELEGRAM_MESSAGES_PER_SECOND": "1000", "REMINDER_SWEEP_SECONDS": "3600"}
NOT_FOUND = "Không tìm thấy, hoặc không thuộc đơn vị của bạn."
SORRY = "Xin lỗi"
# Codes as long as real ones ("DU-XA-THANHNUA"): 300 of them are far over 4,096 characters.
CODE = "DU-XA-THANHNUA"
SECRETARIES = 700000  # user ids (and private chats) of the secretaries added for urging


def forge(run: BotRun, message: dict, data: str) -> None:
    """What a modified client can do: send any callback data with a press on a real message of the bot."""
    stored = run.emu.state.message(message["chat_id"], message["message_id"])
    assert stored is not None
    stored.data["reply_markup"] = {"inline_keyboard": [[{"text": "✅", "callback_data": data}]]}


async def events_of(run: BotRun, assignment_id: int) -> list[str]:
    async with run.session_factory() as session:
        return list((await session.execute(select(Event.kind).where(Event.assignment_id == assignment_id)
                                           .order_by(Event.id))).scalars())


def sorry_in(messages: list[dict]) -> bool:
    return any(SORRY in (m.get("text") or "") for m in messages)


async def test_forged_buttons_with_huge_ids_get_the_polite_answer(bot_run: BotRun) -> None:
    card = await say(bot_run, SECRETARY, "tiendo", "M17")
    item = await assignment(bot_run, "HU-DIENBIEN", "M17")
    assert buttons(card) == [("✅ Đã hoàn thành", f"done:{item.id}"), ("🕒 Xin gia hạn", f"ext:{item.id}")]
    # Over SQLite's 64 bits, over PostgreSQL's 32-bit ids, a number in other digits, junk on a known prefix,
    # and data the bot never makes at all.
    for data in ("done:99999999999999999999", f"done:{2**31}", "acc:9223372036854775808",
                 "undo:00000000000000000000001", "ret:99999999999999999999", "urge:99999999999999999999",
                 "ms:99999999999999999999", "pg:u:99999999999999999999:0", "pg:m:1:99999999999999999999",
                 "done:١٢", "pg:zz:1:0", "nonsense"):
        forge(bot_run, card, data)
        pressed = await bot_run.client.press(SECRETARY, card, data=data)
        answer = await bot_run.client.wait_for_callback_answer(pressed)
        assert answer["text"] == NOT_FOUND, data
    assert (await assignment(bot_run, "HU-DIENBIEN", "M17")).state == AssignmentState.open
    assert await events_of(bot_run, item.id) == []  # type: ignore[arg-type]
    assert not sorry_in(await bot_run.client.consume_bot_messages(SECRETARY.id))
    assert "error while handling an update" not in bot_run.log()


async def _report(run: BotRun, code: str) -> int:
    """The secretary reports a two-step item done; the supervisor has been told."""
    await say(run, SECRETARY, "xong", code)
    item = await assignment(run, "HU-DIENBIEN", code)
    assert item.state == AssignmentState.reported
    await run.client.wait_for_message(SUPERVISOR.id, lambda m: f"báo cáo đã hoàn thành {code}" in (m["text"] or ""))
    await run.client.consume_bot_messages(SUPERVISOR.id)
    return item.id  # type: ignore[return-value]


async def test_a_return_reason_with_braces_reaches_the_unit_as_typed(bot_run: BotRun) -> None:
    item_id = await _report(bot_run, "M18")
    done = await say(bot_run, SUPERVISOR, "tralai", "M18", "HU-DIENBIEN", "thiếu", "{biên", "bản}", "{0}", "{}")
    assert done["text"] == "↩️ Đã trả lại M18 cho Huyện ủy Điện Biên."
    told = await bot_run.client.wait_for_message(SECRETARY.id, lambda m: "M18 bị trả lại" in (m["text"] or ""))
    assert told["text"].endswith("Lý do: thiếu {biên bản} {0} {}")
    assert (await assignment(bot_run, "HU-DIENBIEN", "M18")).state == AssignmentState.open
    assert await events_of(bot_run, item_id) == ["confirm", "return"]
    assert not sorry_in(await bot_run.client.consume_bot_messages(SUPERVISOR.id))
    await bot_run.client.consume_bot_messages(SECRETARY.id)


async def test_a_return_reason_over_the_limit_is_refused_and_the_longest_allowed_reaches_the_unit(
        bot_run: BotRun) -> None:
    item_id = await _report(bot_run, "M16")
    # 4,070 characters: refused with the limit, before anything changes.
    refused = await say(bot_run, SUPERVISOR, "tralai", "M16", "HU-DIENBIEN", "x" * 4070)
    assert refused["text"] == "Lý do quá dài (4070 ký tự): tối đa 1000 ký tự. Không có gì thay đổi."
    assert (await assignment(bot_run, "HU-DIENBIEN", "M16")).state == AssignmentState.reported
    assert await events_of(bot_run, item_id) == ["confirm"]

    # The longest reason allowed, all of it characters HTML must escape, reaches the unit whole.
    reason = "<&>" * 333 + "<"
    done = await say(bot_run, SUPERVISOR, "tralai", "M16", "HU-DIENBIEN", reason)
    assert done["text"] == "↩️ Đã trả lại M16 cho Huyện ủy Điện Biên."
    told = await bot_run.client.wait_for_message(SECRETARY.id, lambda m: "M16 bị trả lại" in (m["text"] or ""))
    assert told["text"].endswith("Lý do: " + reason)
    assert (await assignment(bot_run, "HU-DIENBIEN", "M16")).state == AssignmentState.open
    await bot_run.client.consume_bot_messages(SECRETARY.id)


async def _three_hundred_more_late_units(run: BotRun) -> None:
    """300 more units under TU late on M15: 100 with a secretary, 100 urged an hour ago, 100 nobody joined."""
    async with run.session_factory() as session:
        factory = Factory(session)
        root = (await session.execute(select(Unit).where(Unit.code == "TU"))).scalars().one()
        m15 = (await session.execute(select(Milestone).where(Milestone.code == "M15"))).scalars().one()
        for n in range(300):
            unit = await factory.unit(f"{CODE}-{n:03d}", name=f"Đảng ủy xã số {n:03d}", parent=root)
            row = await factory._add(Assignment(milestone_id=m15.id, unit_id=unit.id))
            if n < 100:
                member = await factory._add(Member(telegram_user_id=SECRETARIES + n, chat_id=SECRETARIES + n,
                                                   full_name=f"Thư ký {n}", created_at=NOW))
                session.add(Membership(member_id=member.id, unit_id=unit.id, role=Role.secretary, created_at=NOW))
            elif n < 200:
                session.add(Event(at=NOW - timedelta(hours=1), kind="urge", unit_id=unit.id, milestone_id=m15.id,
                                  assignment_id=row.id))
        await session.commit()
    for n in range(100):  # they pressed Start in Telegram back then
        await run.client.open_private_chat(TgUser(SECRETARIES + n, f"Thư ký {n}"))


async def test_urging_hundreds_of_late_units_fits_one_message_with_the_real_count(bot_run: BotRun) -> None:
    await _three_hundred_more_late_units(bot_run)
    view = await say(bot_run, SUPERVISOR, "tiendo", "M15")
    urge = next(data for _text, data in buttons(view) if data.startswith("urge:"))
    pressed = await bot_run.client.press(SUPERVISOR, view, data=urge)
    answer = await bot_run.client.wait_for_callback_answer(pressed, timeout=60)
    # HU-DIENBIEN's and HU-TUANGIAO's secretaries and the 100 new ones.
    assert answer["text"] == "📣 M15: đã đôn đốc 102 đơn vị chậm (102 người nhận)."
    summary = await bot_run.client.wait_for_message(SUPERVISOR.id, lambda m: "đã đôn đốc" in (m["text"] or ""),
                                                    timeout=30)
    text = summary["text"]
    assert len(text) <= 4096 and text.startswith("📣 M15: đã đôn đốc 102 đơn vị chậm (102 người nhận).")
    cooled, unreached = text.split("\n")[1:]
    assert cooled.startswith("Đã được đôn đốc trong 24 giờ qua: Đảng ủy xã số 1")
    assert cooled.endswith(" và 80 đơn vị khác")
    assert unreached.startswith("Chưa có thư ký đăng ký: ") and unreached.endswith(" và 93 đơn vị khác")
    for n in (0, 99):
        urged = await bot_run.client.wait_for_message(SECRETARIES + n, lambda m: "📣" in (m["text"] or ""))
        assert urged["text"].startswith(f"📣 Hùng đôn đốc: Đảng ủy xã số {n:03d} chưa hoàn thành M15.")
    async with bot_run.session_factory() as session:
        urges = (await session.execute(select(Event).where(Event.kind == "urge"))).scalars().all()
    assert len(urges) == 100 + 102

    # Sending can outlive the press, and Telegram then refuses the button's answer: the summary still comes.
    await bot_run.client.configure(callback_answer_timeout=0)
    try:
        await bot_run.client.press(SUPERVISOR, view, data=urge)
        again = await bot_run.client.wait_for_message(
            SUPERVISOR.id, lambda m: (m["text"] or "").startswith("📣 M15: đã đôn đốc 0 đơn vị chậm"))
    finally:
        await bot_run.client.configure(callback_answer_timeout=None)
    assert len(again["text"]) <= 4096 and " và 182 đơn vị khác\n" in again["text"]
    for user in (SECRETARY, OTHER):
        await bot_run.client.consume_bot_messages(user.id)


async def _mark_blocked(run: BotRun, user: TgUser) -> None:
    """What the dispatcher does on a 403 (tests/scheduler/test_delivery.py): the member is marked inactive."""
    await run.client.block(user.id)
    async with run.session_factory() as session:
        member = (await session.execute(select(Member).where(Member.telegram_user_id == user.id))).scalars().one()
        member.active = False
        await session.commit()


async def _active(run: BotRun, user: TgUser) -> bool:
    async with run.session_factory() as session:
        return bool((await session.execute(select(Member.active).where(Member.telegram_user_id == user.id))).scalar())


async def test_a_member_who_blocked_the_bot_is_reachable_again_once_they_write(bot_run: BotRun) -> None:
    for user in (SECRETARY, SUPERVISOR):
        await bot_run.client.consume_bot_messages(user.id)
    await _mark_blocked(bot_run, SECRETARY)
    await _mark_blocked(bot_run, SUPERVISOR)
    await bot_run.client.unblock(SECRETARY.id)
    greeting = await say(bot_run, SECRETARY, "start")
    assert greeting["text"].startswith("Chào Lan!")
    assert await _active(bot_run, SECRETARY)

    # The supervisor comes back with any command; the next notice reaches them again.
    await bot_run.client.unblock(SUPERVISOR.id)
    await say(bot_run, SUPERVISOR, "tiendo")
    assert await _active(bot_run, SUPERVISOR)
    await say(bot_run, SECRETARY, "xong", "M19")
    notice = await bot_run.client.wait_for_message(SUPERVISOR.id,
                                                   lambda m: "HU-DIENBIEN đã hoàn thành M19" in (m["text"] or ""))
    assert notice["text"] == "✅ HU-DIENBIEN đã hoàn thành M19."
