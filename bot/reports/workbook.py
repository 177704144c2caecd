"""The supervisor's Excel report (openpyxl): a summary sheet per milestone, and the unit × milestone detail.

Every sheet opens like an official report: the unit's name, a title, "as of <time> on <date>", then one table
whose header row repeats on every printed page. Every sheet prints landscape A4, one page wide and as many pages
tall as it needs, at a scale it states (never below MIN_SCALE): the summary's long text columns narrow to fit, and
the detail is split into as many sheets as it takes for each to hold the milestone columns one page holds. Rows
are as tall as their wrapped text (bot.reports.textfit measures it: LibreOffice would otherwise draw wrapped rows
over each other). Names first, codes second. Where the report mixes several active plans, the summary has a "Plan"
column and each detail column names its plan; a one-plan report names it in its title. No Telegram here:
`/baocao` and `nhacviec report` both call `workbook_bytes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import N_, Translator
from bot.progress import MilestoneProgress
from bot.render.items import deadline_phrase
from bot.reports import textfit
from bot.reports.data import Cell as ReportCell, ReportData
from bot.reports.textfit import (
    FONT_NAME,
    FONT_SIZE,
    columns_for,
    fit_scale,
    row_points,
    widths_for_scale,
    wrapped_lines,
)
from bot.status import Group, Status

# ARGB fills per status (the chart uses the same colours).
STATUS_FILLS: dict[Status, str] = {
    Status.on_track: "FFDDEBF7",  # blue tint
    Status.due_soon: "FFFFD8A8",  # orange tint
    Status.overdue: "FFFF9F9F",  # red tint
    Status.awaiting: "FFFFF2CC",  # yellow tint
    Status.done_on_time: "FFC6EFCE",  # green
    Status.done_late: "FFD8E4BC",  # olive green
}
HEADER_FILL = "FFD9D9D9"
LEGEND_ROW = 5
HEADER_ROW = 6  # title block above, table from here
FIRST_DATA_ROW = HEADER_ROW + 1
DATE_PATTERN = N_("d MMMM y")  # Vietnamese: "'ngày' d MMMM 'năm' y" -> "ngày 12 tháng 5 năm 2020"

MIN_SCALE = 60  # percent: printed smaller, a page is no longer read
TARGET_SCALE = 64  # what the columns are chosen for; LibreOffice may print a few percent smaller (to spare a nearly
# empty last page), so this stays that far above MIN_SCALE
MILESTONE_WIDTH = 17.0  # a detail column at least: "Quá hạn 225 ngày" on one line
WIDEST_MILESTONE = 26.0  # ... and at most: "Xác nhận lúc 10:15 30/03/2020 · Lan" on one line
TITLE_LINES = 4  # a detail column names its milestone by a title this short
NARROWEST = 22.0  # a long-text column (titles, unit lists) is never narrower than this

THIN = Side(style="thin", color="FF808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
CellValue = str | float | date | None  # what the report writes: text, counts and rates, dates
BODY = Font(name=FONT_NAME, size=FONT_SIZE)
BOLD = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)


def status_text(t: Translator, status: Status) -> str:
    label = t.gettext(status.label)
    return label[:1].upper() + label[1:]


def fill(argb: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=argb, end_color=argb)


def as_of_line(t: Translator, data: ReportData, tz: ZoneInfo) -> str:
    local = data.now.astimezone(tz)
    return t.gettext("As of {time}, {date}").format(time=local.strftime("%H:%M"),
                                                    date=t.date(local.date(), t.gettext(DATE_PATTERN)))


def rates_text(t: Translator, data: ReportData) -> str:
    r = data.rates
    return t.gettext("Completed {done}/{total} ({pct}); of items already due: {due_done}/{due_total} ({due_pct})"
                     ).format(done=r.done, total=r.total, pct=t.percent(r.ratio), due_done=r.due_done,
                              due_total=r.due_total, due_pct=t.percent(r.due_ratio))


def short_title(title: str, width: float = MILESTONE_WIDTH, lines: int = TITLE_LINES) -> str:
    """A milestone's title as a detail column's head shows it: cut at a word to `lines` lines of the column,
    "…" marking the cut."""
    words = title.split()
    shown = " ".join(words)
    while len(words) > 1 and wrapped_lines(shown, width, bold=True) > lines:
        words.pop()
        shown = " ".join(words).rstrip(",;:.-–") + "…"
    return shown


def cell_text(t: Translator, cell: ReportCell, tz: ZoneInfo) -> str:
    """An open item: its days left or late, in one line ("Còn 3 ngày", "Quá hạn 42 ngày": the fill and the legend
    say the status); a reported or finished one: its status, then when reported / confirmed and by whom."""
    _ = t.gettext
    if cell.status.group == Group.not_done:
        days = deadline_phrase(t, cell.days_left)  # as the chat says it (bot/render); the fill says the status
        return "\n".join([days[:1].upper() + days[1:], *_extension_lines(t, cell)])
    lines = [status_text(t, cell.status)]
    if cell.reported_at is not None:
        lines.append(_("Reported {when}").format(when=t.datetime(cell.reported_at, tz))
                     + (f" · {cell.reported_by}" if cell.reported_by else ""))
    if cell.confirmed_at is not None:
        lines.append(_("Confirmed {when}").format(when=t.datetime(cell.confirmed_at, tz))
                     + (f" · {cell.confirmed_by}" if cell.confirmed_by else ""))
    lines += _extension_lines(t, cell)
    if cell.done_on is not None:
        lines.append(_("Done on {date}").format(date=t.short_date(cell.done_on)))
    return "\n".join(lines)


def _extension_lines(t: Translator, cell: ReportCell) -> list[str]:
    """An approved extension's new date, with the original one (kept in the report)."""
    if cell.extended_from is None or cell.due_date is None:
        return []
    return [t.gettext("Extended to {date} (originally due {original})").format(
        date=t.short_date(cell.due_date), original=t.short_date(cell.extended_from))]


