"""The supervisor's report: workbook cells and fills against a known state, the CLI, the chart (printing: in
test_report_print.py)."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.i18n import translator
from bot.members import get_or_create_member
from bot.models import AssignmentState
from bot.progress import StatusRules
from bot.reports.chart import FONT, chart_png, ranking
from bot.reports.data import ReportData, gather_report
from bot.reports.textfit import columns_for, wrapped_lines
from bot.reports.workbook import HEADER_ROW, MILESTONE_WIDTH, STATUS_FILLS, build_workbook, workbook_bytes
from bot.settings import PROJECT_ROOT
from bot.status import Status
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import assignment_of, import_sample
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
RULES = StatusRules(tz=VN)
VI = translator("vi")


async def known_state(session_factory, clock) -> ReportData:  # type: ignore[no-untyped-def]
    """M15 (due 31/03/2020, 15 units): one done on time, one done late, one awaiting, twelve still open."""
    async with session_factory() as session:
        await import_sample(session, clock.now())
        lan = await get_or_create_member(session=session, telegram_user_id=1001, chat_id=1001, full_name="Lan",
                                         username=None, now=NOW)
        hung = await get_or_create_member(session=session, telegram_user_id=1002, chat_id=1002, full_name="Hùng",
                                          username=None, now=NOW)
        on_time = await assignment_of(session, "HU-DIENBIEN", "M15")
        on_time.state = AssignmentState.done
        on_time.confirmed_at = datetime(2020, 3, 30, 10, 15, tzinfo=VN)
        on_time.confirmed_by_member_id = lan.id
        late = await assignment_of(session, "HU-TUANGIAO", "M15")
        late.state = AssignmentState.done
        late.confirmed_at = datetime(2020, 4, 6, 8, 0, tzinfo=VN)
        late.confirmed_by_member_id = hung.id
        awaiting = await assignment_of(session, "HU-MUONGCHA", "M15")
        awaiting.state = AssignmentState.reported
        awaiting.reported_at = datetime(2020, 5, 10, 14, 30, tzinfo=VN)
        awaiting.reported_by_member_id = lan.id
        await session.commit()
        root = await get_unit_by_code(session=session, code="TU")
        assert root is not None
        return await gather_report(session=session, root=root, now=NOW, rules=RULES)


def row_of(ws, column: int, value: object) -> int:  # type: ignore[no-untyped-def]
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(row=row, column=column).value == value:
            return row
    raise AssertionError(f"{value!r} not in column {column}")


def argb(cell) -> str | None:  # type: ignore[no-untyped-def]
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


DETAIL_SHEETS = [f"Chi tiết đơn vị ({n})" for n in range(1, 5)]  # 28 milestones: four sheets a page wide each


def detail_sheet_of(wb, code: str):  # type: ignore[no-untyped-def]
    """The detail sheet with this milestone's column, and the column (its head ends "M15 · hạn 31/03/2020")."""
    for ws in wb.worksheets[1:]:
        for column in range(4, ws.max_column + 1):
            if f"\n{code} · " in str(ws.cell(row=HEADER_ROW, column=column).value or ""):
                return ws, column
    raise AssertionError(f"no column for {code}")


