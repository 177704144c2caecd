"""End to end: an admin sends a plan document and gets a summary and its draft as an Excel sheet; a draft with
review notes is not offered for import (no 📥), and the summary says what to fix, by row and column; the sheet
edited (as in Excel: a date typed as text, a unit written in, the review cells cleared) and sent back is dry-run,
then imported with 📥 Nhập; a clean draft is offered for import at once. A bad cell is named, with no 📥.
Co-ordinating units written in the sheet show in /tiendo MÃ. Non-admins are refused politely; pending drafts live
in the database, so a press works whichever process gets it, once. A .docx bomb is refused with nothing kept;
replies that once went over Telegram's limits arrive, cut at a line."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.models import Event, Milestone, PendingDraft, Plan
from bot.settings import PROJECT_ROOT
from tests.bot.intake_documents import docx_bomb
from tests.e2e.conftest import ADMIN, STRANGER, SUPERVISOR, BotRun

pytestmark = pytest.mark.asyncio(loop_scope="module")
REGISTERED = {"supervisor": SUPERVISOR}  # of TU: sees every milestone of the province
SEED = PROJECT_ROOT / "plans" / "sources" / "dien-bien-2019.txt"
CLEAN = """TỈNH ỦY ĐIỆN BIÊN
Số: 12-KH/TU
KẾ HOẠCH
rà soát quy hoạch cán bộ năm 2019
1. Ban Tổ chức Tỉnh ủy báo cáo kết quả rà soát quy hoạch cán bộ xong trước ngày 30/9/2019.
2. Ủy ban Kiểm tra Tỉnh ủy tổng hợp kết quả kiểm tra trước ngày 15/11/2019.
""".encode()
HEADER_ROW = 6


def buttons(message: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def edited(data: bytes, changes: dict[tuple[int, str], object] | None = None, *, review: bool = False) -> bytes:
    """The sheet as the reviewer sends it back: cells changed by (row of the table, from 1; column title) and,
    with `review`, a unit written in for each row that lacks one and every review cell cleared."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Kế hoạch"]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW]}
    for row in range(HEADER_ROW + 1, sheet.max_row + 1) if review else ():
        sheet.cell(row, columns["Cần xem lại"]).value = None
        if not sheet.cell(row, columns["Mã đơn vị chủ trì"]).value:
            sheet.cell(row, columns["Mã đơn vị chủ trì"]).value = "TU"
    for (row, title), value in (changes or {}).items():
        sheet.cell(HEADER_ROW + row, columns[title]).value = value
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


