"""The draft as an Excel sheet: written with real date cells and Vietnamese column titles, read back (edited as
people edit: dates typed as text, codes as "A, B", unit names, a rule in words) into the plan it shows; a bad
cell is named by row and column and nothing comes out; a sheet LibreOffice saved reads back the same."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.i18n import translator
from bot.intake.draft import Draft, DraftMilestone, DraftPhase
from bot.intake.render import render_draft
from bot.intake.sheet import draft_sheet_bytes, read_draft_sheet
from bot.intake.sources import from_plan_file
from bot.intake.units import Resolved
from bot.plans.validate import check_plan_text, read_plan
from bot.settings import PROJECT_ROOT
from tests.bot.intake_documents import zip_of

SAMPLE = PROJECT_ROOT / "plans" / "dien-bien-2019.yaml"
SOURCE = from_plan_file(SAMPLE)
KNOWN = read_plan(SAMPLE).plan.units  # type: ignore[union-attr]
VI = translator("vi")
HEADER_ROW = 6  # the plan's three rows, the note, a blank row
HUYEN = next(group.codes for group in SOURCE.index.groups if group.code == "HUYEN")  # ten district committees


def unit(code: str, phrase: str) -> Resolved:
    return Resolved(code, frozenset({code}), phrase)


def draft() -> Draft:
    phase = DraftPhase("2.2", "2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019", date(2019, 10, 1), date(2019, 12, 31))
    grassroots = Resolved(("kind", "grassroots"), frozenset({"DUX-THANHXUONG"}), "các tổ chức cơ sở đảng")
    return Draft(title="Kế hoạch thử", code="KH-12-KH-TU", phases=[phase], milestones=[
        DraftMilestone("KH-12-KH-TU-M01", "Báo cáo kết quả rà soát quy hoạch cán bộ", "Ban Tổ chức Tỉnh ủy chủ trì, "
                       "phối hợp với Văn phòng Tỉnh ủy báo cáo xong trước 31/8/2019.", due=date(2019, 8, 31),
                       units=[unit("BTC-TU", "Ban Tổ chức Tỉnh ủy")], lead_names=["Ban Tổ chức Tỉnh ủy"],
                       coordinating=[unit("VP-TU", "Văn phòng Tỉnh ủy")], coordinating_names=["Văn phòng Tỉnh ủy"]),
        DraftMilestone("KH-12-KH-TU-M02", "Chỉ đạo đại hội chi bộ", "Các tổ chức cơ sở đảng tổ chức đại hội chi bộ.",
                       phase="2.2", units=[grassroots],
                       coordinating=[Resolved(("group", "HUYEN"), HUYEN, "các huyện")]),
        DraftMilestone("KH-12-KH-TU-M03", "Báo cáo tháng", "Trước ngày 20 hằng tháng, Văn phòng Tỉnh ủy báo cáo.",
                       units=[unit("VP-TU", "Văn phòng Tỉnh ủy")], repeat={"every": "month", "day": 20,
                                                                          "from": date(2019, 10, 1)}),
        DraftMilestone("KH-12-KH-TU-M04", "(chưa có tiêu đề)",
                       "Cấp ủy các cấp tổ chức học tập xong trong tháng 9/2019.",
                       due=date(2019, 9, 30), lead_names=["Cấp ủy các cấp"],
                       review=['không nhận ra đơn vị "Cấp ủy các cấp" trong cây đơn vị: ghi mã đơn vị chủ trì',
                               "câu có nhắc: Tỉnh ủy (TU), các đảng bộ trực thuộc (nhóm DBTT)"]),
    ])


def sheet_bytes(**kwargs: object) -> bytes:
    return draft_sheet_bytes(draft(), source_name="ke-hoach.docx", index=SOURCE.index, **kwargs)  # type: ignore[arg-type]


def edited(data: bytes, cells: dict[tuple[str, str], object]) -> bytes:
    """The sheet with cells changed, found by milestone code and column title, as a person edits it."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Kế hoạch"]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW]}
    rows = {sheet.cell(row, 1).value: row for row in range(HEADER_ROW + 1, sheet.max_row + 1)}
    for (code, title), value in cells.items():
        sheet.cell(rows[code], columns[title]).value = value
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def reviewed(data: bytes) -> bytes:
    """The reviewer's edit of M04: a lead unit written in, the review note cleared."""
    return edited(data, {("KH-12-KH-TU-M04", "Mã đơn vị chủ trì"): "TU", ("KH-12-KH-TU-M04", "Cần xem lại"): None,
                         ("KH-12-KH-TU-M04", "Nội dung"): "Tổ chức học tập"})


