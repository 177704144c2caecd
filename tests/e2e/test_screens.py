"""End to end: every /tiendo view fits a phone screen, lists keep their buttons in step, notes travel, and the bot
answers what it does not understand — for a secretary, a district supervisor and the province's supervisor."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from bot.invites import create_invite, redeem_invite
from bot.members import get_or_create_member
from bot.models import Assignment, AssignmentState, Milestone, Role, Unit
from bot.units import get_unit_by_code
from sandbox import TgUser
from tests.e2e.conftest import NOW, SECRETARY, SUPERVISOR, BotRun

pytestmark = pytest.mark.asyncio(loop_scope="module")

REGISTERED = {"secretary": SECRETARY, "supervisor": SUPERVISOR}
DISTRICT = TgUser(1004, "Tâm", username="tam_hu")  # supervisor of Huyện ủy Điện Biên (units under it)
SECRETARY_LINES, SUPERVISOR_LINES = 15, 20
OPEN = re.compile(r"^(⏳|🟠|🔴) (\S+) ", re.MULTILINE)
PAGE = re.compile(r"^(\d+)/(\d+)$")


def buttons(message: dict) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


async def say(run: BotRun, user: TgUser, command: str, *args: str) -> dict:
    await run.client.consume_bot_messages(user.id)
    await run.client.send_command(user, command, *args)
    return (await run.client.wait_for_bot_messages(user.id))[0]


async def pages_of(run: BotRun, user: TgUser, first: dict) -> list[dict]:
    """Every page of a view, turned with ▶ (the message is edited in place)."""
    found = [PAGE.match(text) for text, _ in buttons(first)]
    total = next((int(m.group(2)) for m in found if m), 1)
    pages = [first]
    for number in range(1, total):
        await run.client.press(user, pages[-1], text="▶")
        pages.append(await run.client.wait_for_edit(user.id, first["message_id"], edits=number))
    return pages


def check_pages(pages: list[dict], limit: int) -> None:
    """Within the screen, a heading on every page (a unit or a milestone, and "Trang k/n" when paged)."""
    for number, page in enumerate(pages, 1):
        text = page["text"]
        assert text.count("\n") + 1 <= limit, (number, text)
        assert len(text) <= 4096
        heading = text.split("\n", 1)[0]
        assert heading.startswith(("🏢", "📌")), heading
        if len(pages) > 1:
            assert heading.endswith(f"Trang {number}/{len(pages)}"), heading


def check_done_buttons(page: dict) -> None:
    """A ✅ for every open item of the page, in the list's order (and no other ✅)."""
    listed = [code for _marker, code in OPEN.findall(page["text"])]
    done = [text.removeprefix("✅ ") for text, data in buttons(page) if data.startswith("dn:")]
    assert done == listed


async def register_district_supervisor(run: BotRun) -> None:
    async with run.session_factory() as session:
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None
        invite = await create_invite(session=session, unit=unit, role=Role.supervisor, now=NOW, ttl_days=7)
        member = await get_or_create_member(session=session, telegram_user_id=DISTRICT.id, chat_id=DISTRICT.id,
                                            full_name=DISTRICT.first_name, username=DISTRICT.username, now=NOW)
        assert (await redeem_invite(session=session, code=invite.code, member=member, now=NOW)).failure is None
        await session.commit()
    await run.client.open_private_chat(DISTRICT)


async def assignment(run: BotRun, unit_code: str, milestone_code: str) -> Assignment:
    async with run.session_factory() as session:
        statement = (select(Assignment).join(Unit, Unit.id == Assignment.unit_id)
                     .join(Milestone, Milestone.id == Assignment.milestone_id)
                     .where(Unit.code == unit_code, Milestone.code == milestone_code))
        return (await session.execute(statement)).scalars().one()


async def test_secretary_views_fit_a_phone_with_a_button_per_open_item(bot_run: BotRun) -> None:
    pages = await pages_of(bot_run, SECRETARY, await say(bot_run, SECRETARY, "tiendo"))
    assert len(pages) > 1
    check_pages(pages, SECRETARY_LINES)
    for page in pages:
        check_done_buttons(page)
    listed = [code for page in pages for _marker, code in OPEN.findall(page["text"])]
    assert "M15" in listed and "M16" in listed and len(listed) == len(set(listed))  # every open item, once
    unit = await pages_of(bot_run, SECRETARY, await say(bot_run, SECRETARY, "tiendo", "HU-DIENBIEN"))
    check_pages(unit, SECRETARY_LINES)
    card = await say(bot_run, SECRETARY, "tiendo", "M16")
    check_pages([card], SECRETARY_LINES) if card["text"].startswith(("🏢", "📌")) else None
    assert card["text"].count("\n") + 1 <= SECRETARY_LINES


