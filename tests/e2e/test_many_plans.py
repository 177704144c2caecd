"""End to end: two plans at once on the same units — every view says which plan, and a code both plans have is
asked about — through the real bot process.

The sample plan (DB-CT35-2019, no document number: labelled by its code) and a small second plan (DB-BC-2020,
"15-KH/TU", tests/e2e/plan-bao-cao-2020.yaml) both have an M01 and an M03. HU-DIENBIEN has M03 in both, and
M01 only in the second (the sample's M01 is BTV-TU's). The secretaries of HU-DIENBIEN and HU-TUANGIAO and TU's
supervisor joined before the bot started; its clock stands at Tuesday 12/05/2020 09:00, when the second plan's
M01 (due 14/05) and the sample's backlog are due a reminder, the second plan's M03 (due 20/05) not yet.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlmodel import select

from bot.models import Assignment, AssignmentState, Milestone, Plan, PlanStatus, Unit
from bot.plans.lifecycle import set_plan_status
from tests.e2e.conftest import NOW, OTHER, SECRETARY, SUPERVISOR, BotRun
from tests.e2e.test_bot_flow import buttons, every_page, say

pytestmark = pytest.mark.asyncio(loop_scope="module")
BOT_ENV = {"REMINDER_SWEEP_SECONDS": "1"}
REGISTERED = {"secretary": SECRETARY, "supervisor": SUPERVISOR, "other": OTHER}
EXTRA_PLANS = (Path(__file__).parent / "plan-bao-cao-2020.yaml",)
SAMPLE, SECOND = "DB-CT35-2019", "DB-BC-2020"
SAMPLE_LABEL, SECOND_LABEL = "DB-CT35-2019", "15-KH/TU"
SECOND_M01 = "Báo cáo sơ kết công tác tháng 4 và 5 năm 2020"  # the start of the second plan's M01 title
SECOND_TITLE = "Kế hoạch thực hiện chế độ thông tin, báo cáo định kỳ"


async def assignment(run: BotRun, plan_code: str, unit_code: str, milestone_code: str) -> Assignment:
    async with run.session_factory() as session:
        statement = (select(Assignment).join(Unit, Unit.id == Assignment.unit_id)
                     .join(Milestone, Milestone.id == Assignment.milestone_id).join(Plan, Plan.id == Milestone.plan_id)
                     .where(Plan.code == plan_code, Unit.code == unit_code, Milestone.code == milestone_code))
        return (await session.execute(statement)).scalars().one()


async def milestone_id(run: BotRun, plan_code: str, code: str) -> int:
    async with run.session_factory() as session:
        statement = (select(Milestone.id).join(Plan, Plan.id == Milestone.plan_id)
                     .where(Plan.code == plan_code, Milestone.code == code))
        return (await session.execute(statement)).scalars().one()


async def test_a_reminder_digest_groups_its_items_under_each_plan(bot_run: BotRun) -> None:
    for user in (SECRETARY, OTHER):
        [digest] = await bot_run.client.wait_for_bot_messages(user.id)
        text = digest["text"]
        assert text.startswith("🔔 Nhắc việc — ")
        sample, second = text.index(f"📋 {SAMPLE_LABEL}"), text.index(f"📋 {SECOND_LABEL}")
        assert sample < text.index("M15 ") < second < text.index(f"M01 {SECOND_M01}")  # each item under its plan
        assert "M15 " not in text[second:] and SECOND_TITLE not in text  # a short label, not the title
        assert len(text) <= 4096
        labels = dict(buttons(digest))
        m01 = await assignment(bot_run, SECOND, "HU-DIENBIEN" if user is SECRETARY else "HU-TUANGIAO", "M01")
        assert labels["✅ M01"] == f"done:{m01.id}"
    assert await bot_run.client.consume_bot_messages(SUPERVISOR.id) == []


async def test_secretary_progress_is_grouped_by_plan(bot_run: BotRun) -> None:
    pages = await every_page(bot_run, SECRETARY, await say(bot_run, SECRETARY, "tiendo"))
    text = "\n".join(page["text"] for page in pages)
    sample, second = text.index(f"📋 {SAMPLE_LABEL}"), text.index(f"📋 {SECOND_LABEL}")
    assert sample < second
    assert "M16" in text[sample:second] and "M03" in text[sample:second]  # the sample's M03, overdue
    assert "quá hạn 225 ngày" in text[sample:second]
    tail = text[second:]
    assert f"M01 {SECOND_M01}" in tail and "M03 Báo cáo kết quả kiểm tra" in tail and "M16" not in tail
    assert SECOND_TITLE not in text and all(len(page["text"]) <= 4096 for page in pages)


async def test_kehoach_lists_the_plans_and_a_button_opens_one(bot_run: BotRun) -> None:
    listing = await say(bot_run, SUPERVISOR, "kehoach")
    text = listing["text"]
    assert text.startswith("📋 Kế hoạch đang thực hiện: 2")
    assert f"1. {SAMPLE_LABEL} Kế hoạch thực hiện Chỉ thị số 35-CT/TW" in text
    assert "Hoàn thành 0/232 (0%)" in text and "Hoàn thành 0/3 (0%)" in text
    assert [label for label, _data in buttons(listing)] == [f"📋 {SAMPLE_LABEL}", f"📋 {SECOND_LABEL}"]

    await bot_run.client.press(SUPERVISOR, listing, text=f"📋 {SECOND_LABEL}")
    [opened] = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    body = opened["text"]
    assert body.startswith(f"📋 {SECOND_LABEL} {SECOND_TITLE}")
    assert "Tỉnh ủy Điện Biên" in body and "M01 " in body and "M03 " in body and "0/2 đơn vị" in body
    assert "M16" not in body and "M15" not in body  # the other plan's milestones are not in it

    menu = {c["command"]: c["description"] for c in await bot_run.client.command_list()}
    assert menu["kehoach"] == "Các kế hoạch đang thực hiện"
    assert "/kehoach — các kế hoạch đang thực hiện" in (await say(bot_run, SECRETARY, "help"))["text"]

    mine = await say(bot_run, SECRETARY, "kehoach")
    assert "Hoàn thành 0/2 (0%)" in mine["text"]  # the second plan within the secretary's unit
    await bot_run.client.press(SECRETARY, mine, text=f"📋 {SECOND_LABEL}")
    [own] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert "Huyện ủy Điện Biên" in own["text"] and "M16" not in own["text"]
    assert {label for label, _data in buttons(own)} == {"✅ M01", "✅ M03"}


async def test_an_ambiguous_code_asks_which_plan_and_confirms_only_that_one(bot_run: BotRun) -> None:
    sample_m03, second_m03 = (await milestone_id(bot_run, SAMPLE, "M03"), await milestone_id(bot_run, SECOND, "M03"))

    # A note cannot ride on a button: the question names the command to send again, and nothing changes.
    with_note = await say(bot_run, SECRETARY, "xong", "M03", "đã", "gửi")
    assert with_note["text"].startswith("❓ M03 có trong 2 kế hoạch. Hãy gửi lại, ghi rõ kế hoạch:")
    assert f"/xong {SAMPLE}:M03 đã gửi" in with_note["text"] and f"/xong {SECOND}:M03 đã gửi" in with_note["text"]
    assert buttons(with_note) == []

    asked = await say(bot_run, SECRETARY, "xong", "M03")
    assert asked["text"].startswith("❓ M03 có trong 2 kế hoạch. Bạn chọn kế hoạch nào?")
    assert buttons(asked) == [(f"📋 {SAMPLE_LABEL}", f"pick:xong:{sample_m03}"),
                              (f"📋 {SECOND_LABEL}", f"pick:xong:{second_m03}")]
    for plan in (SAMPLE, SECOND):
        assert (await assignment(bot_run, plan, "HU-DIENBIEN", "M03")).state == AssignmentState.open

    callback = await bot_run.client.press(SECRETARY, asked, text=f"📋 {SECOND_LABEL}")
    assert (await bot_run.client.wait_for_callback_answer(callback))["text"] == "Đã xác nhận."
    card = await bot_run.client.wait_for_edit(SECRETARY.id, asked["message_id"])
    assert card["text"].startswith("✅ M03 Báo cáo kết quả kiểm tra") and f"📋 {SECOND_LABEL}" in card["text"]
    assert "Lan xác nhận hoàn thành" in card["text"]
    assert (await assignment(bot_run, SECOND, "HU-DIENBIEN", "M03")).state == AssignmentState.done
    assert (await assignment(bot_run, SAMPLE, "HU-DIENBIEN", "M03")).state == AssignmentState.open  # untouched
    notice = (await bot_run.client.wait_for_bot_messages(SUPERVISOR.id))[0]
    assert notice["text"] == f"✅ HU-DIENBIEN đã hoàn thành M03 ({SECOND_LABEL})."

    # Qualified by the plan's label (with its own "/"): no question. A code only one plan gives the unit: none.
    done = await say(bot_run, SECRETARY, "xong", f"{SAMPLE_LABEL}/M03", "biên", "bản")
    assert "Lan xác nhận hoàn thành" in done["text"] and f"📋 {SAMPLE_LABEL}" in done["text"]
    assert (await assignment(bot_run, SAMPLE, "HU-DIENBIEN", "M03")).note == "biên bản"
    await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    direct = await say(bot_run, SECRETARY, "tiendo", "M01")
    assert direct["text"].startswith(f"⏳ M01 {SECOND_M01}") or direct["text"].startswith(f"🟠 M01 {SECOND_M01}")


async def test_a_supervisor_picks_the_plan_of_a_milestone_view(bot_run: BotRun) -> None:
    asked = await say(bot_run, SUPERVISOR, "tiendo", "M01")
    assert asked["text"].startswith("❓ M01 có trong 2 kế hoạch.")
    await bot_run.client.press(SUPERVISOR, asked, text=f"📋 {SAMPLE_LABEL}")
    view = await bot_run.client.wait_for_edit(SUPERVISOR.id, asked["message_id"])
    assert view["text"].startswith("📌 M01 Kế hoạch thực hiện Chỉ thị 35")
    assert f"📋 {SAMPLE_LABEL}" in view["text"] and "Ban Thường vụ Tỉnh ủy" in view["text"]
    assert "Huyện ủy Điện Biên" not in view["text"]
    unknown = await say(bot_run, SUPERVISOR, "tiendo", "KHONG-CO:M01")
    assert unknown["text"] == "Không tìm thấy, hoặc không thuộc đơn vị của bạn."


async def test_calendar_and_report_name_the_plans(bot_run: BotRun) -> None:
    await bot_run.client.send_command(SECRETARY, "lich")
    [sent] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    calendar = Calendar.from_ical(await bot_run.client.bot_file(sent["document"]["file_id"]))
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    # Confirmed earlier in this module, so it reads "☑️ Hạn M03 (…): … (đã hoàn thành)".
    second = (f"Hạn M03 ({SECOND_LABEL}): Báo cáo kết quả kiểm tra, giám sát quý II năm 2020 gửi Ủy ban Kiểm tra "
              "Tỉnh ủy")
    assert any(second in s for s in summaries)
    assert any(f"Hạn M03 ({SAMPLE_LABEL}): " in s for s in summaries)
    assert len({str(event["UID"]) for event in calendar.walk("VEVENT")}) == len(summaries)  # M03 twice, two UIDs

    await bot_run.client.send_command(SUPERVISOR, "baocao")
    document, photo = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id, count=2)
    summary = load_workbook(BytesIO(await bot_run.client.bot_file(document["document"]["file_id"])))["Tổng hợp"]
    assert [summary.cell(row=6, column=c).value for c in (1, 2, 3, 4)] == ["STT", "Kế hoạch", "Nội dung công việc",
                                                                          "Mã"]
    rows = [(summary.cell(row=r, column=2).value, summary.cell(row=r, column=4).value) for r in range(7, 40)]
    assert (SAMPLE_LABEL, "M03") in rows and (SECOND_LABEL, "M03") in rows

    await bot_run.client.send_command(SUPERVISOR, "baocao", SECOND)
    document, photo = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id, count=2)
    assert document["document"]["file_name"] == "bao-cao-tu-db-bc-2020-20200512.xlsx"
    assert f"📋 {SECOND_LABEL}" in document["caption"] and photo["caption"].endswith(f" — {SECOND_LABEL}")


async def test_a_closed_plan_leaves_the_views_and_one_plan_shows_no_labels(bot_run: BotRun) -> None:
    async with bot_run.session_factory() as session:
        change = await set_plan_status(session=session, code=SECOND, status=PlanStatus.closed, now=NOW)
        assert change is not None and change.changed  # (its reminders: the CLI re-plans; none is due here)
        await session.commit()
    pages = await every_page(bot_run, SECRETARY, await say(bot_run, SECRETARY, "tiendo"))
    text = "\n".join(page["text"] for page in pages)
    assert "📋" not in text and SECOND_LABEL not in text and SECOND_M01 not in text  # as before plans existed
    assert "M16" in text and "M03" in text  # the sample plan's
    gone = await say(bot_run, SECRETARY, "tiendo", f"{SECOND}:M01")
    assert gone["text"] == "Không tìm thấy, hoặc không thuộc đơn vị của bạn."
    listing = await say(bot_run, SUPERVISOR, "kehoach")
    assert listing["text"].startswith("📋 Kế hoạch đang thực hiện: 1") and SECOND_LABEL not in listing["text"]
