"""End to end, through the real bot process: a secretary asks for more time (🕒 then /giahan), the supervisor above
approves (the unit's reminders move to the new date, the card says so) or declines with a reason the unit is told;
a second request waits its turn; forged and foreign presses change nothing. And back-dated confirmations: /xong with
the day the work was done.

The clock stands at Tuesday 12/05/2020 09:00; M16 (due Friday 15/05/2020) and M17 (15/06/2020) are open for
Huyện ủy Điện Biên, M03 (01/08/2019 – 30/09/2019) is long overdue. Everyone joined before the bot started.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from bot.models import AssignmentState, Event, Extension, ExtensionStatus, Reminder
from tests.e2e.conftest import OTHER, SECRETARY, STRANGER, SUPERVISOR, BotRun
from tests.e2e.test_bot_flow import assignment, buttons, say

pytestmark = pytest.mark.asyncio(loop_scope="module")
REGISTERED = {"secretary": SECRETARY, "supervisor": SUPERVISOR, "other": OTHER}
BOT_ENV = {"REMINDER_SWEEP_SECONDS": "1"}  # the first sweep (the catch-up digests) at once, not after a minute
NOT_FOUND = "Không tìm thấy, hoặc không thuộc đơn vị của bạn."


def forge(run: BotRun, message: dict, data: str) -> None:
    """What a modified client can do: press any callback data on a real message of the bot."""
    stored = run.emu.state.message(message["chat_id"], message["message_id"])
    assert stored is not None
    stored.data["reply_markup"] = {"inline_keyboard": [[{"text": "✔️", "callback_data": data}]]}


async def press_and_answer(run: BotRun, user, message: dict, *, text: str | None = None,  # type: ignore[no-untyped-def]
                           data: str | None = None) -> str:
    pressed = await run.client.press(user, message, text=text, data=data)
    return (await run.client.wait_for_callback_answer(pressed)).get("text") or ""


async def pending_steps(run: BotRun, assignment_id: int) -> dict[str, str]:
    async with run.session_factory() as session:
        rows = await session.execute(
            select(Reminder.step, Reminder.status).where(Reminder.assignment_id == assignment_id))
        return dict(rows.all())  # type: ignore[arg-type]


async def extensions_of(run: BotRun, assignment_id: int) -> list[Extension]:
    async with run.session_factory() as session:
        return list((await session.execute(select(Extension).where(Extension.assignment_id == assignment_id)
                                           .order_by(Extension.id))).scalars())


async def test_the_startup_digests_are_read_first(bot_run: BotRun) -> None:
    # Those who joined before the start get the catch-up digest of their unit; the tests below read what follows.
    for user in (SECRETARY, OTHER):
        [digest] = await bot_run.client.wait_for_bot_messages(user.id)
        assert digest["text"].startswith("🔔 Nhắc việc")


async def test_ask_approve_and_the_reminders_move(bot_run: BotRun) -> None:
    item = await assignment(bot_run, "HU-DIENBIEN", "M16")
    neighbour = await assignment(bot_run, "HU-TUANGIAO", "M16")
    neighbour_pending = {step for step, status in (await pending_steps(bot_run, neighbour.id)).items()  # type: ignore[arg-type]
                         if status == "pending"}
    assert "d0:2020-05-15" in neighbour_pending
    card = await say(bot_run, SECRETARY, "tiendo", "M16")
    assert ("🕒 Xin gia hạn", f"ext:{item.id}") in buttons(card)
    assert await press_and_answer(bot_run, SECRETARY, card, text="🕒 Xin gia hạn") == ""
    [prompt] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert prompt["text"] == ("🕒 M16 hạn 15/05/2020. Gửi ngày mới và lý do, bắt đầu bằng:\n"
                              "/giahan M16 ngày/tháng/năm lý do")

    sent = await say(bot_run, SECRETARY, "giahan", "M16", "29/05/2020", "chờ", "ý", "kiến", "Ban", "Tổ", "chức")
    assert sent["text"] == "🕒 Đã gửi yêu cầu gia hạn M16 đến 29/05/2020. Cấp trên của đơn vị sẽ xem xét."
    [request] = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    assert request["text"] == ("🕒 Huyện ủy Điện Biên xin gia hạn M16: từ 15/05/2020 đến 29/05/2020.\n"
                               "Lý do: chờ ý kiến Ban Tổ chức")
    [extension] = await extensions_of(bot_run, item.id)  # type: ignore[arg-type]
    assert buttons(request) == [("✔️ Duyệt", f"exa:{extension.id}"), ("✖️ Từ chối", f"exd:{extension.id}")]

    # One request at a time: a second is refused politely, and nobody is asked twice.
    second = await say(bot_run, SECRETARY, "giahan", "M16", "05/06/2020", "lý", "do", "khác")
    assert second["text"] == "Việc này đã có một yêu cầu gia hạn (đến 29/05/2020) đang chờ duyệt."
    assert len(await extensions_of(bot_run, item.id)) == 1  # type: ignore[arg-type]

    # Forged and foreign presses: someone not registered, another unit's secretary, the requester herself, ids
    # that are no request.
    outsider = await say(bot_run, STRANGER, "tiendo")
    forge(bot_run, outsider, f"exa:{extension.id}")
    assert "chưa đăng ký" in await press_and_answer(bot_run, STRANGER, outsider, data=f"exa:{extension.id}")
    theirs = await say(bot_run, OTHER, "tiendo", "M16")
    forge(bot_run, theirs, f"exa:{extension.id}")
    assert await press_and_answer(bot_run, OTHER, theirs, data=f"exa:{extension.id}") == NOT_FOUND
    forge(bot_run, card, f"exa:{extension.id}")
    assert await press_and_answer(bot_run, SECRETARY, card, data=f"exa:{extension.id}") == \
        "Chỉ giám sát cấp trên của đơn vị mới quyết định được."
    for data in (f"exa:{extension.id + 1000}", "exa:99999999999999999999", f"exd:{2**31}", "ext:١٢"):
        forge(bot_run, card, data)
        assert await press_and_answer(bot_run, SECRETARY, card, data=data) == NOT_FOUND, data
    assert (await assignment(bot_run, "HU-DIENBIEN", "M16")).due_date_override is None

    # The supervisor approves: their message says who and when, the unit is told.
    assert await press_and_answer(bot_run, SUPERVISOR, request, text="✔️ Duyệt") == "Đã duyệt."
    decided = await bot_run.client.wait_for_edit(SUPERVISOR.id, request["message_id"])
    assert decided["text"].endswith("\n✔️ Hùng đã duyệt lúc 09:00 12/05/2020.") and buttons(decided) == []
    [told] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert told["text"] == "✔️ Yêu cầu gia hạn đã được duyệt: M16 đã gia hạn đến 29/05/2020 (hạn cũ 15/05/2020)."
    moved = await assignment(bot_run, "HU-DIENBIEN", "M16")
    assert moved.due_date_override == date(2020, 5, 29)

    # Its reminders: the old date's pending ones cancelled, the new date's planned; the neighbour's untouched.
    steps = await pending_steps(bot_run, item.id)  # type: ignore[arg-type]
    assert steps["d1:2020-05-15"] == steps["d0:2020-05-15"] == steps["late:2020-05-18"] == "cancelled"
    assert sorted(step for step, status in steps.items() if status == "pending") == [
        "d0:2020-05-29", "d1:2020-05-29", "d3:2020-05-29", "d7:2020-05-29", "esc:2020-06-01", "late:2020-06-01"]
    assert {step for step, status in (await pending_steps(bot_run, neighbour.id)).items()  # type: ignore[arg-type]
            if status == "pending"} == neighbour_pending

    shown = await say(bot_run, SECRETARY, "tiendo", "M16")
    assert "hạn Thứ Sáu, 29/05/2020 · trong hạn · còn 17 ngày" in shown["text"]
    assert "🕒 đã gia hạn đến 29/05/2020 (hạn ban đầu 15/05/2020)" in shown["text"]
    forge(bot_run, request, f"exa:{extension.id}")  # the button is gone; an old copy of the message pressed
    assert await press_and_answer(bot_run, SUPERVISOR, request, data=f"exa:{extension.id}") == \
        "Yêu cầu này đã được quyết định rồi."
    async with bot_run.session_factory() as session:
        history = (await session.execute(select(Event.kind, Event.details).where(Event.assignment_id == item.id)
                                         .order_by(Event.id))).all()
    assert [kind for kind, _ in history] == ["extension_request", "extension_approve"]
    assert {json.loads(details)["from"] for _, details in history} == {"2020-05-15"}  # the original date kept


async def test_decline_with_a_reason_the_unit_is_told(bot_run: BotRun) -> None:
    item = await assignment(bot_run, "HU-DIENBIEN", "M17")
    await say(bot_run, SECRETARY, "giahan", "M17", "30/06/2020", "thiếu", "kinh", "phí")
    [request] = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    assert await press_and_answer(bot_run, SUPERVISOR, request, text="✖️ Từ chối") == ""
    [prompt] = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    assert prompt["text"] == "Gửi lý do từ chối, bắt đầu bằng:\n/tuchoi M17 HU-DIENBIEN …"
    # Only a supervisor above declines, and not without a reason.
    assert (await say(bot_run, OTHER, "tuchoi", "M17", "HU-DIENBIEN", "không"))["text"] == NOT_FOUND
    assert (await say(bot_run, SUPERVISOR, "tuchoi", "M17", "HU-DIENBIEN"))["text"] == \
        "Cách dùng: /tuchoi M03 HU-DIENBIEN lý do từ chối"

    done = await say(bot_run, SUPERVISOR, "tuchoi", "M17", "HU-DIENBIEN", "cần", "hoàn", "thành", "đúng", "hạn")
    assert done["text"] == "✖️ Đã từ chối yêu cầu gia hạn M17 của Huyện ủy Điện Biên."
    [told] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert told["text"] == ("✖️ Yêu cầu gia hạn M17 không được chấp thuận: hạn vẫn là 15/06/2020.\n"
                            "Lý do: cần hoàn thành đúng hạn")
    [extension] = await extensions_of(bot_run, item.id)  # type: ignore[arg-type]
    assert extension.status == ExtensionStatus.declined and extension.decision_reason == "cần hoàn thành đúng hạn"
    assert (await assignment(bot_run, "HU-DIENBIEN", "M17")).due_date_override is None
    # Decided: the ✔️ left on the request does nothing now.
    assert await press_and_answer(bot_run, SUPERVISOR, request, text="✔️ Duyệt") == "Yêu cầu này đã được quyết định rồi."
    assert (await assignment(bot_run, "HU-DIENBIEN", "M17")).due_date_override is None


async def test_bad_requests_are_refused_clearly(bot_run: BotRun) -> None:
    for args, answer in [
        (("M17", "31/02/2020", "lý", "do"), 'Ngày "31/02/2020" không tồn tại (tháng 2 năm 2020 có 29 ngày) '
                                           "Không có gì thay đổi."),
        (("M17", "10/06/2020", "lý", "do"), "Ngày mới phải sau hạn hiện tại (15/06/2020). Không có gì thay đổi."),
        (("M17", "30/06/2020"), "Vui lòng ghi lý do sau ngày. Không có gì thay đổi."),
        (("M17",), "Cách dùng: /giahan M03 30/06/2020 lý do xin gia hạn"),
    ]:
        assert (await say(bot_run, SECRETARY, "giahan", *args))["text"] == answer, args
    # A supervisor is not the unit's secretary; a stranger is not registered.
    assert (await say(bot_run, SUPERVISOR, "giahan", "M17", "30/06/2020", "lý", "do"))["text"] == NOT_FOUND
    assert "chưa đăng ký" in (await say(bot_run, STRANGER, "giahan", "M17", "30/06/2020", "lý", "do"))["text"]
    assert [e.status for e in await extensions_of(bot_run, (await assignment(bot_run, "HU-DIENBIEN", "M17")).id)] \
        == [ExtensionStatus.declined]  # type: ignore[arg-type]
    assert "error while handling an update" not in bot_run.log()


async def test_back_dated_confirmation(bot_run: BotRun) -> None:
    for args, answer in [
        (("M03", "13/05/2020"), "Ngày hoàn thành (13/05/2020) chưa đến. Không có gì thay đổi."),
        (("M03", "31/07/2019", "đã", "họp"),
         "Ngày hoàn thành (31/07/2019) trước ngày bắt đầu của việc (01/08/2019). Không có gì thay đổi."),
        (("M03", "31/02/2020"), 'Ngày "31/02/2020" không tồn tại (tháng 2 năm 2020 có 29 ngày) Không có gì thay đổi.'),
    ]:
        assert (await say(bot_run, SECRETARY, "xong", *args))["text"] == answer, args
    assert (await assignment(bot_run, "HU-DIENBIEN", "M03")).state == AssignmentState.open

    # Reported on 12/05/2020, done on 25/09/2019: on time by the day given.
    card = await say(bot_run, SECRETARY, "xong", "M03", "25/9/2019", "đã", "họp", "đủ", "thành", "phần")
    assert "hoàn thành đúng hạn" in card["text"] and "Hoàn thành ngày 25/09/2019" in card["text"]
    assert "Lan xác nhận hoàn thành lúc 09:00 12/05/2020" in card["text"]
    item = await assignment(bot_run, "HU-DIENBIEN", "M03")
    assert item.state == AssignmentState.done and item.done_on == date(2019, 9, 25)
    assert item.note == "đã họp đủ thành phần"
    async with bot_run.session_factory() as session:
        event = (await session.execute(select(Event).where(Event.assignment_id == item.id,
                                                           Event.kind == "confirm"))).scalars().one()
    assert event.at.date() == date(2020, 5, 12)  # when it was reported (UTC 02:00, the same day)
    assert json.loads(event.details or "{}") == {"note": "đã họp đủ thành phần", "done_on": "2019-09-25"}
    # The one-tap ✅ of another item stays as it was: done today, late.
    late = await say(bot_run, SECRETARY, "xong", "M15")
    assert "hoàn thành trễ hạn" in late["text"] and "Hoàn thành ngày" not in late["text"]