async def test_supervisor_views_fit_a_phone_and_name_late_units(bot_run: BotRun) -> None:
    await register_district_supervisor(bot_run)
    for user in (SUPERVISOR, DISTRICT):
        pages = await pages_of(bot_run, user, await say(bot_run, user, "tiendo"))
        check_pages(pages, SUPERVISOR_LINES)
        unit = await pages_of(bot_run, user, await say(bot_run, user, "tiendo", "HU-DIENBIEN"))
        check_pages(unit, SUPERVISOR_LINES)
        codes = [code for page in unit for code in re.findall(r"^\S+ (M\d+) ", page["text"], re.MULTILINE)]
        assert codes and len(codes) == len(set(codes))  # the unit and its subtree: one view, no milestone twice
        for page in pages + unit:
            drilled = [text for text, data in buttons(page) if data.startswith("ms:")]
            unfinished = [line.split()[1] for line in page["text"].split("\n")
                          if re.match(r"^(⏳|🟠|🔴|🕓) M\d+ ", line)]
            assert drilled == [f"🔎 {code}" for code in unfinished]  # every unfinished milestone one tap away
        detail_first = await say(bot_run, user, "tiendo", "M03")
        detail = await pages_of(bot_run, user, detail_first)
        check_pages(detail, SUPERVISOR_LINES)
        assert "🔴 Huyện ủy Điện Biên hạn" in "\n".join(p["text"] for p in detail)  # names, not codes
        assert "HU-" not in "\n".join(p["text"] for p in detail)
    province = (await say(bot_run, SUPERVISOR, "tiendo"))["text"]
    late = max(re.findall(r"Chậm \((\d+)\): (.*)", province), key=lambda found: int(found[0]))
    assert int(late[0]) > 3  # counted, the first three named, the rest one 🔎 away
    assert late[1].count(",") == 2 and late[1].endswith(f"+{int(late[0]) - 3}")


async def test_one_marker_for_one_status_whoever_looks(bot_run: BotRun) -> None:
    answer = await say(bot_run, SECRETARY, "tiendo")
    secretary = "\n".join(p["text"] for p in await pages_of(bot_run, SECRETARY, answer))
    district = "\n".join(p["text"] for p in await pages_of(bot_run, DISTRICT, await say(bot_run, DISTRICT, "tiendo")))
    assert re.search(r"^🟠 M16 ", secretary, re.MULTILINE)  # due in three days
    assert re.search(r"^🟠 M16 ", district, re.MULTILINE)  # the same milestone, the same marker


async def test_done_from_the_list_re_renders_the_list(bot_run: BotRun) -> None:
    first = await say(bot_run, SECRETARY, "tiendo")
    assert re.search(r"^🔴 M03 ", first["text"], re.MULTILINE)
    await bot_run.client.press(SECRETARY, first, text="✅ M03")
    card = (await bot_run.client.wait_for_bot_messages(SECRETARY.id))[0]
    assert "Lan xác nhận hoàn thành" in card["text"]
    edited = await bot_run.client.wait_for_edit(SECRETARY.id, first["message_id"])
    assert re.search(r"^☑️ M03 ", edited["text"], re.MULTILINE)  # the line turned done, in place
    assert "✅ M03" not in [text for text, _ in buttons(edited)]
    check_done_buttons(edited)
    assert (await assignment(bot_run, "HU-DIENBIEN", "M03")).state == AssignmentState.done


async def test_a_note_reaches_the_supervisor_and_the_milestone_view(bot_run: BotRun) -> None:
    await bot_run.client.consume_bot_messages(SUPERVISOR.id)
    reported = await say(bot_run, SECRETARY, "xong", "M16", "đã", "trình", "phương", "án,", "tờ", "trình", "số", "45")
    assert "chờ xác nhận" in reported["text"]
    notice = await bot_run.client.wait_for_message(SUPERVISOR.id, lambda m: "M16" in (m["text"] or ""))
    assert "Ghi chú: đã trình phương án, tờ trình số 45" in notice["text"]  # quoted in the acceptance request
    answer = await say(bot_run, SUPERVISOR, "tiendo", "M16")
    view = "\n".join(p["text"] for p in await pages_of(bot_run, SUPERVISOR, answer))
    assert "📝 đã trình phương án, tờ trình số 45" in view
    card = await say(bot_run, SECRETARY, "tiendo", "M16")
    assert "📝 đã trình phương án, tờ trình số 45" in card["text"]


