"""End to end: an admin sends the seed plan document, gets a summary, buttons and the draft file; a draft with
review notes is refused; the corrected .yaml sent back is dry-run, then imported with 📥 Nhập. Non-admins are
refused politely; pending drafts live in the database, so a press works whichever process gets it, once. A .docx
bomb is refused with nothing kept; replies that once went over Telegram's limits arrive, cut at a line."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from bot.models import Event, Milestone, PendingDraft, Plan
from bot.settings import PROJECT_ROOT
from tests.bot.intake_documents import docx_bomb
from tests.e2e.conftest import ADMIN, STRANGER, BotRun

pytestmark = pytest.mark.asyncio(loop_scope="module")
SEED = PROJECT_ROOT / "plans" / "sources" / "dien-bien-2019.txt"


def buttons(message: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    markup = message.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


def reviewed(yaml_text: str) -> str:
    """The reviewer's edit: a unit for each unresolved item, the review notes deleted."""
    text = re.sub(r"units: \[\]  # .*", "units: [TU]", yaml_text)
    return re.sub(r"    review:\n(      - .*\n)+", "", text)


async def test_admin_drafts_then_imports(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.upload_document(ADMIN, SEED.read_bytes(), "dien-bien-2019.txt")
    summary, document = await client.wait_for_bot_messages(ADMIN.id, count=2, timeout=15)
    text = summary["text"]
    assert "Bản nháp từ dien-bien-2019.txt: 27 mốc." in text
    assert "M01" in text and "Thứ Hai, 30/09/2019" in text and "BTV-TU" in text
    assert "7 mốc cần xem lại" in text and "Cấp ủy các cấp" in text
    labels = buttons(summary)
    assert [label for label, _ in labels] == ["📥 Nhập", "✖️ Hủy"]
    assert all(len(data.encode()) <= 64 for _, data in labels)
    assert labels[0][1].startswith("imp:") and labels[1][1].startswith("imp-no:")
    assert document["document"]["file_name"] == "dien-bien-2019.draft.yaml"
    draft = (await client.bot_file(document["document"]["file_id"])).decode("utf-8")
    assert draft.count("  - code: KH-2111-M") == 27 and "review:" in draft

    # The draft still has review notes: import is refused, with the errors listed; nothing changes.
    await client.press(ADMIN, summary, text="📥 Nhập")
    refused = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert "Không nhập" in refused["text"] and "cần xem lại" in refused["text"]

    # The corrected file sent back: a dry-run report, then Nhập imports it.
    await client.upload_document(ADMIN, reviewed(draft).encode("utf-8"), "dien-bien-2019.draft.yaml")
    dry = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert "chạy thử" in dry["text"] or "dry run" in dry["text"]
    async with bot_run.session_factory() as session:
        before = (await session.execute(select(Event).where(Event.kind == "import"))).scalars().all()
        pending = len((await session.execute(select(PendingDraft))).scalars().all())  # kept in the database
    await client.press(ADMIN, dry, text="📥 Nhập")
    done = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]
    assert "đã nhập" in done["text"].lower() or "Kế hoạch DB-CT35-2019" in done["text"]
    async with bot_run.session_factory() as session:
        assert len((await session.execute(select(PendingDraft))).scalars().all()) == pending - 1  # taken once
    async with bot_run.session_factory() as session:
        events = (await session.execute(select(Event).where(Event.kind == "import"))).scalars().all()
        rows = (await session.execute(select(Milestone, Plan.code).join(Plan, Plan.id == Milestone.plan_id)
                                      .where(Milestone.active))).all()
    assert len(events) == len(before) + 1
    # The draft is a plan of its own: the plan already imported keeps its 28 milestones.
    assert len([m for m, plan in rows if plan == "KH-2111"]) == 27
    assert len([m for m, plan in rows if plan == "DB-CT35-2019"]) == 28
    active = [m for m, plan in rows if plan == "KH-2111"]
    m20 = next(m for m in active if m.source_text and "01/7/2020" in m.source_text)
    assert str(m20.due_date) == "2020-06-30"


async def test_cancel(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.upload_document(ADMIN, SEED.read_bytes(), "ke-hoach.txt")
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
            f"    kind: province_committee\nmilestones:\n{milestones}\n").encode("utf-8")


async def test_a_long_summary_arrives_cut_at_a_line_with_the_draft_file(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.upload_document(ADMIN, crowded_document(), "chi-bo.txt")
    summary, document = await client.wait_for_bot_messages(ADMIN.id, count=2, timeout=15)
    assert summary["text"].startswith("📄 Bản nháp từ chi-bo.txt: 30 mốc.")
    assert re.search(r"\n… và \d+ dòng nữa$", summary["text"]) and len(summary["text"]) <= 4096
    assert [label for label, _ in buttons(summary)] == ["📥 Nhập", "✖️ Hủy"]
    assert document["document"]["file_name"] == "chi-bo.draft.yaml"


async def test_a_long_list_of_problems_arrives_cut_at_a_line(bot_run: BotRun) -> None:
    """80 problems of ~150 characters: once "Message is too long", and the admin got only "Sorry"."""
    client = bot_run.client
    await client.upload_document(ADMIN, plan_with_eighty_problems(), f"ke-hoach-{'rat-dai-' * 10}.yaml")
    reply = (await client.wait_for_bot_messages(ADMIN.id, timeout=15))[0]["text"]
    assert reply.startswith("Tệp kế hoạch có lỗi, chưa nhập được:\nke-hoach-rat-dai-")
    assert re.search(r"\n… và \d+ dòng nữa$", reply) and len(reply) <= 4096
