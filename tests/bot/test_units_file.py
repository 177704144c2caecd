"""The organisation's tree in its own file: `nhacviec units import|export`, YAML and Excel, and bad sheets refused."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.db import make_engine, make_sessionmaker
from bot.i18n import translator
from bot.models import Unit
from bot.plans import units_sheet
from bot.plans.limits import MAX_UNIT_DEPTH
from bot.plans.units_file import read_units_file
from bot.settings import PROJECT_ROOT

UNITS = str(PROJECT_ROOT / "plans" / "units-dien-bien.yaml")
SAMPLE = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")
HEADER = ["Mã", "Tên đơn vị", "Loại", "Mã cấp trên", "Tên gọi khác"]
VI = translator("vi")


@pytest.fixture
def cli(database_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--database-url", database_url, *args], input=input)

    return invoke


def units_table(database_url: str) -> list[tuple[object, ...]]:
    async def main() -> list[tuple[object, ...]]:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                columns = Unit.__table__.columns  # type: ignore[attr-defined]
                return [tuple(row) for row in (await session.execute(select(*columns).order_by(Unit.id))).all()]
        finally:
            await engine.dispose()

    return asyncio.run(main())


def sheet(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def problems(path: Path) -> list[str]:
    check = read_units_file(path)
    assert check.units == () and check.retired == ()
    return check.render(VI)


def test_the_units_file_then_the_2019_plan_agree_and_reimport_changes_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    first = cli("units", "import", UNITS)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[:2] == [f"Tệp đơn vị {UNITS}: đã nhập.",
                                             "Đơn vị: thêm 9, sửa 0, khôi phục 0, ngừng theo dõi 0."]
    assert cli("units", "import", UNITS).stdout == f"Tệp đơn vị {UNITS}: đã nhập.\nKhông có thay đổi.\n"
    plan = cli("import", SAMPLE)
    assert plan.exit_code == 0, plan.output
    assert "Đơn vị: thêm 23, sửa 0, khôi phục 0, ngừng theo dõi 0." in plan.stdout  # 30 units, 7 already stored
    assert "đã có, không đổi" not in plan.stdout  # the units file describes the shared units as the plan does
    tree = cli("units").stdout.splitlines()
    assert tree[0].startswith("TU ") and tree[-1] == "32 đơn vị."
    assert cli("units", "list").stdout.splitlines() == tree


def test_excel_round_trip_then_edits_in_the_sheet(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("units", "import", UNITS).exit_code == 0
    assert cli("import", SAMPLE).exit_code == 0
    out = tmp_path / "don-vi.xlsx"
    exported = cli("units", "export", str(out))
    assert (exported.exit_code, exported.stdout) == (0, f"{out}: 32 đơn vị.\n")
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("Mã", "Tên đơn vị", "Loại", "Mã cấp trên", "Tên gọi khác", "Tên ngắn", "Ngừng theo dõi")
    assert rows[1] == ("TU", "Tỉnh ủy Điện Biên", "tỉnh ủy", None,
                       "Ban Chấp hành Đảng bộ tỉnh; Đảng bộ tỉnh; cấp tỉnh", None, None)
    before = units_table(database_url)

    again = cli("units", "import", str(out))
    assert (again.exit_code, again.stdout) == (0, f"Tệp đơn vị {out}: đã nhập.\nKhông có thay đổi.\n")
    assert units_table(database_url) == before

    workbook = load_workbook(out)
    table = workbook.active
    for row in table.iter_rows(min_row=2):
        if row[0].value == "BTC-TU":
            row[1].value = "Ban Tổ chức Tỉnh ủy Điện Biên"
        if row[0].value == "HU-MUONGNHE":
            row[6].value = "x"
    table.append(["DUX-MOI", "Đảng ủy xã Mới", "Grassroots", "hu-dienbien", "xã Mới; Đảng bộ xã Mới"])
    table.append(["DUX-MOI-2", "Đảng ủy xã Mới 2", "  Tổ chức  cơ sở đảng ", "DUX-MOI", None])
    workbook.save(out)
    edited = cli("units", "import", str(out))
    assert edited.exit_code == 0, edited.output
    assert edited.stdout.splitlines()[1:6] == [
        "Đơn vị: thêm 2, sửa 1, khôi phục 0, ngừng theo dõi 1.",
        "  + DUX-MOI  Đảng ủy xã Mới",
        "  + DUX-MOI-2  Đảng ủy xã Mới 2",
        '  ~ BTC-TU  Ban Tổ chức Tỉnh ủy Điện Biên: tên: "Ban Tổ chức Tỉnh ủy" → "Ban Tổ chức Tỉnh ủy Điện Biên"',
        "  - HU-MUONGNHE  Huyện ủy Mường Nhé (ngừng theo dõi)",
    ]
    units = {row[1]: row for row in units_table(database_url)}
    columns = [column.name for column in Unit.__table__.columns]  # type: ignore[attr-defined]
    new, newer, district = (dict(zip(columns, units[code], strict=True))
                            for code in ("DUX-MOI", "DUX-MOI-2", "HU-DIENBIEN"))
    assert (new["parent_id"], new["kind"], new["aliases"], new["depth"]) == (
        district["id"], "grassroots", "xã Mới\nĐảng bộ xã Mới", 2)
    assert (newer["parent_id"], newer["depth"]) == (new["id"], 3)
    assert dict(zip(columns, units["HU-MUONGNHE"], strict=True))["active"] is False
    assert cli("units", "import", str(out)).stdout.endswith("Không có thay đổi.\n")


@pytest.mark.parametrize(("rows", "expected"), [
    ([["HU-A", "Huyện A", "huyện đội", None]],
     'dòng 2: không có loại đơn vị "huyện đội"; các loại: tỉnh ủy, ban thường vụ, ban đảng, cơ quan tham mưu, giúp '
     "việc, tiểu ban đại hội, đảng bộ cấp huyện và tương đương, tổ chức cơ sở đảng, khác"),
    ([["HU-A", "Huyện A", "khác", "TINH"]], 'dòng 2: đơn vị "HU-A" có đơn vị cấp trên "TINH" không tồn tại'),
    ([["A", "Một", "khác", "B"], ["B", "Hai", "khác", "A"]],
     "dòng 2: các đơn vị A → B → A tạo thành vòng lặp: một đơn vị không thể là cấp trên của chính nó"),
    ([["31/02", "Ngày lạ", "khác", None]],
     'dòng 2: mã "31/02" không hợp lệ: chỉ dùng chữ in hoa không dấu A-Z, chữ số và dấu gạch ngang, ví dụ "31-02"'),
    ([[datetime(2020, 2, 3), "Một ngày", "khác", None]],
     'dòng 2: mã "2020-02-03T00:00:00" không hợp lệ: chỉ dùng chữ in hoa không dấu A-Z, chữ số và dấu gạch ngang, '
     'ví dụ "2020-02-03T00-00-00"'),
    ([["HU-A", "Huyện A", "khác", None, None, None, "31/02"]],
     'dòng 2: cột "Ngừng theo dõi": ghi x để ngừng theo dõi đơn vị, hoặc để trống'),
    ([["HU-A", None, None, None]], 'dòng 2: cột "Tên đơn vị" để trống'),
    ([["HU-A", "Huyện A", "khác", None], ["HU-A", "Huyện A", "khác", None]],
     'dòng 3: mã đơn vị "HU-A" bị trùng (đã dùng ở dòng 2)'),
])
def test_a_bad_row_is_named_by_its_row(tmp_path: Path, rows: list[list[object]], expected: str) -> None:
    header = [*HEADER, "Tên ngắn", "Ngừng theo dõi"]
    path = sheet(tmp_path / "don-vi.xlsx", rows, header)
    assert f"{path}, {expected}" in problems(path)


def test_a_tree_deeper_than_allowed_is_refused(tmp_path: Path) -> None:
    rows = [[f"U{level}", f"Cấp {level}", "khác", f"U{level - 1}" if level else None]
            for level in range(MAX_UNIT_DEPTH + 1)]
    path = sheet(tmp_path / "sau.xlsx", rows)
    assert problems(path) == [f'{path}, dòng {MAX_UNIT_DEPTH + 2}: đơn vị "U{MAX_UNIT_DEPTH}" ở cấp '
                              f"{MAX_UNIT_DEPTH + 1} của cây đơn vị: tối đa {MAX_UNIT_DEPTH} cấp"]


def test_files_that_are_not_unit_sheets_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    not_zip = tmp_path / "a.xlsx"
    not_zip.write_bytes(b"Ma,Ten\nTU,Tinh uy\n")
    other_zip = tmp_path / "b.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    wrong = sheet(tmp_path / "c.xlsx", [["TU", "Tỉnh ủy"]], header=["Code", "Tên"])
    empty = tmp_path / "d.xlsx"
    Workbook().save(empty)
    unreadable = "đây không phải tệp Excel (.xlsx) đọc được"
    assert problems(not_zip) == [f"{not_zip}: {unreadable}"]
    assert problems(other_zip) == [f"{other_zip}: {unreadable}"]
    assert problems(wrong) == [f"{wrong}, dòng 1: dòng đầu phải ghi tên các cột Mã | Tên đơn vị | Loại | Mã cấp trên | "
                               "Tên gọi khác | Tên ngắn | Ngừng theo dõi; còn thiếu: Tên đơn vị, Loại, Mã cấp trên"]
    assert problems(empty) == [f"{empty}: trang tính trống: dòng đầu phải ghi tên các cột Mã | Tên đơn vị | Loại | "
                               "Mã cấp trên | Tên gọi khác | Tên ngắn | Ngừng theo dõi"]
    many = sheet(tmp_path / "e.xlsx", [[f"U{n}", f"Đơn vị {n}", "khác", None] for n in range(6)])
    monkeypatch.setattr(units_sheet, "MAX_ROWS", 5)
    assert problems(many) == [f"{many}, dòng 7: trang tính có hơn 5 dòng"]
    monkeypatch.setattr(units_sheet, "MAX_INFLATED", 1000)  # a zip bomb is refused before it is opened
    assert problems(many) == [f"{many}: tệp Excel giải nén ra hơn 0 MB: quá lớn cho một tệp đơn vị"]


def test_a_refused_sheet_writes_nothing(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("units", "import", UNITS).exit_code == 0
    before = units_table(database_url)
    bad = sheet(tmp_path / "x.xlsx", [["BTC-TU", "Ban Tổ chức mới", "ban đảng", "TU"], ["HU-Z", "Huyện Z", "lạ", "TU"]])
    result = cli("units", "import", str(bad))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f'{bad}, dòng 3: không có loại đơn vị "lạ"')
    assert units_table(database_url) == before


_CELLS = st.one_of(st.none(), st.sampled_from(["TU", "HU-A", "X-1", "hu-a", "khác", "grassroots", "tỉnh ủy", "x",
                                               "31/02", "", " ", "Đơn vị"]),
                   st.integers(-3, 3), st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6))


@hypothesis_settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_CELLS, min_size=0, max_size=8), max_size=8))
def test_any_sheet_gives_units_or_problems_never_a_crash(tmp_path: Path, rows: list[list[object]]) -> None:
    path = tmp_path / "ngau-nhien.xlsx"
    workbook = Workbook()
    workbook.active.append([*HEADER, "Tên ngắn", "Ngừng theo dõi"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    check = read_units_file(path)
    if check.ok:
        codes = [unit.code for unit in check.units]
        assert len(codes) == len(set(codes))
        assert all(unit.parent is None or unit.parent in codes for unit in check.units)
    else:
        assert check.units == () and all(line.startswith(str(path)) for line in check.render(VI))
