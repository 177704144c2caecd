"""End to end: users register, read progress, confirm, undo, and are refused — through the real bot process."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.models import Assignment, AssignmentState, Event, Member, Milestone, Unit
from tests.e2e.conftest import ADMIN, OTHER, SECRETARY, STRANGER, SUPERVISOR, BotRun

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def say(run: BotRun, user, command: str, *args: str, chat: int | None = None) -> dict:  # type: ignore[no-untyped-def]
    await run.client.send_command(user, command, *args)
    return (await run.client.wait_for_bot_messages(chat or user.id))[0]


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


async def every_page(run: BotRun, user, first: dict) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every page of a paged view (turned with ▶, the message edited in place)."""
    totals = [int(text.split("/")[1]) for text, _ in buttons(first) if text.count("/") == 1
              and all(part.isdigit() for part in text.split("/"))]
    pages = [first]
    for number in range(1, totals[0] if totals else 1):
        await run.client.press(user, pages[-1], text="▶")
        pages.append(await run.client.wait_for_edit(user.id, first["message_id"], edits=number))
    return pages


async def assignment(run: BotRun, unit_code: str, milestone_code: str) -> Assignment:
    async with run.session_factory() as session:
        statement = (select(Assignment).join(Unit, Unit.id == Assignment.unit_id)
                     .join(Milestone, Milestone.id == Assignment.milestone_id)
                     .where(Unit.code == unit_code, Milestone.code == milestone_code))
        return (await session.execute(statement)).scalars().one()


async def test_menu_is_vietnamese_with_english_variant(bot_run: BotRun) -> None:
    default = {c["command"]: c["description"] for c in await bot_run.client.command_list()}
    assert default["tiendo"] == "Xem tiến độ công việc"
    assert {"tiendo", "xong", "moi", "ngonngu", "help"} <= set(default)
    english = {c["command"]: c["description"] for c in await bot_run.client.command_list(language_code="en")}
    assert english["tiendo"] == "Show progress"


async def test_unregistered_user_is_told_how_to_register(bot_run: BotRun) -> None:
    greeting = await say(bot_run, STRANGER, "start")
    assert greeting["text"].count("\n") == 1
    assert "liên kết mời" in greeting["text"]
    refused = await say(bot_run, STRANGER, "tiendo")
    assert "chưa đăng ký" in refused["text"]
    bogus = await say(bot_run, STRANGER, "start", "not-a-real-code")
    assert "không hợp lệ" in bogus["text"]
    async with bot_run.session_factory() as session:
        stranger = select(Member).where(Member.telegram_user_id == STRANGER.id)
        assert (await session.execute(stranger)).scalars().first() is None


async def test_registration_through_invites(bot_run: BotRun) -> None:
    reply = await say(bot_run, SECRETARY, "start", bot_run.invites["secretary"])
    assert "Đã đăng ký: thư ký của Huyện ủy Điện Biên" in reply["text"]
    reply = await say(bot_run, SUPERVISOR, "start", bot_run.invites["supervisor"])
    assert "giám sát của Tỉnh ủy Điện Biên" in reply["text"]
    reply = await say(bot_run, OTHER, "start", bot_run.invites["other"])
    assert "thư ký" in reply["text"]
    used = await say(bot_run, STRANGER, "start", bot_run.invites["secretary"])
    assert "đã được sử dụng" in used["text"]


async def test_secretary_progress_shows_statuses_and_dates(bot_run: BotRun) -> None:
    pages = await every_page(bot_run, SECRETARY, await say(bot_run, SECRETARY, "tiendo"))
    text = "\n".join(page["text"] for page in pages)
    assert "Huyện ủy Điện Biên" in text
    assert "M16" in text and "Thứ Sáu, 15/05/2020" in text and "sắp đến hạn" in text and "còn 3 ngày" in text
    assert "M15" in text and "quá hạn 42 ngày" in text
    assert all(len(page["text"]) <= 4096 for page in pages)
    m16 = (await assignment(bot_run, 'HU-DIENBIEN', 'M16')).id
    assert any(label == "✅ M16" and data.startswith(f"dn:{m16}:me:0:") for page in pages
               for label, data in buttons(page))


async def test_supervisor_progress_counts_units_and_names_late_ones(bot_run: BotRun) -> None:
    message = await say(bot_run, SUPERVISOR, "tiendo")
    text = "\n".join(page["text"] for page in await every_page(bot_run, SUPERVISOR, message))
    assert "Tỉnh ủy Điện Biên" in text
    assert "0/15 đơn vị" in text
    assert "Chậm (" in text and "Huyện ủy Điện Biên" in text  # late units by name
    message = await say(bot_run, SUPERVISOR, "tiendo")
    await bot_run.client.press(SUPERVISOR, message, text="🔎 M03")
    detail = (await bot_run.client.wait_for_bot_messages(SUPERVISOR.id))[0]
    assert detail["text"].startswith("📌 M03 ")
    assert "🔴 Huyện ủy Điện Biên hạn Thứ Hai, 30/09/2019 · quá hạn 225 ngày" in detail["text"]
    assert "BTV-TU" not in detail["text"]


