"""`nhacviec draft DOC -o OUT.xlsx`, a cell edited as in Excel, `nhacviec import OUT.xlsx`: the edited date is what
the database holds. A bad cell exits 1 naming its row and column, with nothing imported; the YAML draft stays."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.db import make_engine, make_sessionmaker
from bot.models import Assignment, Milestone, Plan, Unit
from bot.settings import PROJECT_ROOT

UNITS = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")
DOCUMENT = """TỈNH ỦY ĐIỆN BIÊN
Số: 12-KH/TU
KẾ HOẠCH
rà soát quy hoạch cán bộ năm 2019
1. Ban Tổ chức Tỉnh ủy báo cáo kết quả rà soát quy hoạch cán bộ xong trước ngày 30/9/2019.
2. Ủy ban Kiểm tra Tỉnh ủy tổng hợp kết quả kiểm tra trước ngày 15/11/2019.
"""
HEADER_ROW = 6


@pytest.fixture
def database(database_url: str) -> list[str]:
    return ["--database-url", database_url]


def drafted(tmp_path: Path, database: list[str]) -> Path:
    document = tmp_path / "ke-hoach.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    sheet = tmp_path / "ke-hoach.xlsx"
    result = CliRunner().invoke(app, [*database, "draft", str(document), "--units", UNITS, "-o", str(sheet)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{sheet}: 2 mốc")
    return sheet


def edit(path: Path, changes: dict[tuple[int, str], object]) -> None:
    """Cells by (milestone row, counted from 1, or 0 for the plan's rows) and column title, as a person edits."""
    workbook = load_workbook(path)
    sheet = workbook["Kế hoạch"]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW]}
    for (row, title), value in changes.items():
        if row == 0:
            sheet.cell(3, 2).value = value  # "Nhắc cả đơn vị phối hợp"
        else:
            sheet.cell(HEADER_ROW + row, columns[title]).value = value
    workbook.save(path)


def stored(url: str) -> dict[str, tuple[date, str | None, set[str]]]:
    """Each milestone: its due date, co-ordinating units and the units given it."""
    async def read() -> dict[str, tuple[date, str | None, set[str]]]:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                rows = (await session.execute(
                    select(Milestone.code, Milestone.due_date, Milestone.coordinating, Unit.code)
                    .join(Assignment, Assignment.milestone_id == Milestone.id).join(Unit, Unit.id == Assignment.unit_id)
                    .where(Assignment.active))).all()
        finally:
            await engine.dispose()
        found: dict[str, tuple[date, str | None, set[str]]] = {}
        for code, due, coordinating, unit in rows:
            found.setdefault(code, (due, coordinating, set()))[2].add(unit)
        return found

    return asyncio.run(read())


def test_draft_edit_a_cell_import(tmp_path: Path, database: list[str], database_url: str) -> None:
    sheet = drafted(tmp_path, database)
    codes = [cell.value for cell in load_workbook(sheet)["Kế hoạch"]["A"][HEADER_ROW:]]
    assert codes == ["KH-12-TU-2019-M01", "KH-12-TU-2019-M02"]
    edit(sheet, {(2, "Hạn"): "20/11/2019", (1, "Mã đơn vị phối hợp"): "VP-TU", (0, ""): "có"})
    runner = CliRunner()
    dry = runner.invoke(app, [*database, "import", str(sheet), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("Kế hoạch KH-12-TU-2019: chạy thử, chưa ghi gì vào cơ sở dữ liệu.")
    assert stored(database_url) == {}
    done = runner.invoke(app, [*database, "import", str(sheet)])
    assert done.exit_code == 0, done.output
    assert stored(database_url) == {
        "KH-12-TU-2019-M01": (date(2019, 9, 30), "VP-TU", {"BTC-TU", "VP-TU"}),  # reminded too: "có"
        "KH-12-TU-2019-M02": (date(2019, 11, 20), None, {"UBKT-TU"}),
    }
    again = runner.invoke(app, [*database, "import", str(sheet)])
    assert again.stdout == "Kế hoạch KH-12-TU-2019: đã nhập.\nKhông có thay đổi.\n"


def test_a_bad_cell_exits_1_naming_it_and_imports_nothing(tmp_path: Path, database: list[str],
                                                          database_url: str) -> None:
    sheet = drafted(tmp_path, database)
    edit(sheet, {(2, "Hạn"): "31/11/2019", (1, "Mã đơn vị chủ trì"): "BTC-TU, BAN-KHONG-CO"})
    result = CliRunner().invoke(app, [*database, "import", str(sheet)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'{sheet}, dòng 7, cột "Mã đơn vị chủ trì": không có đơn vị mã "BAN-KHONG-CO"',
        f'{sheet}, dòng 8, cột "Hạn": ngày "31/11/2019" không tồn tại (tháng 11 năm 2019 có 30 ngày)',
    ]

    async def plans() -> int:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return len((await session.execute(select(Plan))).all())
        finally:
            await engine.dispose()

    assert asyncio.run(plans()) == 0


def test_the_yaml_draft_stays(tmp_path: Path, database: list[str]) -> None:
    document = tmp_path / "ke-hoach.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    result = CliRunner().invoke(app, [*database, "draft", str(document), "--units", UNITS, "-o",
                                      str(tmp_path / "d.yaml")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "d.yaml").read_text(encoding="utf-8")
    assert "\nmilestones:\n" in text and "due: 30/09/2019" in text
    assert load_workbook(io.BytesIO(drafted(tmp_path, database).read_bytes())).sheetnames == ["Kế hoạch", "Đơn vị"]
