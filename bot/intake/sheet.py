"""A draft plan as an Excel sheet that people edit without YAML, and that sheet read back as a plan.

    data = draft_sheet_bytes(draft, source_name="ke-hoach.docx", index=source.index)   # the .xlsx to edit
    check = read_draft_sheet(data, filename="ke-hoach.xlsx", known=known)             # bot.intake.sheet_read

Sheet "Kế hoạch": the plan's code, title and setting at the top, then one row per milestone under the header

    | Mã | Nội dung | Bắt đầu | Hạn | Chủ trì | Mã đơn vị chủ trì | Phối hợp | Mã đơn vị phối hợp | Lặp lại |
    | Cần xem lại | Trích nguyên văn | Giai đoạn |

"Chủ trì" and "Phối hợp" are the units as the document names them, for comparing; the code columns decide. Dates
are date cells (dd/mm/yyyy); a row keeps its phase's dates when the document gave it none of its own. With
`with_units`, a second sheet "Đơn vị" holds the unit tree (as `nhacviec units export` writes it), for a database
that does not have it yet.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import TYPE_CHECKING

from bot.i18n import N_, translator
from bot.intake.draft import Draft, DraftMilestone, DraftPhase
from bot.intake.sheet_cells import repeat_text, selector_text
from bot.intake.sheet_layout import COLUMNS, DATE_FORMAT, NOTE_LABEL, PLAN_LABELS, SHEET_TITLE, UNITS_SHEET_TITLE
from bot.intake.sheet_read import SheetCheck, read_draft_sheet, read_draft_sheet_file
from bot.intake.units import Resolved, UnitIndex
from bot.intake.wording import vi
from bot.models import UnitKind
from bot.plans.labels import KIND_LABELS
from bot.reports import textfit

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # openpyxl refuses them in a cell

# Column widths, in digits of the workbook's font: two A4 landscape pages wide at about 85 %.
_WIDTHS = {"code": 15, "title": 34, "start": 11, "due": 11, "lead_names": 20, "units": 14, "coordinating_names": 20,
           "coordinating": 14, "repeat": 16, "review": 26, "source": 46, "phase": 18}
CELL_CHARS = 32_000  # a cell holds 32,767
MAX_ROW_POINTS = 409  # the tallest row a spreadsheet allows
_HEADER_FILL, _REVIEW_FILL = "FFD9E1F2", "FFFCE4D6"
# The sheet's instructions; its column titles are the sheet's own (read back by them), not translated.
NOTE = N_('Draft from {source}: {count} milestones. Edit straight in the table: dates as dd/mm/yyyy; unit codes '
          'separated by commas (or "loại: …", "nhóm: …"); the columns "{lead}" and "{coordinating}" give the names '
          'as the document writes them, for comparison only. Once a milestone to review is fixed, clear its '
          '"{review}" cell. Then send this file back to the bot, or run nhacviec import FILE.xlsx.')
CellValue = str | date | None  # what the draft's cells hold


def draft_sheet_bytes(draft: Draft, *, source_name: str, index: UnitIndex, plan_title: str | None = None,
                      with_units: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils.indexed_list import IndexedList
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    # DejaVu Sans 10 as the workbook's default, as the /baocao workbook does: column widths count its digits, and
    # row heights are measured in it (bot.reports.textfit; LibreOffice keeps a stored height and overlaps rows).
    # openpyxl has no API for the default font: its private attributes, not in its stubs.
    workbook._fonts = IndexedList([_font()])  # type: ignore[attr-defined]  # private, see above
    workbook._named_styles["Normal"].font = _font()  # type: ignore[attr-defined]  # private, see above
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = SHEET_TITLE
    _plan_rows(sheet, draft, source_name, plan_title)
    header = len(PLAN_LABELS) + 3  # the plan's rows, the note, a blank row
    _table(sheet, header, draft, index)
    if with_units:
        _units_sheet(workbook.create_sheet(UNITS_SHEET_TITLE), index)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _font(*, bold: bool | None = None, italic: bool | None = None) -> Font:
    from openpyxl.styles import Font

    return Font(name=textfit.FONT_NAME, size=textfit.FONT_SIZE, bold=bold, italic=italic)


def _put(sheet: Worksheet, row: int, column: int, value: CellValue) -> Cell | MergedCell:
    """A cell as written, never a formula; text without the control characters a workbook cannot hold (a .docx
    may carry them), and within a cell's 32,767 characters."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS.sub("", value)[:CELL_CHARS]
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _plan_rows(sheet: Worksheet, draft: Draft, source_name: str, plan_title: str | None) -> None:
    from openpyxl.styles import Alignment

    values = {"code": draft.code, "title": draft.title or plan_title or source_name, "remind_coordinating": "không"}
    for row, (key, label) in enumerate(PLAN_LABELS.items(), start=1):
        cell = _put(sheet, row, 1, label)
        cell.font, cell.alignment = _font(bold=True), Alignment(wrap_text=True, vertical="top")
        cell = _put(sheet, row, 2, values[key])
        cell.font, cell.alignment = _font(bold=key == "title"), Alignment(vertical="top")
        lines = textfit.wrapped_lines(label, _WIDTHS["code"], bold=True)
        sheet.row_dimensions[row].height = textfit.row_points(lines)
    row = len(PLAN_LABELS) + 1
    _put(sheet, row, 1, NOTE_LABEL).font = _font(italic=True)
    text = vi(NOTE, source=source_name, count=len(draft.milestones), lead=COLUMNS["lead_names"],
              coordinating=COLUMNS["coordinating_names"], review=COLUMNS["review"])
    note = _put(sheet, row, 2, text)
    note.alignment = Alignment(wrap_text=True, vertical="top")
    note.font = _font(italic=True)
    # Over the columns of the first printed page (up to "Lặp lại"), so that it prints whole.
    last = list(COLUMNS).index("repeat") + 1
    sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=last)
    lines = textfit.wrapped_lines(text, sum(_WIDTHS[key] for key in list(COLUMNS)[1:last]))
    sheet.row_dimensions[row].height = textfit.row_points(lines)