async def test_admin_drafts_edits_the_sheet_then_imports(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.upload_document(ADMIN, SEED.read_bytes(), "dien-bien-2019.txt")
    summary, document = await client.wait_for_bot_messages(ADMIN.id, count=2, timeout=15)
    text = summary["text"]
    count = int(re.search(r"Bản nháp từ dien-bien-2019\.txt: (\d+) mốc\.", text).group(1))  # type: ignore[union-attr]
    assert count > 20 and "M01" in text and "Thứ Hai, 30/09/2019" in text and "BTV-TU" in text
    # Review notes left: no 📥, and what to fix, in the sheet's words.
    assert buttons(summary) == []
    assert "mốc cần xem lại" in text and "Để nhập được, hãy sửa các ô sau trong bảng tính rồi gửi lại:" in text
    assert re.search(r'• dòng \d+, cột "Mã đơn vị chủ trì": mốc "[^"]+" chưa có đơn vị chủ trì', text)
    assert "units:" not in text and "review" not in text
    assert document["document"]["file_name"] == "dien-bien-2019.draft.xlsx"
    sheet = await client.bot_file(document["document"]["file_id"])
    workbook = load_workbook(io.BytesIO(sheet))
    assert workbook["Kế hoạch"].max_row == HEADER_ROW + count
    plan_code = workbook["Kế hoạch"]["B1"].value
    first = workbook["Kế hoạch"].cell(HEADER_ROW + 1, 1).value

    # A bad cell: named by row and column; still no 📥.
    await client.upload_document(ADMIN, edited(sheet, {(1, "Hạn"): "31/9/2019"}, review=True), "dien-bien.xlsx")
    bad = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert bad["text"] == ('Tệp kế hoạch có lỗi, chưa nhập được:\ndien-bien.xlsx, dòng 7, cột "Hạn": ngày '
                           '"31/9/2019" không tồn tại (tháng 9 năm 2019 có 30 ngày)')
    assert buttons(bad) == []

    # The corrected sheet, its first date typed as text: a dry-run report, then Nhập imports it.
    await client.upload_document(ADMIN, edited(sheet, {(1, "Hạn"): "15/10/2019"}, review=True), "dien-bien.xlsx")
    dry = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert "chạy thử" in dry["text"] and [label for label, _ in buttons(dry)] == ["📥 Nhập", "✖️ Hủy"]
    async with bot_run.session_factory() as session:
        before = (await session.execute(select(Event).where(Event.kind == "import"))).scalars().all()
        pending = len((await session.execute(select(PendingDraft))).scalars().all())  # kept in the database
    await client.press(ADMIN, dry, text="📥 Nhập")
    done = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert f"Kế hoạch {plan_code}: đã nhập." in done["text"]
    async with bot_run.session_factory() as session:
        assert len((await session.execute(select(PendingDraft))).scalars().all()) == pending - 1  # taken once
        events = (await session.execute(select(Event).where(Event.kind == "import"))).scalars().all()
        rows = (await session.execute(select(Milestone, Plan.code).join(Plan, Plan.id == Milestone.plan_id)
                                      .where(Milestone.active))).all()
    assert len(events) == len(before) + 1
    # The draft is a plan of its own: the plan already imported keeps its 28 milestones.
    assert len([m for m, plan in rows if plan == plan_code]) == count
    assert len([m for m, plan in rows if plan == "DB-CT35-2019"]) == 28
    assert next(m for m, plan in rows if m.code == first).due_date == date(2019, 10, 15)


async def test_a_clean_draft_is_offered_for_import_and_its_co_ordinating_units_show(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.upload_document(ADMIN, CLEAN, "ra-soat.txt")
    summary, document = await client.wait_for_bot_messages(ADMIN.id, count=2, timeout=15)
    assert "✅ Bản nháp nhập được ngay: bấm 📥 Nhập, hoặc sửa bảng tính rồi gửi lại." in summary["text"]
    assert [label for label, _ in buttons(summary)] == ["📥 Nhập", "✖️ Hủy"]
    sheet = await client.bot_file(document["document"]["file_id"])
    # Sent back with a co-ordinating unit written in, then imported.
    await client.upload_document(ADMIN, edited(sheet, {(1, "Mã đơn vị phối hợp"): "VP-TU, UBKT-TU"}), "ra-soat.xlsx")
    dry = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    await client.press(ADMIN, dry, text="📥 Nhập")
    assert "Kế hoạch KH-12-TU-2019: đã nhập." in (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]["text"]
    await client.send_command(SUPERVISOR, "/tiendo", "KH-12-TU-2019-M01")
    shown = (await client.wait_for_bot_messages(SUPERVISOR.id, timeout=15))[0]["text"]
    assert "🤝 Phối hợp: Văn phòng Tỉnh ủy, Ủy ban Kiểm tra Tỉnh ủy" in shown and "Ban Tổ chức Tỉnh ủy" in shown


async def test_cancel(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.upload_document(ADMIN, CLEAN, "ke-hoach.txt")
    summary, _ = await client.wait_for_bot_messages(ADMIN.id, count=2, timeout=15)
    await client.press(ADMIN, summary, text="✖️ Hủy")
    cancelled = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert "Đã hủy" in cancelled["text"]


async def test_non_admin_is_refused_politely(bot_run: BotRun) -> None:
    await bot_run.client.upload_document(STRANGER, SEED.read_bytes(), "dien-bien-2019.txt")
    reply = (await bot_run.client.wait_for_bot_messages(STRANGER.id))[0]
    assert "Chỉ quản trị viên" in reply["text"] and "/xong" in reply["text"]


async def test_unsupported_and_unreadable_files(bot_run: BotRun) -> None:
    await bot_run.client.upload_document(ADMIN, b"\x00\x01", "anh.png")
    reply = (await bot_run.client.wait_for_bot_messages(ADMIN.id))[0]
    assert ".txt, .docx hoặc .pdf" in reply["text"]
    await bot_run.client.upload_document(ADMIN, b"PK\x03\x04 broken", "hong.docx")
    reply = (await bot_run.client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert "không phải tệp Word .docx hợp lệ" in reply["text"]


async def pending_drafts(bot_run: BotRun) -> int:
    async with bot_run.session_factory() as session:
        return len((await session.execute(select(PendingDraft))).scalars().all())


async def test_a_docx_bomb_is_refused_with_nothing_kept(bot_run: BotRun) -> None:
    before = await pending_drafts(bot_run)
    await bot_run.client.upload_document(ADMIN, docx_bomb(50), "bom.docx")
    reply = (await bot_run.client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert reply["text"].startswith("Tệp bom.docx giải nén ra tới 51 MB (tối đa 8 MB)")
    assert await pending_drafts(bot_run) == before


def crowded_document() -> bytes:
    """30 items, each naming six units the tree does not know: the summary's review lines once ended cut inside
    <b> at 3,990 characters, Telegram refused it, and the draft file never came."""
    lines = ["KẾ HOẠCH tổ chức đại hội các chi bộ trực thuộc năm 2020", "I- NỘI DUNG"]
    for n in range(1, 31):
        units = ", ".join(f"Chi bộ thôn Nậm Pồ {'x' * 21} <{n}-{k}>" for k in range(1, 7))
        lines.append(f"- {units} tổ chức đại hội xong trước ngày {n % 28 + 1}/5/2020.")
    return "\n".join(lines).encode("utf-8")


def plan_with_eighty_problems() -> bytes:
    milestones = "\n".join(f"  - code: M{n:02d}\n    title: Việc {n}\n    due: 31/02/2020\n"
                           f"    units: [KHONG-CO-DON-VI-NAY-{n}-{'X' * 60}]" for n in range(1, 41))
    return (f"plan:\n  code: KH-DAI\n  title: Kế hoạch\nunits:\n  - code: TU\n    name: Tỉnh ủy\n"
            f"    kind: province_committee\nmilestones:\n{milestones}\n").encode()


async def test_a_long_summary_arrives_cut_at_a_line_with_the_draft_file(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.upload_document(ADMIN, crowded_document(), "chi-bo.txt")
    summary, document = await client.wait_for_bot_messages(ADMIN.id, count=2, timeout=15)
    assert summary["text"].startswith("📄 Bản nháp từ chi-bo.txt: 30 mốc.")
    assert re.search(r"\n… và \d+ dòng nữa$", summary["text"]) and len(summary["text"]) <= 4096
    assert buttons(summary) == []  # thirty units to write in first
    assert document["document"]["file_name"] == "chi-bo.draft.xlsx"


async def test_a_long_list_of_problems_arrives_cut_at_a_line(bot_run: BotRun) -> None:
    """80 problems of ~150 characters: once "Message is too long", and the admin got only "Sorry"."""
    client = bot_run.client
    await client.upload_document(ADMIN, plan_with_eighty_problems(), f"ke-hoach-{'rat-dai-' * 10}.yaml")
    reply = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]["text"]
    assert reply.startswith("Tệp kế hoạch có lỗi, chưa nhập được:\nke-hoach-rat-dai-")
    assert re.search(r"\n… và \d+ dòng nữa$", reply) and len(reply) <= 4096