async def test_summary_counts_and_rates(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    data = await known_state(session_factory, clock)
    m15 = next(s for s in data.summaries if s.progress.code == "M15")
    assert (m15.progress.total, m15.done_on_time, m15.done_late, m15.awaiting, m15.overdue,
            m15.not_done_in_time) == (15, 1, 1, 1, 12, 13)
    assert m15.progress.is_due and m15.due_ratio == pytest.approx(2 / 15)
    m16 = next(s for s in data.summaries if s.progress.code == "M16")
    assert not m16.progress.is_due and m16.due_ratio is None and m16.overdue == 0
    assert (data.rates.total, data.rates.done, data.rates.due_done) == (232, 2, 2)
    assert data.status_counts()[Status.due_soon] == m16.progress.total

    wb = load_workbook(BytesIO(workbook_bytes(data, VI, VN)))
    assert wb.sheetnames == ["Tổng hợp", *DETAIL_SHEETS]
    ws = wb["Tổng hợp"]
    assert ws["A1"].value == "TỈNH ỦY ĐIỆN BIÊN"
    assert ws["A2"].value == "BÁO CÁO TIẾN ĐỘ THỰC HIỆN CÁC MỐC CÔNG VIỆC"
    assert ws["A3"].value == "Tính đến 09:00 ngày 12 tháng 5 năm 2020"
    assert ws["A4"].value.startswith("Đã hoàn thành 2/232 (1%); trong số việc đã đến hạn: 2/124")
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    headers = [ws.cell(row=HEADER_ROW, column=c).value for c in range(1, 14)]
    assert headers == ["STT", "Nội dung công việc", "Mã", "Thời hạn", "Số đơn vị được giao", "Hoàn thành đúng hạn",
                       "Hoàn thành trễ hạn", "Chờ xác nhận", "Không hoàn thành đúng hạn", "Quá hạn, chưa hoàn thành",
                       "Tỷ lệ hoàn thành", "Tỷ lệ hoàn thành (việc đã đến hạn)", "Đơn vị trễ hạn"]
    row = row_of(ws, 3, "M15")
    assert ws.cell(row=row, column=2).value == "Duyệt báo cáo chính trị và nhân sự của các tổ chức cơ sở đảng"
    values = [ws.cell(row=row, column=c).value for c in range(4, 13)]
    assert values[0].date() == date(2020, 3, 31) and ws.cell(row=row, column=4).number_format == "DD/MM/YYYY"
    assert values[1:] == [15, 1, 1, 1, 13, 12, pytest.approx(2 / 15), pytest.approx(2 / 15)]
    assert ws.cell(row=row, column=11).number_format == "0.0%"
    assert argb(ws.cell(row=row, column=10)) == STATUS_FILLS[Status.overdue]
    assert len(ws.cell(row=row, column=13).value.split(", ")) == 12
    m16_row = row_of(ws, 3, "M16")
    assert ws.cell(row=m16_row, column=12).value == "chưa đến hạn" and ws.cell(row=m16_row, column=10).value == 0
    # None of the 16 units of M06 has done it: "all of them" (the detail sheets name each), not 16 names.
    assert ws.cell(row=row_of(ws, 3, "M06"), column=13).value == "Tất cả 16 đơn vị được giao"
    total_row = row_of(ws, 1, "Tổng cộng")
    assert ws.cell(row=total_row, column=5).value == 232 and ws.cell(row=total_row, column=6).value == 1
    assert ws.cell(row=total_row, column=11).value == pytest.approx(2 / 232)


async def test_matrix_cells_and_fills(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    data = await known_state(session_factory, clock)
    wb = build_workbook(data, VI, VN)
    ws, m15 = detail_sheet_of(wb, "M15")
    assert ws["A2"].value == f"TIẾN ĐỘ THEO ĐƠN VỊ VÀ TỪNG MỐC ({DETAIL_SHEETS.index(ws.title) + 1}/4)"
    assert ws.freeze_panes == f"D{HEADER_ROW + 1}"  # header row and the unit columns stay put
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.page_setup.orientation == "landscape"
    # Names first: the milestone's (short) title, then its code and date; the unit's name, then its code.
    assert ws.cell(row=HEADER_ROW, column=m15).value == ("Duyệt báo cáo chính trị và nhân sự của các tổ chức cơ sở "
                                                         "đảng\nM15 · hạn 31/03/2020")
    assert [ws.cell(row=HEADER_ROW, column=c).value for c in (1, 2, 3)] == ["STT", "Đơn vị", "Mã đơn vị"]

    def at(unit: str, code: str):  # type: ignore[no-untyped-def]
        sheet, column = detail_sheet_of(wb, code)
        return sheet.cell(row=row_of(sheet, 3, unit), column=column)

    on_time = at("HU-DIENBIEN", "M15")
    assert on_time.value == "Hoàn thành đúng hạn\nXác nhận lúc 10:15 30/03/2020 · Lan"
    assert argb(on_time) == STATUS_FILLS[Status.done_on_time] == "FFC6EFCE"
    late = at("HU-TUANGIAO", "M15")
    assert late.value == "Hoàn thành trễ hạn\nXác nhận lúc 08:00 06/04/2020 · Hùng"
    assert argb(late) == STATUS_FILLS[Status.done_late]
    awaiting = at("HU-MUONGCHA", "M15")
    assert awaiting.value == "Chờ xác nhận\nBáo cáo lúc 14:30 10/05/2020 · Lan"
    assert argb(awaiting) == STATUS_FILLS[Status.awaiting]
    overdue = at("HU-MUONGNHE", "M15")
    assert overdue.value == "Quá hạn 42 ngày" and argb(overdue) == STATUS_FILLS[Status.overdue]
    # An open item: its days on one line, its status in the fill (and the legend).
    soon = at("HU-DIENBIEN", "M16")
    assert soon.value == "Còn 3 ngày" and argb(soon) == STATUS_FILLS[Status.due_soon]
    on_track = at("HU-DIENBIEN", "M19")
    assert on_track.value == "Còn 19 ngày" and argb(on_track) == STATUS_FILLS[Status.on_track]
    m01 = at("HU-DIENBIEN", "M01")
    assert m01.value is None and argb(m01) is None  # not assigned
    # The legend, "Chú giải:" across two columns, names every status in its colour.
    assert ws["A5"].value == "Chú giải:" and "A5:B5" in {span.coord for span in ws.merged_cells.ranges}
    legend = {ws.cell(row=5, column=c).value: argb(ws.cell(row=5, column=c)) for c in range(3, 9)}
    assert legend["Hoàn thành đúng hạn"] == STATUS_FILLS[Status.done_on_time]
    assert legend["Quá hạn"] == STATUS_FILLS[Status.overdue] and len(legend) == len(Status)
    # Per-unit completion in the last column.
    last = ws.max_column
    assert ws.cell(row=HEADER_ROW, column=last).value == "Tỷ lệ hoàn thành"
    hu = next((done, total) for u, done, total in data.unit_rates() if u.code == "HU-DIENBIEN")
    assert ws.cell(row=row_of(ws, 3, "HU-DIENBIEN"), column=last).value == pytest.approx(hu[0] / hu[1]) and hu[0] == 1


async def test_column_widths_fit_vietnamese_text(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    data = await known_state(session_factory, clock)
    wb = build_workbook(data, VI, VN)
    summary, matrix = wb["Tổng hợp"], wb[DETAIL_SHEETS[0]]
    width = lambda ws, letter: ws.column_dimensions[letter].width  # noqa: E731
    # Codes never wrap: their column fits the longest; long titles wrap in a wide column.
    assert width(summary, "C") >= max(columns_for(c.value) for c in summary["C"][HEADER_ROW:] if c.value)
    assert 30 <= width(summary, "B") <= 62
    for letter in "EFGHIJKL":  # header words never break mid-word
        words = str(summary[f"{letter}{HEADER_ROW}"].value).split()
        assert width(summary, letter) >= max(columns_for(w, bold=True) for w in words)
    assert width(matrix, "C") >= max(columns_for(c.value) for c in matrix["C"][HEADER_ROW:] if c.value)
    longest_name = max(columns_for(c.value) for c in matrix["B"][HEADER_ROW:] if c.value)
    assert width(matrix, "B") >= min(longest_name, 40)
    # Milestone columns are all alike, as wide as the page allows: an overdue item and a status on one line.
    (milestone_width,) = {width(matrix, c.column_letter) for c in matrix[HEADER_ROW][3:-1]}
    assert milestone_width >= MILESTONE_WIDTH and wrapped_lines("Quá hạn 225 ngày", MILESTONE_WIDTH) == 1
    assert wrapped_lines("Hoàn thành đúng hạn", milestone_width) == 1
    assert all(c.alignment.wrap_text for c in matrix[HEADER_ROW])


def test_cli_report_writes_the_same_workbook(tmp_path: Path, database_url: str) -> None:
    database = ["--database-url", database_url]
    runner = CliRunner()
    plan = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")
    assert runner.invoke(app_(), [*database, "import", plan]).exit_code == 0
    out, chart = tmp_path / "bao-cao.xlsx", tmp_path / "bieu-do.png"
    result = runner.invoke(app_(), [*database, "report", "--unit", "tu", "--out", str(out), "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert "28 mốc, 25 đơn vị" in result.stdout
    wb = load_workbook(out)
    assert wb.sheetnames == ["Tổng hợp", *DETAIL_SHEETS]
    assert wb["Tổng hợp"]["A1"].value == "TỈNH ỦY ĐIỆN BIÊN"
    assert chart.read_bytes().startswith(b"\x89PNG")
    missing = runner.invoke(app_(), [*database, "report", "--unit", "NOPE", "--out", str(out)])
    assert missing.exit_code == 1 and "NOPE" in missing.output


def app_():  # type: ignore[no-untyped-def]
    from bot.cli import app

    return app


VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
              "—“”%")


def test_chart_font_has_the_vietnamese_glyphs() -> None:
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=FONT), fallback_to_default=False)
    assert "DejaVuSans" in Path(path).name
    cmap = TTFont(path).getBestCmap()
    letters = set(VIETNAMESE + VIETNAMESE.upper())
    assert not {ch for ch in letters if ord(ch) not in cmap}


async def test_chart_png(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    data = await known_state(session_factory, clock)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = chart_png(data, VI)
    assert not [w for w in caught if "missing from font" in str(w.message) or "findfont" in str(w.message)]
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and image.width == 1280 and image.height >= 600
    ranked, more = ranking(data)  # the lowest completion first, twenty at most
    assert len(ranked) == 20 and more == len(data.unit_rates()) - 20
    assert [r.ratio for r in ranked] == sorted(r.ratio for r in ranked)
    assert "Huyện ủy Điện Biên" not in [r.label for r in ranked]  # 1 of its 15 items done: not among the worst


async def test_english_reader_gets_an_english_workbook_and_chart(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    data = await known_state(session_factory, clock)
    en = translator("en")
    wb = build_workbook(data, en, VN)
    assert wb.sheetnames == ["Summary", *(f"Matrix ({n})" for n in range(1, 5))]
    assert wb["Summary"]["A3"].value == "As of 09:00, 12 May 2020"
    assert chart_png(data, en).startswith(b"\x89PNG")