def put(ws: Worksheet, row: int, column: int, value: CellValue) -> Cell:
    """Writes one cell. Text from the plan or from users is stored as text: a title typed as "=HYPERLINK(…)"
    shows as typed and never runs (openpyxl makes any string starting with "=" a formula); control characters,
    which Excel cannot store, are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=column, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell  # in BODY, the workbook's default font


def _table_cell(ws: Worksheet, row: int, column: int, value: CellValue, *, bold: bool = False,
                alignment: Alignment = WRAP_TOP) -> Cell:
    cell = put(ws, row, column, value)
    cell.border = BORDER
    cell.alignment = alignment
    if bold:
        cell.font = BOLD
    return cell


def _title_block(ws: Worksheet, t: Translator, data: ReportData, tz: ZoneInfo, title: str,
                 widths: Sequence[float]) -> None:
    """Rows 1–4 across the table's width, wrapped (never past the printed page) and as tall as their text."""
    if data.plan_name:
        title = f"{title} — {data.plan_name}"
    lines = [(data.root.name.upper(), Font(name=FONT_NAME, size=12, bold=True), Alignment(wrap_text=True)),
             (title, Font(name=FONT_NAME, size=14, bold=True), Alignment(horizontal="center", wrap_text=True)),
             (as_of_line(t, data, tz), Font(name=FONT_NAME, size=FONT_SIZE, italic=True),
              Alignment(horizontal="center", wrap_text=True)),
             (rates_text(t, data), BODY, Alignment(wrap_text=True))]
    last = get_column_letter(len(widths))
    for row, (text, font, alignment) in enumerate(lines, start=1):
        cell = put(ws, row, 1, text)
        cell.font, cell.alignment = font, alignment
        if len(widths) > 1:
            ws.merge_cells(f"A{row}:{last}{row}")
        count = wrapped_lines(text, sum(widths), size=font.sz, bold=bool(font.b))
        ws.row_dimensions[row].height = row_points(count, size=font.sz or FONT_SIZE)


def _header(ws: Worksheet, headers: list[str]) -> None:
    for column, text in enumerate(headers, start=1):
        cell = _table_cell(ws, HEADER_ROW, column, text, bold=True, alignment=CENTER)
        cell.fill = fill(HEADER_FILL)


def _fit_rows(ws: Worksheet, widths: Sequence[float], first: int = HEADER_ROW) -> None:
    """Each row from `first` on as tall as its most-wrapped cell (openpyxl sizes nothing; LibreOffice keeps the
    stored height and would draw the wrapped lines over the next row)."""
    for number, row in enumerate(ws.iter_rows(min_row=first, max_col=len(widths)), start=first):
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and cell.value and cell.coordinate not in ws.merged_cells:
                lines = max(lines, wrapped_lines(cell.value, widths[cell.column - 1], bold=bool(cell.font.b)))
        ws.row_dimensions[number].height = row_points(lines)


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = math.ceil(width * 100) / 100  # never narrower