def test_the_sheet_shows_each_milestone_under_vietnamese_column_titles_with_real_dates() -> None:
    sheet = load_workbook(io.BytesIO(sheet_bytes()))["Kế hoạch"]
    assert [sheet.cell(row, 1).value for row in range(1, 4)] == ["Mã kế hoạch", "Tên kế hoạch",
                                                                  "Nhắc cả đơn vị phối hợp"]
    assert [sheet.cell(row, 2).value for row in range(1, 4)] == ["KH-12-KH-TU", "Kế hoạch thử", "không"]
    assert [cell.value for cell in sheet[HEADER_ROW]] == [
        "Mã", "Nội dung", "Bắt đầu", "Hạn", "Chủ trì", "Mã đơn vị chủ trì", "Phối hợp", "Mã đơn vị phối hợp",
        "Lặp lại", "Cần xem lại", "Trích nguyên văn", "Giai đoạn"]
    m01, m02, m03, m04 = ([cell.value for cell in sheet[row]] for row in range(HEADER_ROW + 1, HEADER_ROW + 5))
    assert m01[:8] == ["KH-12-KH-TU-M01", "Báo cáo kết quả rà soát quy hoạch cán bộ", None, datetime(2019, 8, 31),
                       "Ban Tổ chức Tỉnh ủy", "BTC-TU", "Văn phòng Tỉnh ủy", "VP-TU"]
    assert sheet.cell(HEADER_ROW + 1, 4).number_format == "DD/MM/YYYY"
    # Without dates of its own, a milestone shows its phase's; a group is written out as its units.
    assert m02[2:4] == [datetime(2019, 10, 1), datetime(2019, 12, 31)]
    assert m02[5] == "loại: tổ chức cơ sở đảng" and m02[7].startswith("TPU-DIENBIENPHU, TXU-MUONGLAY, HU-DIENBIEN, ")
    assert m02[11] == "2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019"
    assert m03[3] is None and m03[8] == "hằng tháng; ngày 20; từ 01/10/2019"
    # The review notes, one a line, as the draft wrote them (of units, not of a plan file's keys).
    assert m04[9] == ('không nhận ra đơn vị "Cấp ủy các cấp" trong cây đơn vị: ghi mã đơn vị chủ trì\n'
                      'câu có nhắc: Tỉnh ủy (TU), các đảng bộ trực thuộc (nhóm DBTT)')
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}" and sheet.page_setup.orientation == "landscape"


def test_a_reviewed_sheet_reads_back_as_the_plan_it_shows() -> None:
    check = read_draft_sheet(reviewed(sheet_bytes()), filename="ke-hoach.xlsx", known=KNOWN)
    assert check.render(VI) == [] and check.plan is not None
    assert (check.plan.code, check.plan.title, check.plan.remind_coordinating) == ("KH-12-KH-TU", "Kế hoạch thử",
                                                                                   False)
    m01, m02, m03, m04 = check.plan.milestones
    assert (m01.due, m01.start, m01.units, m01.coordinating) == (date(2019, 8, 31), None, ("BTC-TU",), ("VP-TU",))
    assert (m02.start, m02.due) == (date(2019, 10, 1), date(2019, 12, 31))
    assert m02.units == ("DUX-THANHXUONG", "DUX-NOONGLUONG", "DUX-THANHAN")  # every grassroots unit
    assert m02.phase == "2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019"
    assert len(m02.coordinating) == 10 and m02.coordinating[:2] == ("TPU-DIENBIENPHU", "TXU-MUONGLAY")
    assert m03.repeat is not None and (m03.repeat.every, m03.repeat.day, m03.repeat.start) == ("month", 20,
                                                                                             date(2019, 10, 1))
    assert (m04.title, m04.units, m04.source) == ("Tổ chức học tập", ("TU",),
                                                  "Cấp ủy các cấp tổ chức học tập xong trong tháng 9/2019.")
    # What a draft kept for 📥 holds: the same plan, as a plan file.
    again = check_plan_text(check.plan_text or "", filename="kh.yaml", known=KNOWN)
    assert again.plan is not None and again.plan.milestones == check.plan.milestones


def test_the_sheet_and_the_yaml_draft_import_the_same_plan() -> None:
    """Whichever the admin edits, an unedited draft is the same plan: importing one after the other changes nothing."""
    fixed = draft()
    fixed.milestones[3].units, fixed.milestones[3].review = [unit("TU", "Tỉnh ủy")], []
    yaml_plan = check_plan_text(render_draft(fixed, units_yaml=SOURCE.units_yaml, source_name="ke-hoach.docx"),
                                filename="kh.yaml").plan
    sheet = draft_sheet_bytes(fixed, source_name="ke-hoach.docx", index=SOURCE.index, with_units=True)
    sheet_plan = read_draft_sheet(sheet, filename="kh.xlsx").plan  # its units from the sheet "Đơn vị"
    assert yaml_plan is not None and sheet_plan is not None
    assert [m.code for m in sheet_plan.milestones] == [m.code for m in yaml_plan.milestones]
    for mine, theirs in zip(sheet_plan.milestones, yaml_plan.milestones, strict=True):
        assert mine == theirs, mine.code
    assert {u.code for u in sheet_plan.units} == {u.code for u in yaml_plan.units}