async def test_evidence_is_acknowledged_and_opens_for_the_supervisor(bot_run: BotRun) -> None:
    await bot_run.client.consume_bot_messages(SUPERVISOR.id)
    await bot_run.client.consume_bot_messages(SECRETARY.id)
    await bot_run.client.upload_document(SECRETARY, b"%PDF-1.4 bien ban", "bien-ban.pdf", caption="/xong M18 biên bản")
    [answer] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert "Đã nhận tệp minh chứng" in answer["text"]
    notice = await bot_run.client.wait_for_message(SUPERVISOR.id, lambda m: "M18" in (m["text"] or ""))
    assert "Ghi chú: biên bản" in notice["text"] and "📎 Tệp minh chứng" in [text for text, _ in buttons(notice)]
    await bot_run.client.consume_bot_messages(SUPERVISOR.id)
    await bot_run.client.press(SUPERVISOR, notice, text="📎 Tệp minh chứng")
    [sent] = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    assert await bot_run.client.bot_file(sent["document"]["file_id"]) == b"%PDF-1.4 bien ban"


async def test_return_asks_for_the_reason_and_the_reply_returns_it(bot_run: BotRun) -> None:
    notice = await bot_run.client.wait_for_message(SUPERVISOR.id, lambda m: "M18" in (m["text"] or "")
                                                   and any(d.startswith("ret:") for _t, d in buttons(m)))
    await bot_run.client.consume_bot_messages(SUPERVISOR.id)
    await bot_run.client.press(SUPERVISOR, notice, text="↩️ Trả lại")
    [prompt] = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    assert prompt["text"].startswith("↩️ Trả lại M18 cho Huyện ủy Điện Biên. Hãy trả lời tin nhắn này")
    assert (prompt.get("reply_markup") or {}).get("force_reply") is True
    assert (await assignment(bot_run, "HU-DIENBIEN", "M18")).state == AssignmentState.reported  # nothing yet
    await bot_run.client.consume_bot_messages(SECRETARY.id)
    await bot_run.client.send_text(SUPERVISOR, "thiếu chữ ký", reply_to=prompt["message_id"])
    [done] = await bot_run.client.wait_for_bot_messages(SUPERVISOR.id)
    assert done["text"] == "↩️ Đã trả lại M18 cho Huyện ủy Điện Biên."  # the answer, no hint instead of it
    told = await bot_run.client.wait_for_message(SECRETARY.id, lambda m: "Lý do" in (m["text"] or ""))
    assert "Lý do: thiếu chữ ký" in told["text"]
    assert (await assignment(bot_run, "HU-DIENBIEN", "M18")).state == AssignmentState.open


async def test_a_supervisor_confirms_by_command_for_a_unit_under_them(bot_run: BotRun) -> None:
    refused = await say(bot_run, SECRETARY, "xong", "M17", "HU-TUANGIAO", "xong")
    assert refused["text"] == "Không tìm thấy, hoặc không thuộc đơn vị của bạn."
    assert (await assignment(bot_run, "HU-TUANGIAO", "M17")).state == AssignmentState.open
    done = await say(bot_run, DISTRICT, "xong", "M17", "HU-DIENBIEN", "đã", "kiểm", "tra")
    assert "Tâm xác nhận hoàn thành" in done["text"] and "Huyện ủy Điện Biên" in done["text"]
    item = await assignment(bot_run, "HU-DIENBIEN", "M17")
    assert item.state == AssignmentState.done and item.note == "đã kiểm tra"


async def test_free_text_gets_a_hint_in_private_and_nothing_in_a_group(bot_run: BotRun) -> None:
    await bot_run.client.consume_bot_messages(SECRETARY.id)
    await bot_run.client.send_text(SECRETARY, "xin chào")
    [hint] = await bot_run.client.wait_for_bot_messages(SECRETARY.id)
    assert hint["text"].startswith("Tôi chưa hiểu tin nhắn này.") and "/tiendo" in hint["text"]
    assert hint["text"].count("\n") + 1 <= SECRETARY_LINES

    group = await bot_run.client.create_group("Tổ công tác")
    await bot_run.client.send_command(SECRETARY, "help", chat=group["id"])
    [helped] = await bot_run.client.wait_for_bot_messages(group["id"])
    await bot_run.client.send_text(SECRETARY, "cảm ơn", chat=group["id"], reply_to=helped["message_id"])
    await bot_run.client.send_command(SECRETARY, "toi", chat=group["id"])
    [after] = await bot_run.client.wait_for_bot_messages(group["id"])
    assert "Tôi chưa hiểu" not in after["text"]  # the next answer is /toi's: nothing said to the "cảm ơn"
