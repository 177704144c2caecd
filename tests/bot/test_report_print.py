"""The /baocao workbook on paper: LibreOffice prints the province's report of the sample plan on a few landscape
A4 pages (it printed 31, 61 elsewhere), one page wide at 60 % or more, with no text drawn over other text, every
page under the table's header row; and without LibreOffice, every sheet's page setup and row heights."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import pypdf
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import translator
from bot.reports.textfit import FONT_SIZE, column_points, row_points, text_points, wrapped_lines
from bot.reports.workbook import HEADER_ROW, LEGEND_ROW, MIN_SCALE, build_workbook, workbook_bytes
from tests.bot.report_samples import report_of
from tests.bot.test_report_workbook import known_state
from tests.conftest import VN

VI = translator("vi")
OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MAX_PAGES = 6


def check_page_setup(ws: Worksheet) -> None:
    """Landscape A4, one page wide and free in height, the header row repeated, at a stated scale >= 60 %."""
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9), ws.title
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
    assert setup.scale is not None and MIN_SCALE <= setup.scale <= 100, (ws.title, setup.scale)
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}", ws.title


def check_rows_fit(ws: Worksheet) -> None:
    """Every row from the legend down is at least as tall as the lines its most-wrapped cell needs; every cell with
    text wraps (a header cut to one line was "Không hoàn thành đúng hạn" shown as "Không hoàn")."""
    width = {column: dimension.width for column, dimension in ws.column_dimensions.items()}
    merged = {cell for span in ws.merged_cells.ranges for row in ws[span.coord] for cell in row}
    for row in ws.iter_rows(min_row=LEGEND_ROW):
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value or cell in merged:
                continue
            assert cell.alignment.wrap_text, cell.coordinate
            lines = wrapped_lines(cell.value, width[cell.column_letter], bold=bool(cell.font.b))
            assert ws.row_dimensions[cell.row].height >= row_points(lines), (ws.title, cell.coordinate, cell.value)


class Run(NamedTuple):
    """A piece of text on a PDF page: its box in points (from the font's metrics: the PDF embeds DejaVu Sans, the
    font the workbook names) and its printed size."""

    text: str
    left: float
    bottom: float
    right: float
    top: float
    size: float


def text_runs(page: pypdf.PageObject) -> list[Run]:
    runs = []

    def visit(text, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        if not text.strip():
            return
        scale = abs(tm[0] * cm[0]) or 1.0
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        points = size * scale
        bold = "Bold" in str((font or {}).get("/BaseFont", ""))
        runs.append(Run(text.strip(), x, y, x + text_points(text.strip(), size=points, bold=bold), y + 0.72 * points,
                        round(points, 2)))

    page.extract_text(visitor_text=visit)
    return runs


def overlapping(runs: list[Run]) -> list[tuple[str, str]]:
    """Pairs of texts drawn over each other (LibreOffice drew wrapped lines over the next row's)."""
    slack = 0.5  # points: neighbours that touch do not overlap
    return [(a.text, b.text) for i, a in enumerate(runs) for b in runs[i + 1:]
            if a.left < b.right - slack and b.left < a.right - slack
            and a.bottom < b.top - slack and b.bottom < a.top - slack]


def to_pdf(content: bytes, folder: Path) -> Path:
    source = folder / "bao-cao.xlsx"
    source.write_bytes(content)
    profile = folder / "lo-profile"  # a private profile: parallel runs do not fight over ~/.config
    result = subprocess.run([OFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",  # type: ignore[list-item]
                             "--outdir", str(folder), str(source)], capture_output=True, timeout=900)
    pdf = folder / "bao-cao.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr.decode(errors="replace")
    return pdf


@pytest.mark.skipif(OFFICE is None, reason="LibreOffice (libreoffice/soffice) is not installed")
async def test_the_provinces_report_prints_on_a_few_legible_pages(session_factory, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The sample plan imported, the report of the root unit TU (what `nhacviec report --unit TU` writes) in the
    # middle of the plan, with a few items done, late and awaiting (their cells hold several lines).
    data = await known_state(session_factory, clock)
    content = workbook_bytes(data, VI, VN)
    workbook = load_workbook(BytesIO(content))
    for ws in workbook:
        check_page_setup(ws)
        check_rows_fit(ws)

    reader = pypdf.PdfReader(to_pdf(content, tmp_path))
    assert 1 <= len(reader.pages) <= MAX_PAGES
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        assert page.mediabox.width > page.mediabox.height  # landscape
        runs = text_runs(page)
        # What the page really prints at: the body text's size, 10 pt in the workbook.
        body = Counter(r.size for r in runs).most_common(1)[0][0]
        assert body >= FONT_SIZE * MIN_SCALE / 100, (number, body)
        assert "STT" in {r.text for r in runs}, number  # the header row is on every page
        assert not overlapping(runs), (number, overlapping(runs)[:5])
        texts.append(page.extract_text())
    text = " ".join(" ".join(texts).split())  # a wrapped cell's lines joined again
    # Vietnamese as typed (the glyphs are in the embedded font), the legend spelled right, and the detail sheets
    # name their milestones by title.
    assert "BÁO CÁO TIẾN ĐỘ THỰC HIỆN CÁC MỐC CÔNG VIỆC" in text and "TỈNH ỦY ĐIỆN BIÊN" in text
    assert text.count("Chú giải:") == len(workbook.worksheets) - 1
    assert "Hội nghị cán bộ cấp tỉnh" in text and "Huyện ủy Mường Nhé" in text and "Hoàn thành đúng hạn" in text


def test_the_detail_is_split_into_sheets_a_page_wide() -> None:
    """28 milestones × 25 units: no sheet prints below 60 %; every milestone is in exactly one detail sheet, in the
    plan's order, named by its title; the unit's name comes before its code."""
    data = report_of(28, 25)
    workbook = build_workbook(data, VI, VN)
    summary, *details = workbook.worksheets
    assert len(details) > 1 and [ws.title for ws in details] == [f"Chi tiết đơn vị ({n})" for n in
                                                                   range(1, len(details) + 1)]
    heads = [str(ws.cell(row=HEADER_ROW, column=c).value) for ws in details for c in range(4, ws.max_column)]
    assert [head.split("\n")[-1].split(" · ")[0] for head in heads] == [f"M{m:02d}" for m in range(1, 29)]
    assert all(head.startswith("Hội nghị cán bộ cấp tỉnh") for head in heads)
    for ws in [summary, *details]:
        check_page_setup(ws)
        check_rows_fit(ws)
    first = details[0]
    assert [first.cell(row=HEADER_ROW, column=c).value for c in (1, 2, 3)] == ["STT", "Đơn vị", "Mã đơn vị"]
    assert first.cell(row=HEADER_ROW + 1, column=2).value == "  Huyện ủy Mường Nhé 1"
    assert first.cell(row=LEGEND_ROW, column=1).value == "Chú giải:"  # across two columns: never cut
    assert "A5:B5" in {span.coord for span in first.merged_cells.ranges}
    legend = column_points(first.column_dimensions["A"].width + first.column_dimensions["B"].width)
    assert text_points("Chú giải:", bold=True) < legend


@pytest.mark.parametrize(("milestones", "units", "names"), [(80, 60, 6), (3, 2, 1), (0, 0, 1)])
def test_long_names_and_many_columns_never_print_below_60_percent(milestones: int, units: int, names: int) -> None:
    long = " ".join(["Đảng ủy cơ quan Ủy ban Mặt trận Tổ quốc"] * names)
    workbook = build_workbook(report_of(milestones, units, unit_name=long, title="Rà soát " * 30,
                                        root_name="Ban Chấp hành Đảng bộ " * names), VI, VN)
    for ws in workbook:
        check_page_setup(ws)
        check_rows_fit(ws)
    heads = [str(ws.cell(row=HEADER_ROW, column=c).value) for ws in workbook.worksheets[1:]
             for c in range(4, ws.max_column + 1)]
    assert len([head for head in heads if " · hạn " in head]) == milestones  # every milestone has its column