def test_cells_typed_as_people_type_them() -> None:
    data = edited(reviewed(sheet_bytes()), {
        ("KH-12-KH-TU-M01", "Hạn"): "15/9/2019",  # text, not a date cell
        ("KH-12-KH-TU-M01", "Bắt đầu"): "1.9.2019",
        ("KH-12-KH-TU-M01", "Mã đơn vị chủ trì"): "btc-tu; Văn phòng Tỉnh ủy",  # lower case, and a unit's name
        ("KH-12-KH-TU-M01", "Mã đơn vị phối hợp"): "UBKT-TU,  BTG-TU",
        ("KH-12-KH-TU-M02", "Hạn"): datetime(2019, 11, 30),
        ("KH-12-KH-TU-M02", "Mã đơn vị chủ trì"): "loại: tổ chức cơ sở đảng + under: HU-DIENBIEN",
        ("KH-12-KH-TU-M03", "Lặp lại"): "hằng quý, ngày 5; tháng thứ 4 của kỳ; từ 01/01/2020",
        ("KH-12-KH-TU-M04", "Lặp lại"): "hằng năm; các ngày 15/6, 15/12; từ 01/01/2020",
        ("KH-12-KH-TU-M04", "Hạn"): None,
    })
    check = read_draft_sheet(edited(data, {("KH-12-KH-TU-M01", "Mã"): "kh-12-kh-tu-m01"}), filename="kh.xlsx",
                             known=KNOWN)
    assert check.render(VI) == [] and check.plan is not None
    m01, m02, m03, m04 = check.plan.milestones
    assert (m01.code, m01.start, m01.due) == ("KH-12-KH-TU-M01", date(2019, 9, 1), date(2019, 9, 15))
    assert (m01.units, m01.coordinating) == (("BTC-TU", "VP-TU"), ("BTG-TU", "UBKT-TU"))
    assert (m02.due, m02.units) == (date(2019, 11, 30), ("DUX-THANHXUONG", "DUX-NOONGLUONG", "DUX-THANHAN"))
    assert m03.repeat is not None and (m03.repeat.every, m03.repeat.day, m03.repeat.month) == ("quarter", 5, 4)
    assert m04.repeat is not None and (m04.repeat.every, m04.repeat.dates) == ("half_year", ((15, 6), (15, 12)))


def test_a_bad_cell_is_named_by_row_and_column_and_nothing_comes_out() -> None:
    data = edited(sheet_bytes(), {
        ("KH-12-KH-TU-M01", "Hạn"): "31/9/2019",
        ("KH-12-KH-TU-M01", "Mã đơn vị phối hợp"): "VP-TU, SO-KHCN",
        ("KH-12-KH-TU-M02", "Nội dung"): None,
        ("KH-12-KH-TU-M02", "Mã đơn vị chủ trì"): "Sở Khoa học",
        ("KH-12-KH-TU-M03", "Lặp lại"): "hằng tháng; vào ngày rằm",
        ("KH-12-KH-TU-M04", "Lặp lại"): "hằng quý",
        ("KH-12-KH-TU-M04", "Hạn"): None,
    })
    check = read_draft_sheet(data, filename="kh.xlsx", known=KNOWN)
    assert check.plan is None and check.plan_text is None
    assert check.render(VI) == [
        'kh.xlsx, dòng 7, cột "Hạn": ngày "31/9/2019" không tồn tại (tháng 9 năm 2019 có 30 ngày)',
        'kh.xlsx, dòng 7, cột "Mã đơn vị phối hợp": không có đơn vị mã "SO-KHCN"',
        'kh.xlsx, dòng 8: cột "Nội dung" để trống',
        'kh.xlsx, dòng 8, cột "Mã đơn vị chủ trì": không có đơn vị nào có mã hoặc tên "Sở Khoa học"',
        'kh.xlsx, dòng 9, cột "Lặp lại": không hiểu cách lặp lại "vào ngày rằm": ghi ví dụ "hằng tháng; ngày 20; từ '
        '01/01/2026", hoặc "hằng năm; các ngày 15/6, 15/12"',
        'kh.xlsx, dòng 10, cột "Lặp lại": hãy ghi ngày: "ngày 20", "ngày cuối tháng" hoặc "ngày làm việc cuối tháng"',
        'kh.xlsx, dòng 10, cột "Cần xem lại": cần xem lại: không nhận ra đơn vị "Cấp ủy các cấp" trong cây đơn vị: '
        'ghi mã đơn vị chủ trì câu có nhắc: Tỉnh ủy (TU), các đảng bộ trực thuộc (nhóm DBTT) (sửa dòng này xong thì '
        'xóa ô này)',
    ]


