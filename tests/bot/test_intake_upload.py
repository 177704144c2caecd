"""An admin's document -> its draft sheet, as the chat does it: hostile documents are refused with nothing kept,
and the reading runs in a worker thread, with a bound on how long the admin waits."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake import upload
from bot.intake.limits import MAX_FILE_BYTES
from bot.intake.readers import ReadError
from bot.intake.sheet_upload import draft_sheet_upload
from bot.intake.sources import UnitSource
from bot.intake.units import UnitIndex
from bot.models import PendingDraft
from bot.settings import PROJECT_ROOT
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
        session_factory: async_sessionmaker[AsyncSession], data: bytes, name: str, reason: str) -> None:
    with pytest.raises(ReadError, match=reason):
        await draft_sheet_upload(session_factory=session_factory, data=data, name=name)
    assert await _pending(session_factory) == 0


async def test_a_readable_document_gives_a_sheet_that_reads_back(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    done = await draft_sheet_upload(session_factory=session_factory, data=SEED.read_bytes(), name=SEED.name)
    assert done.filename == "dien-bien-2019.draft.xlsx" and done.sheet.startswith(b"PK")
    assert len(done.draft.milestones) >= 5
    # Read back at once: with no unit tree stored yet, it cannot be imported, and the problems say why.
    assert done.check.plan is None and done.check.problems
    assert await _pending(session_factory) == 0  # kept only when the handler offers 📥


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