def _table(sheet: Worksheet, header: int, draft: Draft, index: UnitIndex) -> None:
    from openpyxl.styles import Alignment, Border, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="FF999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    top = Alignment(wrap_text=True, vertical="top")
    # Named once, then given by name: a style object per cell costs seconds for a few thousand rows.
    workbook = sheet.parent
    assert workbook is not None  # a sheet of the workbook being written
    for style in (NamedStyle(name="nhap-o", font=_font(), alignment=top, border=border),
                  NamedStyle(name="nhap-ngay", font=_font(), alignment=top, border=border, number_format=DATE_FORMAT),
                  NamedStyle(name="nhap-xem-lai", font=_font(), alignment=top, border=border,
                             fill=PatternFill("solid", fgColor=_REVIEW_FILL))):
        workbook.add_named_style(style)
    for column, (key, title) in enumerate(COLUMNS.items(), start=1):
        cell = _put(sheet, header, column, title)
        cell.font = _font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = border
        sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS[key]
    sheet.row_dimensions[header].height = textfit.row_points(2)
    phases = {phase.code: phase for phase in draft.phases}
    kinds = _kind_labels()
    for row, milestone in enumerate(draft.milestones, start=header + 1):
        values = _row(milestone, phases.get(milestone.phase or ""), index, kinds)
        lines = 1
        for column, key in enumerate(COLUMNS, start=1):
            value = values.get(key)
            cell = _put(sheet, row, column, value)
            cell.style = "nhap-ngay" if key in ("start", "due") else "nhap-xem-lai" if key == "review" and value \
                else "nhap-o"
            if isinstance(value, str) and value:
                lines = max(lines, textfit.wrapped_lines(value[:2000], _WIDTHS[key]))
        sheet.row_dimensions[row].height = min(MAX_ROW_POINTS, textfit.row_points(lines))
    sheet.freeze_panes = sheet.cell(row=header + 1, column=3).coordinate  # the header row, the code and the task stay
    _print_setup(sheet, header)


def _print_setup(sheet: Worksheet, header: int) -> None:
    """Landscape A4, two pages wide (one would print the twelve columns at half size) with the code and the task
    repeated on each, the header row on every page, pages numbered."""
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 2
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header}:{header}"
    sheet.print_title_cols = "A:B"
    footer = sheet.oddFooter
    assert footer is not None  # a new sheet's footer, empty
    footer.center.text = "Trang &P / &N"
    sheet.page_margins.left = sheet.page_margins.right = textfit.MARGIN_SIDE


def _row(milestone: DraftMilestone, phase: DraftPhase | None, index: UnitIndex,
         kinds: dict[str, str]) -> dict[str, CellValue]:
    """A milestone as the cells of its row; dates it takes from its phase are written out."""
    due: date | None
    start: date | None
    repeat = ""
    if milestone.repeat is not None:
        rule = dict(milestone.repeat)
        if phase is not None:
            rule.setdefault("from", phase.start)
            rule.setdefault("until", phase.end)
        repeat, due, start = repeat_text(rule), None, None
    else:
        due = milestone.due or (phase.end if phase else None)
        start = milestone.start or (phase.start if phase and not milestone.due else None)
    return {
        "code": milestone.code,
        "title": milestone.title,
        "start": start,
        "due": due,
        "lead_names": "; ".join(milestone.lead_names or [r.phrase for r in milestone.units]),
        "units": units_cell(milestone.units, index, kinds),
        "coordinating_names": "; ".join(milestone.coordinating_names or [r.phrase for r in milestone.coordinating]),
        "coordinating": units_cell(milestone.coordinating, index, kinds),
        "repeat": repeat,
        "review": "\n".join(milestone.review),
        "source": milestone.source,
        "phase": phase.title if phase else "",
    }


def units_cell(resolved: list[Resolved], index: UnitIndex, kinds: dict[str, str] | None = None) -> str:
    """Codes, then kinds: "SO-TC, SO-KHCN", "loại: tổ chức cơ sở đảng". A group is written out as its units: the
    sheet does not carry the groups of the file the units came from."""
    kinds = _kind_labels() if kinds is None else kinds
    codes: list[str] = []
    others: list[str] = []
    for item in resolved:
        if isinstance(item.selector, str):
            codes.append(item.selector)
        elif item.selector[0] == "group":
            codes.extend(index.sort_codes(item.codes))
        else:
            key, value = item.selector
            others.append(selector_text(key, value, kinds.get(value)))
    return ", ".join([*dict.fromkeys(codes), *others])


def _kind_labels() -> dict[str, str]:
    t = translator("vi")
    return {kind.value: t(label) for kind, label in KIND_LABELS.items()}


def _units_sheet(sheet: Worksheet, index: UnitIndex) -> None:
    """The unit tree as the units sheet writes it (bot.plans.units_sheet), read back by the same reader."""
    from bot.plans.units_sheet import SheetRow, fill_units_sheet

    rows = [SheetRow(code=unit.code, name=unit.name, kind=UnitKind(unit.kind), parent=unit.parent,
                     aliases=tuple(unit.aliases), short_name=unit.short_name) for unit in index.units]
    fill_units_sheet(sheet, rows, translator("vi"))
    sheet.title = UNITS_SHEET_TITLE


__all__ = ["SheetCheck", "draft_sheet_bytes", "read_draft_sheet", "read_draft_sheet_file"]