async def test_supervisor_pages_through_a_long_view(bot_run: BotRun) -> None:
    first = await say(bot_run, SUPERVISOR, "tiendo")
    labels = [text for text, _ in buttons(first)]
    total = len(await every_page(bot_run, SUPERVISOR, first))
    assert "▶" in labels and f"1/{total}" in labels and len(first["text"]) <= 4096
    last = await bot_run.client.message(SUPERVISOR.id, first["message_id"])
    labels = [text for text, _ in buttons(last)]
    assert "◀" in labels and f"{total}/{total}" in labels and "▶" not in labels
    assert last["text"] != first["text"] and "M24" in last["text"]


async def test_done_button_confirms_then_undo_reopens(bot_run: BotRun) -> None:
    card = await say(bot_run, SECRETARY, "tiendo", "M17")
    item = await assignment(bot_run, "HU-DIENBIEN", "M17")
    assert buttons(card) == [("✅ Đã hoàn thành", f"done:{item.id}"), ("🕒 Xin gia hạn", f"ext:{item.id}")]
    callback = await bot_run.client.press(SECRETARY, card, text="✅ Đã hoàn thành")
    assert (await bot_run.client.wait_for_callback_answer(callback))["text"] == "Đã xác nhận."
    edited = await bot_run.client.wait_for_edit(SECRETARY.id, card["message_id"])
    assert "Lan xác nhận hoàn thành lúc 09:00 12/05/2020" in edited["text"]
    assert buttons(edited) == [("↩️ Hoàn tác", f"undo:{item.id}")]
    assert (await assignment(bot_run, "HU-DIENBIEN", "M17")).state == AssignmentState.done
    notice = (await bot_run.client.wait_for_bot_messages(SUPERVISOR.id))[0]
    assert "HU-DIENBIEN đã hoàn thành M17" in notice["text"]

    callback = await bot_run.client.press(SECRETARY, edited, data=f"undo:{item.id}")
    assert (await bot_run.client.wait_for_callback_answer(callback))["text"] == "Đã hoàn tác."
    reopened = await bot_run.client.wait_for_edit(SECRETARY.id, card["message_id"], edits=2)
    assert buttons(reopened) == [("✅ Đã hoàn thành", f"done:{item.id}"), ("🕒 Xin gia hạn", f"ext:{item.id}")]
    assert (await assignment(bot_run, "HU-DIENBIEN", "M17")).state == AssignmentState.open
    async with bot_run.session_factory() as session:
        kinds = (await session.execute(
            select(Event.kind).where(Event.assignment_id == item.id).order_by(Event.id))).scalars().all()
    assert kinds == ["confirm", "undo"]


async def test_another_units_secretary_cannot_confirm(bot_run: BotRun) -> None:
    chat = await bot_run.client.create_group("Tổ công tác")
    await bot_run.client.send_command(SECRETARY, "tiendo", "M19", chat=chat["id"])
    card = (await bot_run.client.wait_for_bot_messages(chat["id"]))[0]
    item = await assignment(bot_run, "HU-DIENBIEN", "M19")
    callback = await bot_run.client.press(OTHER, card, data=f"done:{item.id}")
    answer = await bot_run.client.wait_for_callback_answer(callback)
    # Another unit's item is "not found" for them: the refusal does not even confirm it exists.
    assert answer["text"] == "Không tìm thấy, hoặc không thuộc đơn vị của bạn."
    assert (await assignment(bot_run, "HU-DIENBIEN", "M19")).state == AssignmentState.open
    async with bot_run.session_factory() as session:
        assert not (await session.execute(select(Event).where(Event.assignment_id == item.id))).scalars().all()
    outside = await say(bot_run, OTHER, "tiendo", "HU-DIENBIEN")
    assert outside["text"] == "Không tìm thấy, hoặc không thuộc đơn vị của bạn."
    not_theirs = await say(bot_run, OTHER, "xong", "M01")
    assert not_theirs["text"] == "Không tìm thấy, hoặc không thuộc đơn vị của bạn."


async def test_xong_command_confirms_and_twice_is_harmless(bot_run: BotRun) -> None:
    first = await say(bot_run, SECRETARY, "xong", "M22", "đã", "gửi", "báo", "cáo")
    assert "Lan xác nhận hoàn thành" in first["text"]
    item = await assignment(bot_run, "HU-DIENBIEN", "M22")
    assert item.state == AssignmentState.done and item.note == "đã gửi báo cáo"
    again = await say(bot_run, SECRETARY, "xong", "M22")
    assert again["text"] == "Việc này đã được xác nhận rồi, không có gì thay đổi."