def _header_width(text: str, floor: float = 5.0) -> float:
    """A header wraps between words, never inside one: the column holds its longest word, in bold."""
    return max([floor, *(columns_for(word, bold=True) for word in text.split())])


def _longest(values: Sequence[object], floor: float = 5.0) -> float:
    return max([floor, *(columns_for(str(v)) for v in values if v is not None)])


def _share(fixed: float, wanted: list[float]) -> list[float]:
    """Widths for the long-text columns: as wide as their text, narrowed alike (never below NARROWEST) until the
    whole table prints at TARGET_SCALE or larger."""
    room = widths_for_scale(TARGET_SCALE) - fixed
    if sum(wanted) <= room:
        return wanted
    shrink = max(0.0, room) / sum(wanted)
    return [max(min(w, NARROWEST), w * shrink) for w in wanted]


def _print_setup(ws: Worksheet, widths: Sequence[float]) -> None:
    """Landscape A4, fit to one page wide and as many tall as needed; the header row on every page; numbered
    pages. The scale that fitting gives is also stored (what a program that does not fit would use)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.scale = fit_scale(list(widths))
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=textfit.MARGIN_SIDE, right=textfit.MARGIN_SIDE, top=textfit.MARGIN_TOP,
                                  bottom=textfit.MARGIN_BOTTOM, header=textfit.MARGIN_HEADER,
                                  footer=textfit.MARGIN_HEADER)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    footer = ws.oddFooter
    assert footer is not None  # every sheet has one
    footer.center.text = "&P/&N"
    footer.center.size = 8


def late_units_text(t: Translator, progress: MilestoneProgress) -> str:
    """The late units by name; "all N units assigned" when none of several is done (the detail sheets name
    them): sixteen names in every such row made the summary pages long."""
    late = progress.late_units
    if len(late) == progress.total >= 3:
        return t.gettext("All {n} units assigned").format(n=len(late))
    return ", ".join(late)


def summary_sheet(ws: Worksheet, t: Translator, data: ReportData, tz: ZoneInfo) -> None:
    _ = t.gettext
    mixed = bool(data.plans)
    o = 1 if mixed else 0  # the "Plan" column, after "No.", shifts the others right
    headers = [_("No."), *([_("Plan")] if mixed else []), _("Milestone"), _("Code"), _("Due date"),
               _("Units assigned"), _("Done on time"), _("Done late"), _("Awaiting acceptance"),
               _("Not done in time"), _("Overdue (still open)"), _("Completion rate"),
               _("Completion rate of due items"), _("Late units")]
    ws.title = _("Summary")[:31]
    rows: list[list[CellValue]] = []
    for number, s in enumerate(data.summaries, start=1):
        p = s.progress
        rows.append([number, *([data.plan_of(p)] if mixed else []), p.title, p.code, p.due_date, p.total,
                     s.done_on_time, s.done_late, s.awaiting, s.not_done_in_time, s.overdue, p.ratio,
                     s.due_ratio if s.due_ratio is not None else _("not due yet"), late_units_text(t, p)])
    totals: list[CellValue] = [
        _("Total"), *([""] if mixed else []), "", "", "", sum(s.progress.total for s in data.summaries),
        sum(s.done_on_time for s in data.summaries), sum(s.done_late for s in data.summaries),
        sum(s.awaiting for s in data.summaries), sum(s.not_done_in_time for s in data.summaries),
        sum(s.overdue for s in data.summaries), data.rates.ratio, data.rates.due_ratio, ""]
    # 0-based: the title, code, due date, the counts and rates, the late units ("o": after the "Plan" column)
    title, code, due, counts, due_rate, late = 1 + o, 2 + o, 3 + o, range(4 + o, 12 + o), 11 + o, 12 + o
    widths = [_header_width(h) for h in headers]
    widths[0] = max(widths[0], _longest([len(rows)]))
    if mixed:  # plan labels are short ("190-KH/TU"); a long one wraps
        widths[1] = max(widths[1], min(_longest([r[1] for r in rows]), 14.0))
    widths[code] = max(widths[code], _longest([r[code] for r in rows]))  # codes do not wrap
    widths[due] = max(widths[due], columns_for("00/00/0000"))
    for column in counts:
        widths[column] = max(widths[column], columns_for("100,0%"))
    widths[due_rate] = max(widths[due_rate], columns_for(_("not due yet")))  # one line: most rows are one line
    wanted = [max(NARROWEST, min(60.0, _longest([r[title] for r in rows]))),
              max(NARROWEST, min(70.0, _longest([r[late] for r in rows])))]
    fixed = sum(w for c, w in enumerate(widths) if c not in (title, late))
    widths[title], widths[late] = _share(fixed, wanted)

    _title_block(ws, t, data, tz, _("PROGRESS REPORT ON THE PLAN'S MILESTONES"), widths)
    _header(ws, headers)
    row = FIRST_DATA_ROW
    for values in rows:
        for column, value in enumerate(values, start=1):
            _table_cell(ws, row, column, value)
        ws.cell(row=row, column=4 + o).number_format = "DD/MM/YYYY"
        for column in (11 + o, 12 + o):
            ws.cell(row=row, column=column).number_format = "0.0%"
        if values[9 + o]:  # still open after the deadline
            ws.cell(row=row, column=10 + o).fill = fill(STATUS_FILLS[Status.overdue])
        row += 1
    for column, value in enumerate(totals, start=1):
        _table_cell(ws, row, column, value, bold=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=title + 1)  # "Total" over No. and title
    for column in (11 + o, 12 + o):
        ws.cell(row=row, column=column).number_format = "0.0%"
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1).coordinate
    _widths(ws, widths)
    _fit_rows(ws, widths)
    _print_setup(ws, widths)


def milestone_header(t: Translator, data: ReportData, milestone: MilestoneProgress,
                     width: float = MILESTONE_WIDTH) -> str:
    """A detail column's head: its plan (where plans are mixed: two may both have an M01), a short title, then
    the code and the due date."""
    plan = data.plan_of(milestone)
    return ((f"{plan}\n" if plan else "") + short_title(milestone.title, width) + "\n"
            + f"{milestone.code} · " + t.gettext("due {date}").format(date=t.short_date(milestone.due_date)))


def detail_parts(milestones: list[MilestoneProgress], fixed: float) -> list[list[MilestoneProgress]]:
    """The milestones cut into runs of (nearly) equal length, each at most the columns one page holds beside the
    unit columns at TARGET_SCALE (one run when they all fit; one empty run when there are none)."""
    per_page = max(1, math.floor((widths_for_scale(TARGET_SCALE) - fixed) / MILESTONE_WIDTH))
    parts = max(1, math.ceil(len(milestones) / per_page))
    size, longer = divmod(len(milestones), parts)  # the first `longer` runs take one more
    starts = [i * size + min(i, longer) for i in range(parts + 1)]
    return [milestones[starts[i]:starts[i + 1]] for i in range(parts)]


def milestone_width(parts: list[list[MilestoneProgress]], fixed: float) -> float:
    """The detail columns share what the page holds at TARGET_SCALE beside the unit columns: wider columns wrap
    less, and rows that wrap less fill fewer pages."""
    most = max(len(part) for part in parts)
    room = (widths_for_scale(TARGET_SCALE) - fixed) / most if most else MILESTONE_WIDTH
    return max(MILESTONE_WIDTH, min(WIDEST_MILESTONE, room))


def _unit_widths(t: Translator, data: ReportData) -> list[float]:
    """No., unit (names wrap past 40), unit code (never wraps), and the completion rate at the end."""
    _ = t.gettext
    names = [("  " * unit.depth) + unit.name for unit in data.units]
    return [max(_header_width(_("No.")), _longest([len(data.units)])),
            max(_header_width(_("Unit")), min(40.0, _longest(names))),
            max(_header_width(_("Unit code")), _longest([unit.code for unit in data.units])),
            max(_header_width(_("Completion rate")), columns_for("100,0%"))]


def detail_sheet(ws: Worksheet, t: Translator, data: ReportData, tz: ZoneInfo, milestones: list[MilestoneProgress],
                 part: tuple[int, int], width: float) -> None:
    """One run of milestones, `width` wide each, for every unit of the subtree."""
    _ = t.gettext
    number_w, name_w, code_w, rate_w = _unit_widths(t, data)
    headers = [_("No."), _("Unit"), _("Unit code"), *(milestone_header(t, data, m, width) for m in milestones),
               _("Completion rate")]
    widths = [number_w, name_w, code_w, *([width] * len(milestones)), rate_w]
    # The legend's statuses sit one per column from the third on; a table with fewer columns gets more.
    widths += [width] * max(0, len(Status) - (len(widths) - 2))
    title = _("PROGRESS BY UNIT AND MILESTONE") + (" ({}/{})".format(*part) if part[1] > 1 else "")
    _title_block(ws, t, data, tz, title, widths)
    legend_text = _("Legend:")
    legend = put(ws, LEGEND_ROW, 1, legend_text)
    legend.font, legend.alignment = BOLD, Alignment(vertical="center")
    ws.merge_cells(start_row=LEGEND_ROW, start_column=1, end_row=LEGEND_ROW, end_column=2)
    legend_lines = wrapped_lines(legend_text, widths[0] + widths[1], bold=True)
    for offset, status in enumerate(Status):
        text = status_text(t, status)
        cell = put(ws, LEGEND_ROW, 3 + offset, text)
        cell.fill = fill(STATUS_FILLS[status])
        cell.alignment = CENTER
        cell.border = BORDER
        legend_lines = max(legend_lines, wrapped_lines(text, widths[2 + offset]))
    ws.row_dimensions[LEGEND_ROW].height = row_points(legend_lines)
    _header(ws, headers)
    rates = {u.unit_id: (done, total) for u, done, total in data.unit_rates()}
    row = FIRST_DATA_ROW
    for number, unit in enumerate(data.units, start=1):
        unit_cells: list[CellValue] = [number, ("  " * unit.depth) + unit.name, unit.code]
        for column, value in enumerate(unit_cells, start=1):
            _table_cell(ws, row, column, value)
        for offset, milestone in enumerate(milestones):
            found = data.cells.get((unit.unit_id, milestone.milestone_id))
            cell = _table_cell(ws, row, 4 + offset, None if found is None else cell_text(t, found, tz))
            if found is not None:
                cell.fill = fill(STATUS_FILLS[found.status])
        done, total = rates.get(unit.unit_id, (0, 0))
        _table_cell(ws, row, 4 + len(milestones), done / total if total else 0.0).number_format = "0.0%"
        row += 1
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=4).coordinate  # header row and the unit columns stay
    _widths(ws, widths)
    _fit_rows(ws, widths)
    _print_setup(ws, widths)


def _default_font(workbook: Workbook) -> None:
    """DejaVu Sans 10 as the workbook's own default: column widths count its digits, as textfit measures them.
    (openpyxl has no public setter: its first font is the default, and the Normal style names it.)"""
    workbook._fonts = IndexedList([BODY])  # type: ignore[attr-defined]
    workbook._named_styles["Normal"].font = BODY  # type: ignore[attr-defined]


def build_workbook(data: ReportData, t: Translator, tz: ZoneInfo) -> Workbook:
    workbook = Workbook()
    _default_font(workbook)
    summary = workbook.active
    assert isinstance(summary, Worksheet)  # a new workbook's one sheet
    summary_sheet(summary, t, data, tz)
    fixed = sum(_unit_widths(t, data))
    parts = detail_parts(data.milestones, fixed)
    width = milestone_width(parts, fixed)
    name = t.gettext("Matrix")
    for number, milestones in enumerate(parts, start=1):
        title = name[:31] if len(parts) == 1 else f"{name[:25]} ({number})"
        detail_sheet(workbook.create_sheet(title), t, data, tz, milestones, (number, len(parts)), width)
    workbook.properties.title = t.gettext("PROGRESS REPORT ON THE PLAN'S MILESTONES")
    workbook.properties.creator = "nhacviec"
    return workbook


def workbook_bytes(data: ReportData, t: Translator, tz: ZoneInfo) -> bytes:
    buffer = BytesIO()
    build_workbook(data, t, tz).save(buffer)
    return buffer.getvalue()


def report_filename(data: ReportData, tz: ZoneInfo) -> str:
    plan = f"{data.plan.code.lower()}-" if data.plan is not None else ""
    return f"bao-cao-{data.root.code.lower()}-{plan}{data.now.astimezone(tz):%Y%m%d}.xlsx"
