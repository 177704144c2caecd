"""An admin's document -> a pending draft: hostile documents are refused with nothing kept, and the reading runs
in a worker thread, with a bound on how long the admin waits."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake import upload
from bot.intake.limits import MAX_FILE_BYTES
from bot.intake.readers import ReadError
from bot.intake.sources import UnitSource
from bot.intake.units import UnitIndex
from bot.models import PendingDraft
from bot.settings import PROJECT_ROOT
from bot.timeutil import FixedClock
from tests.bot.intake_documents import LINES, docx_bomb, make_pdf, zip_of

SEED = PROJECT_ROOT / "plans" / "sources" / "dien-bien-2019.txt"


async def _pending(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int((await session.execute(select(func.count(PendingDraft.token)))).scalar_one())


@pytest.mark.parametrize(("data", "name", "reason"), [
    (docx_bomb(50), "bom.docx", "giải nén ra tới 51 MB"),
    (b"not a zip", "hong.docx", "không phải tệp Word .docx hợp lệ"),
    (zip_of({"word/document.xml": b"<w:document><w:body"}), "xml-hong.docx", "không phải tệp Word .docx hợp lệ"),
    (make_pdf(LINES)[:-200], "cut.pdf", "không phải PDF đọc được"),
    (bytes(range(256)) * 4, "rac.pdf", "không phải PDF đọc được"),
    (b"x" * (MAX_FILE_BYTES + 1), "lon.txt", "quá lớn"),
    (b"", "rong.txt", "không có chữ đọc được"),
    (b"PK\x03\x04", "bang.xlsx", "chỉ nhận văn bản .txt, .docx hoặc .pdf"),
])
async def test_a_document_that_cannot_be_read_keeps_nothing(
        session_factory: async_sessionmaker[AsyncSession], clock: FixedClock, data: bytes, name: str,
        reason: str) -> None:
    with pytest.raises(ReadError, match=reason):
        await upload.draft_upload(session_factory=session_factory, data=data, name=name, admin_id=900001,
                                  now=clock.now())
    assert await _pending(session_factory) == 0


async def test_a_readable_document_is_kept_for_its_admin(session_factory: async_sessionmaker[AsyncSession],
                                                         clock: FixedClock) -> None:
    done = await upload.draft_upload(session_factory=session_factory, data=SEED.read_bytes(), name=SEED.name,
                                     admin_id=900001, now=clock.now())
    assert done.result.draft.milestones and await _pending(session_factory) == 1
    async with session_factory() as session:
        kept = await session.get(PendingDraft, done.token)
    assert kept is not None and (kept.admin_telegram_id, kept.plan_text) == (900001, done.result.yaml)


async def test_reading_runs_off_the_event_loop_and_the_admin_waits_a_bounded_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    release, started = threading.Event(), threading.Event()

    def stuck(data: bytes, name: str, source: UnitSource) -> None:
        started.set()
        release.wait(timeout=60)

    monkeypatch.setattr(upload, "draft_document", stuck)
    source = UnitSource(UnitIndex([]), "units: []\n")
    reading = asyncio.ensure_future(upload.draft_in_worker(b"x", "cham.docx", source, seconds=3600))
    while not started.is_set():  # the worker has the document; the loop is free for everyone else
        await asyncio.sleep(0.01)
    assert not reading.done()
    release.set()
    assert await reading is None

    release.clear()
    with pytest.raises(ReadError, match=r"Đọc tệp cham\.docx mất hơn 1 giây nên đã dừng"):
        await upload.draft_in_worker(b"x", "cham.docx", source, seconds=0.01)  # stuck until released
    release.set()