async def test_evidence_file_with_caption(bot_run: BotRun) -> None:
    await bot_run.client.upload_document(SECRETARY, b"%PDF-1.4 bien ban", "bien-ban.pdf", caption="/xong M23 biên bản")
    reply = (await bot_run.client.wait_for_bot_messages(SECRETARY.id))[0]
    assert "Lan xác nhận hoàn thành" in reply["text"]
    item = await assignment(bot_run, "HU-DIENBIEN", "M23")
    assert item.state == AssignmentState.done and item.evidence_file_id
    async with bot_run.session_factory() as session:
        event = (await session.execute(select(Event).where(Event.assignment_id == item.id))).scalars().one()
    assert event.kind == "confirm" and event.file_id == item.evidence_file_id


async def test_two_step_report_then_accept(bot_run: BotRun) -> None:
    reply = await say(bot_run, SECRETARY, "xong", "M16")
    assert "chờ xác nhận" in reply["text"]
    item = await assignment(bot_run, "HU-DIENBIEN", "M16")
    assert item.state == AssignmentState.reported
    notice = await bot_run.client.wait_for_message(SUPERVISOR.id,
                                                   lambda m: "báo cáo đã hoàn thành M16" in (m["text"] or ""))
    assert "HU-DIENBIEN báo cáo đã hoàn thành M16" in notice["text"]
    callback = await bot_run.client.press(SUPERVISOR, notice, data=f"acc:{item.id}")
    assert (await bot_run.client.wait_for_callback_answer(callback))["text"] == "Đã chấp nhận."
    assert (await assignment(bot_run, "HU-DIENBIEN", "M16")).state == AssignmentState.done
    await bot_run.client.wait_for_message(SECRETARY.id, lambda m: "M16 đã được chấp nhận" in (m["text"] or ""))
    await bot_run.client.consume_bot_messages(SECRETARY.id)  # that notice was the last message to this chat


async def test_two_step_return_needs_a_reason(bot_run: BotRun) -> None:
    await say(bot_run, SECRETARY, "xong", "M18")
    item = await assignment(bot_run, "HU-DIENBIEN", "M18")
    notice = await bot_run.client.wait_for_message(SUPERVISOR.id,
                                                   lambda m: "báo cáo đã hoàn thành M18" in (m["text"] or ""))
    await bot_run.client.press(SUPERVISOR, notice, data=f"ret:{item.id}")
    prompt = await bot_run.client.wait_for_message(SUPERVISOR.id, lambda m: "Trả lại M18" in (m["text"] or ""))
    assert "Hãy trả lời tin nhắn này" in prompt["text"]  # a reply prompt; /tralai still works too
    assert (await assignment(bot_run, "HU-DIENBIEN", "M18")).state == AssignmentState.reported  # nothing yet

    refused = await say(bot_run, OTHER, "tralai", "M18", "HU-DIENBIEN", "không", "đạt")
    assert refused["text"] == "Không tìm thấy, hoặc không thuộc đơn vị của bạn."
    await bot_run.client.consume_bot_messages(SUPERVISOR.id)
    done = await say(bot_run, SUPERVISOR, "tralai", "M18", "HU-DIENBIEN", "thiếu", "biên", "bản")
    assert done["text"] == "↩️ Đã trả lại M18 cho Huyện ủy Điện Biên."
    told = await bot_run.client.wait_for_message(SECRETARY.id, lambda m: "M18 đã bị trả lại" in (m["text"] or "")
                                                 or "Lý do" in (m["text"] or ""))
    assert "Lý do: thiếu biên bản" in told["text"]
    assert (await assignment(bot_run, "HU-DIENBIEN", "M18")).state == AssignmentState.open
    async with bot_run.session_factory() as session:
        kinds = [e.kind for e in (await session.execute(select(Event).where(Event.assignment_id == item.id)
                                                        .order_by(Event.id))).scalars()]
    assert kinds == ["confirm", "return"]
    await bot_run.client.consume_bot_messages(SECRETARY.id)


async def test_invites_only_from_admins(bot_run: BotRun) -> None:
    refused = await say(bot_run, SECRETARY, "moi", "HU-DIENBIEN", "thu_ky")
    assert refused["text"] == "Chỉ quản trị viên mới tạo được lời mời."
    made = await say(bot_run, ADMIN, "moi", "HU-MUONGCHA", "giam_sat")
    assert "https://t.me/nhacviec_bot?start=" in made["text"]
    code = made["text"].rsplit("start=", 1)[1].strip()
    joined = await say(bot_run, STRANGER, "start", code)
    assert "giám sát của" in joined["text"]


async def test_help_and_language_switch(bot_run: BotRun) -> None:
    help_text = (await say(bot_run, OTHER, "help"))["text"]
    assert "/tiendo M05" in help_text and "/xong M05" in help_text
    switched = await say(bot_run, OTHER, "ngonngu", "en")
    assert switched["text"] == "Language set: English."
    english = await say(bot_run, OTHER, "tiendo")
    assert "due" in english["text"] and "Thứ" not in english["text"]