def test_the_plan_rows_and_a_missing_column() -> None:
    workbook = load_workbook(io.BytesIO(reviewed(sheet_bytes())))
    sheet = workbook["Kế hoạch"]
    sheet["B1"], sheet["B3"] = None, "chắc chắn"
    sheet.delete_cols(4)  # "Hạn"
    output = io.BytesIO()
    workbook.save(output)
    assert read_draft_sheet(output.getvalue(), filename="kh.xlsx", known=KNOWN).render(VI) == [
        'kh.xlsx, dòng 1: cột "Mã kế hoạch" để trống',
        'kh.xlsx, dòng 3, cột "Nhắc cả đơn vị phối hợp": hãy ghi "có" hoặc "không"',
        'kh.xlsx, dòng 6: dòng tên cột phải có các cột Mã | Nội dung | Hạn | Mã đơn vị chủ trì; còn thiếu: Hạn',
        'kh.xlsx, dòng 7, cột "Hạn": mốc "KH-12-KH-TU-M01" chưa có hạn: ghi hạn vào ô này, hoặc ghi cách lặp lại ở cột '
        '"Lặp lại"',
        'kh.xlsx, dòng 8, cột "Hạn": mốc "KH-12-KH-TU-M02" chưa có hạn: ghi hạn vào ô này, hoặc ghi cách lặp lại ở cột '
        '"Lặp lại"',
        'kh.xlsx, dòng 10, cột "Hạn": mốc "KH-12-KH-TU-M04" chưa có hạn: ghi hạn vào ô này, hoặc ghi cách lặp lại '
        'ở cột "Lặp lại"',
    ]


def test_what_is_not_a_draft_sheet_is_refused_politely() -> None:
    from bot.models import UnitKind
    from bot.plans.units_sheet import SheetRow, units_sheet_bytes

    units = units_sheet_bytes([SheetRow("TU", "Tỉnh ủy", UnitKind.province_committee, None)], VI)
    assert read_draft_sheet(units, filename="don-vi.xlsx").render(VI) == [
        "don-vi.xlsx: trang tính này không phải bản nháp kế hoạch: không dòng nào ghi tên các cột Mã | Nội dung | "
        "Hạn | Mã đơn vị chủ trì"]
    assert read_draft_sheet(b"PK\x03\x04 broken", filename="x.xlsx").render(VI) == [
        "x.xlsx: đây không phải tệp Excel (.xlsx) đọc được"]
    bomb = zip_of({"xl/worksheets/sheet1.xml": b"<a/>" + b" " * (70 * 1024 * 1024)})
    assert read_draft_sheet(bomb, filename="bom.xlsx").render(VI) == [
        "bom.xlsx: bảng tính giải nén ra hơn 64 MB: quá lớn cho một kế hoạch"]


def test_control_characters_of_a_document_do_not_break_the_sheet() -> None:
    """A .docx may carry a vertical tab or a form feed; a workbook cell refuses them."""
    broken = draft()
    broken.milestones[0].source = "Ban Tổ chức\x0b Tỉnh ủy\x0c báo cáo."
    broken.milestones[0].title = "=SUM(A1)"  # text, never a formula
    sheet = load_workbook(io.BytesIO(draft_sheet_bytes(broken, source_name="x.docx", index=SOURCE.index)))["Kế hoạch"]
    assert sheet.cell(HEADER_ROW + 1, 11).value == "Ban Tổ chức Tỉnh ủy báo cáo."
    assert sheet.cell(HEADER_ROW + 1, 2).value == "=SUM(A1)" and sheet.cell(HEADER_ROW + 1, 2).data_type == "s"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_sheet_libreoffice_saved_reads_back_the_same(tmp_path: Path) -> None:
    """LibreOffice writes its own flavour of .xlsx (its styles, shared strings, dates as numbers with a format)."""
    original = tmp_path / "in" / "ke-hoach.xlsx"
    original.parent.mkdir()
    original.write_bytes(reviewed(sheet_bytes(with_units=True)))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(original)],
                   check=True, capture_output=True, timeout=300)
    saved = (tmp_path / "out" / "ke-hoach.xlsx").read_bytes()
    assert saved != original.read_bytes()
    mine = read_draft_sheet(original.read_bytes(), filename="a.xlsx")
    theirs = read_draft_sheet(saved, filename="b.xlsx")
    assert theirs.render(VI) == [] and theirs.plan is not None and mine.plan is not None
    assert theirs.plan.milestones == mine.plan.milestones and theirs.plan.units == mine.plan.units
