"""The /baocao workbook stores plan and user text as text: a title typed as a formula is shown, never run."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook
from sqlmodel import select

from bot.i18n import translator
from bot.models import Milestone
from bot.progress import StatusRules
from bot.reports.data import gather_report
from bot.reports.workbook import workbook_bytes
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import import_sample
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
TITLES = {"M15": '=HYPERLINK("http://example.invalid/x","Bấm vào đây")', "M16": "+SUM(1,2)", "M17": "-2+3",
          "M18": "@cmd|' /C calc'!A0", "M19": "\t=1+1", "M20": "\r=1+1"}


async def test_text_that_looks_like_a_formula_stays_text(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await import_sample(session, clock.now())
        for milestone in (await session.execute(select(Milestone).where(Milestone.code.in_(TITLES)))).scalars():  # type: ignore[attr-defined]
            milestone.title = TITLES[milestone.code]
        root = await get_unit_by_code(session=session, code="TU")
        assert root is not None
        root.name = "=1+1"
        bell = (await session.execute(select(Milestone).where(Milestone.code == "M21"))).scalars().one()
        bell.title = "Chuông\x07 kêu"  # a control character Excel cannot store (a YAML "\a")
        await session.commit()
        data = await gather_report(session=session, root=root, now=NOW, rules=StatusRules(tz=VN))

    workbook = load_workbook(BytesIO(workbook_bytes(data, translator("vi"), VN)))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert set(TITLES.values()) <= texts  # shown exactly as typed
    assert "=1+1" in texts and "Chuông kêu" in texts
