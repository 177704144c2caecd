"""End to end: /baocao (workbook + chart), /lich (.ics), and 📣 urging with its cooldown — through the real bot."""

from __future__ import annotations

from io import BytesIO

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlmodel import select

from bot.models import Event
from tests.e2e.conftest import OTHER, SECRETARY, SUPERVISOR, BotRun
from tests.e2e.test_bot_flow import buttons, say

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Registered before the bot started: HU-DIENBIEN's and HU-TUANGIAO's secretaries, TU's supervisor.
REGISTERED = {"secretary": SECRETARY, "supervisor": SUPERVISOR, "other": OTHER}


async def test_supervisor_gets_workbook_and_chart(bot_run: BotRun) -> None:
    await bot_run.client.send_command(SUPERVISOR, "baocao")
    document, photo = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id, count=2)
    assert document["document"]["file_name"] == "bao-cao-tu-20200512.xlsx"
    assert "Tỉnh ủy Điện Biên" in document["caption"] and "Hoàn thành 0/232" in document["caption"]
    workbook = load_workbook(BytesIO(await bot_run.client.bot_file(document["document"]["file_id"])))
    # The detail, 28 milestones wide, in sheets one page wide each.
    assert workbook.sheetnames == ["Tổng hợp", *(f"Chi tiết đơn vị ({n})" for n in range(1, 5))]
    assert workbook["Tổng hợp"]["A3"].value == "Tính đến 09:00 ngày 12 tháng 5 năm 2020"
    assert photo["photo"] and photo["caption"] == "Biểu đồ tiến độ: Tỉnh ủy Điện Biên"
    png = await bot_run.client.bot_file(photo["photo"][-1]["file_id"])
    assert png.startswith(b"\x89PNG")


async def test_secretary_report_is_refused_politely(bot_run: BotRun) -> None:
    refused = await say(bot_run, SECRETARY, "baocao")
    assert refused["text"].startswith("Báo cáo tiến độ dành cho người giám sát.") and "/tiendo" in refused["text"]
    assert not refused.get("document")
    assert "Không tìm thấy" in (await say(bot_run, SUPERVISOR, "baocao", "NOPE"))["text"]


async def test_secretary_gets_the_units_calendar(bot_run: BotRun) -> None:
    await bot_run.client.send_command(SECRETARY, "lich")
    message = (await bot_run.client.wait_for_bot_messages(SECRETARY.id))[0]
    assert message["document"]["file_name"] == "lich-hu-dienbien.ics"
    assert message["caption"].startswith("📅 Huyện ủy Điện Biên: ")
    calendar = Calendar.from_ical(await bot_run.client.bot_file(message["document"]["file_id"]))
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert any(s.startswith("Hạn M16: ") for s in summaries)
    assert all(len(e.walk("VALARM")) == 2 for e in calendar.walk("VEVENT"))


async def test_urge_button_reaches_late_units_once_per_cooldown(bot_run: BotRun) -> None:
    view = await say(bot_run, SUPERVISOR, "tiendo", "M15")
    assert view["text"].startswith("📌 M15 ")
    urge = next((text, data) for text, data in buttons(view) if data.startswith("urge:"))
    assert urge[0] == "📣 Đôn đốc"

    callback = await bot_run.client.press(SUPERVISOR, view, data=urge[1])
    answer = await bot_run.client.wait_for_callback_answer(callback)
    assert answer["text"] == "📣 M15: đã đôn đốc 2 đơn vị chậm (2 người nhận)."
    summary = (await bot_run.client.wait_for_bot_messages(SUPERVISOR.id))[0]
    assert "Chưa có thư ký đăng ký: " in summary["text"]
    for user, unit in ((SECRETARY, "Huyện ủy Điện Biên"), (OTHER, "Huyện ủy Tuần Giáo")):  # names, not codes
        urged = (await bot_run.client.wait_for_bot_messages(user.id))[0]
        assert urged["text"].startswith(f"📣 Hùng đôn đốc: {unit} chưa hoàn thành M15.")
        assert "quá hạn 42 ngày" in urged["text"]
        assert buttons(urged)[0][0] == "✅ Đã hoàn thành"

    callback = await bot_run.client.press(SUPERVISOR, view, data=urge[1])
    answer = await bot_run.client.wait_for_callback_answer(callback)
    assert answer["text"] == "📣 M15: đã đôn đốc 0 đơn vị chậm (0 người nhận)."
    summary = (await bot_run.client.wait_for_bot_messages(SUPERVISOR.id))[0]
    assert "Đã được đôn đốc trong 24 giờ qua: Huyện ủy Điện Biên, Huyện ủy Tuần Giáo" in summary["text"]
    assert await bot_run.client.consume_bot_messages(SECRETARY.id) == []
    assert await bot_run.client.consume_bot_messages(OTHER.id) == []
    async with bot_run.session_factory() as session:
        events = (await session.execute(select(Event).where(Event.kind == "urge"))).scalars().all()
    assert len(events) == 2


async def test_secretary_sees_no_urge_button(bot_run: BotRun) -> None:
    card = await say(bot_run, SECRETARY, "tiendo", "M15")
    assert not [data for _text, data in buttons(card) if data.startswith("urge:")]
