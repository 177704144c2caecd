"""The intake handlers with a stand-in for Telegram. 📥 Nhập on a pending draft: an import that fails says why and
leaves the draft and its buttons, so the admin can press again or cancel; one that succeeds takes it. A document
Telegram announces as too large is refused before it is downloaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake.pending import find_draft, keep_draft
from bot.models import Milestone
from bot.plans.report import ImportReport
from bot.settings import PROJECT_ROOT, Settings
from bot.timeutil import FixedClock
from handlers import intake

ADMIN = 900001
PLAN = (PROJECT_ROOT / "plans" / "dien-bien-2019.yaml").read_text(encoding="utf-8")


@dataclass
class Press:
    """The callback query, the message and the chat, as far as the handlers use them."""

    data: str
    document: Any = None
    answers: list[tuple[str | None, bool]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    buttons_removed: bool = False

    async def answer(self, text: str | None = None, show_alert: bool = False) -> None:
        self.answers.append((text, show_alert))

    async def edit_message_reply_markup(self, markup: Any) -> None:
        self.buttons_removed = markup is None

    async def reply_text(self, text: str, **kwargs: Any) -> None:
        self.replies.append(text)


async def press(data: str, *, session_factory: async_sessionmaker[AsyncSession], settings: Settings,
                clock: FixedClock) -> Press:
    query = Press(data)
    update = SimpleNamespace(callback_query=query, effective_user=SimpleNamespace(id=ADMIN),
                             effective_chat=SimpleNamespace(id=ADMIN, type="private"), effective_message=query)
    context = SimpleNamespace(session_factory=session_factory, settings=settings, clock=clock)
    await intake.button(update, context)  # type: ignore[arg-type]
    return query


async def test_a_failed_import_keeps_the_draft_and_says_why(session_factory: async_sessionmaker[AsyncSession],
                                                           settings: Settings, clock: FixedClock,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    async with session_factory() as session:
        token = await keep_draft(session=session, admin_id=ADMIN, file_name="kh.yaml", plan_text=PLAN,
                                 now=clock.now())
        await session.commit()
    replan = intake.replan_after_import

    def overflowing(**kwargs: Any) -> Any:
        async def after(session: AsyncSession, report: ImportReport) -> None:
            raise OverflowError("date value out of range")  # what a due date in 9999 did to the reminder ladder
        return after

    monkeypatch.setattr(intake, "replan_after_import", overflowing)
    failed = await press(f"imp:{token}", session_factory=session_factory, settings=settings, clock=clock)
    assert failed.replies == ["⚠️ Nhập không thành công (OverflowError), chưa có gì thay đổi. Bản nháp vẫn được "
                              "giữ: bấm 📥 Nhập để thử lại, hoặc ✖️ Hủy."]
    assert not failed.buttons_removed
    async with session_factory() as session:
        assert await find_draft(session=session, token=token, now=clock.now()) is not None
        assert (await session.execute(select(func.count(Milestone.id)))).scalar_one() == 0

    monkeypatch.setattr(intake, "replan_after_import", replan)
    done = await press(f"imp:{token}", session_factory=session_factory, settings=settings, clock=clock)
    assert done.buttons_removed and "DB-CT35-2019" in done.replies[0]
    async with session_factory() as session:
        assert await find_draft(session=session, token=token, now=clock.now()) is None
        assert (await session.execute(select(func.count(Milestone.id)))).scalar_one() == 28
    again = await press(f"imp:{token}", session_factory=session_factory, settings=settings, clock=clock)
    assert again.answers == [("Bản nháp này không còn chờ nhập.", True)] and again.replies == []


async def test_a_refused_draft_stays_until_cancelled(session_factory: async_sessionmaker[AsyncSession],
                                                     settings: Settings, clock: FixedClock) -> None:
    broken = PLAN.replace("due: ", "due: 31/02/", 1)
    async with session_factory() as session:
        token = await keep_draft(session=session, admin_id=ADMIN, file_name="kh.yaml", plan_text=broken,
                                 now=clock.now())
        await session.commit()
    refused = await press(f"imp:{token}", session_factory=session_factory, settings=settings, clock=clock)
    assert refused.replies[0].startswith("Không nhập: hãy sửa các lỗi sau trong tệp rồi gửi lại dạng .yaml:\nkh.yaml:")
    assert not refused.buttons_removed
    cancelled = await press(f"imp-no:{token}", session_factory=session_factory, settings=settings, clock=clock)
    assert cancelled.replies == ["Đã hủy: không nhập gì."] and cancelled.buttons_removed
    async with session_factory() as session:
        assert await find_draft(session=session, token=token, now=clock.now()) is None


async def test_a_document_announced_too_large_is_refused_before_it_is_downloaded(
        session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock) -> None:
    chat = Press("", document=SimpleNamespace(file_name="ke-hoach.pdf", file_size=50 * 1024 * 1024, file_id="f"))

    async def get_file(file_id: str) -> None:
        raise AssertionError("downloaded")

    update = SimpleNamespace(effective_user=SimpleNamespace(id=ADMIN), effective_message=chat,
                             effective_chat=SimpleNamespace(id=ADMIN, type="private"))
    context = SimpleNamespace(session_factory=session_factory, settings=settings, clock=clock,
                              bot=SimpleNamespace(get_file=get_file))
    await intake.document(update, context)  # type: ignore[arg-type]
    assert chat.replies == ["Tệp quá lớn (tối đa 10 MB)."]


async def test_a_plan_naming_the_stored_units_imports_from_chat(session_factory: async_sessionmaker[AsyncSession],
                                                                 settings: Settings, clock: FixedClock) -> None:
    """A plan without `units:` (the office's tree is already stored) is checked against that tree, not refused."""
    from bot.plans.units_file import read_units_file
    from bot.plans.units_import import run_units_import

    await run_units_import(session_factory=session_factory, check=read_units_file(
        PROJECT_ROOT / "plans" / "units-dien-bien.yaml"), now=clock.now())
    current = (PROJECT_ROOT / "plans" / "dien-bien-2026.yaml").read_text(encoding="utf-8")
    assert "\nunits:" not in current
    async with session_factory() as session:
        token = await keep_draft(session=session, admin_id=ADMIN, file_name="kh-2026.yaml", plan_text=current,
                                 now=clock.now())
        await session.commit()
    done = await press(f"imp:{token}", session_factory=session_factory, settings=settings, clock=clock)
    assert done.buttons_removed and "DB-MAU-2027" in done.replies[0]
    async with session_factory() as session:
        assert (await session.execute(select(func.count(Milestone.id)))).scalar_one() > 0


async def test_a_sheet_refused_at_the_press_is_told_without_the_lines_of_a_file_never_seen(
        session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock) -> None:
    """A sheet is kept as the plan file it stands for; should the stored tree have changed by the press, the admin
    hears what is wrong, not line numbers of that file."""
    kept = PLAN.replace("units: [BTV-TU]", "units: [BTV-TU, KHONG-CO]", 1)
    async with session_factory() as session:
        token = await keep_draft(session=session, admin_id=ADMIN, file_name="kh.draft.xlsx", plan_text=kept,
                                 now=clock.now())
        await session.commit()
    refused = await press(f"imp:{token}", session_factory=session_factory, settings=settings, clock=clock)
    assert refused.replies == ['Không nhập: hãy sửa các lỗi sau trong bảng tính rồi gửi lại:\nkh.draft.xlsx: không có '
                               'đơn vị mã &quot;KHONG-CO&quot;']  # HTML, as sent
