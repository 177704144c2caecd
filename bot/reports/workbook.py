"""The supervisor's Excel report (openpyxl): a summary sheet per milestone, and a unit × milestone matrix.

Both sheets open like an official report: the unit's name, a title, "as of <time> on <date>", then one table
with a frozen header row, printed landscape, one page wide. Where the report mixes several active plans, the
summary has a "Plan" column and each matrix column names its plan; a one-plan report names it in its title. No
Telegram here: `/baocao` and `nhacviec report` both call `workbook_bytes`.
"""

from __future__ import annotations

from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import N_, Translator
from bot.reports.data import Cell, ReportData
from bot.status import Status

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
HEADER_ROW = 6  # title block above, table from here
FIRST_DATA_ROW = HEADER_ROW + 1
DATE_PATTERN = N_("d MMMM y")  # Vietnamese: "'ngày' d MMMM 'năm' y" -> "ngày 12 tháng 5 năm 2020"

THIN = Side(style="thin", color="FF808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


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


def cell_text(t: Translator, cell: Cell, tz: ZoneInfo) -> str:
    """Status, then the dates that matter: when reported / confirmed and by whom, or the days left or late."""
    _ = t.gettext
    lines = [status_text(t, cell.status)]
    if cell.status == Status.overdue:  # "Quá hạn 42 ngày" says it all
        late = t.ngettext("{n} day late", "{n} days late", -cell.days_left).format(n=-cell.days_left)
        return late[:1].upper() + late[1:]
    if cell.reported_at is not None:
        lines.append(_("Reported {when}").format(when=t.datetime(cell.reported_at, tz))
                     + (f" · {cell.reported_by}" if cell.reported_by else ""))
    if cell.confirmed_at is not None:
        lines.append(_("Confirmed {when}").format(when=t.datetime(cell.confirmed_at, tz))
                     + (f" · {cell.confirmed_by}" if cell.confirmed_by else ""))
    if cell.status in (Status.on_track, Status.due_soon):
        if cell.days_left == 0:
            lines.append(_("due today"))
        else:
            lines.append(t.ngettext("{n} day left", "{n} days left", cell.days_left).format(n=cell.days_left))
    return "\n".join(lines)


def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Writes one cell. Text from the plan or from users is stored as text: a title typed as "=HYPERLINK(…)"
    shows as typed and never runs (openpyxl makes any string starting with "=" a formula); control characters,
    which Excel cannot store, are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=column, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def _title_block(ws: Worksheet, t: Translator, data: ReportData, tz: ZoneInfo, title: str, width: int) -> None:
    last = get_column_letter(width)
    put(ws, 1, 1, data.root.name.upper()).font = Font(bold=True, size=12)
    if data.plan_name:
        title = f"{title} — {data.plan_name}"
    put(ws, 2, 1, title).font = Font(bold=True, size=14)
    put(ws, 3, 1, as_of_line(t, data, tz)).font = Font(italic=True)
    put(ws, 4, 1, rates_text(t, data))
    for row in (2, 3):
        ws.merge_cells(f"A{row}:{last}{row}")
        ws[f"A{row}"].alignment = Alignment(horizontal="center")
    ws.row_dimensions[2].height = 22


def _header(ws: Worksheet, headers: list[str]) -> None:
    for column, text in enumerate(headers, start=1):
        cell = put(ws, HEADER_ROW, column, text)
        cell.font = Font(bold=True)
        cell.fill = fill(HEADER_FILL)
        cell.alignment = CENTER
        cell.border = BORDER
    longest = max(max((len(line) for line in h.split("\n")), default=0) for h in headers)
    lines = max(h.count("\n") + 1 for h in headers)
    ws.row_dimensions[HEADER_ROW].height = max(30, 15 * (lines + (1 if longest > 14 else 0)))


def _print_setup(ws: Worksheet, *, one_page_wide: bool = True, title_columns: str | None = None) -> None:
    """Landscape A4, the header row on every page; a wide matrix spans pages, its unit columns repeated."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if one_page_wide:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    if title_columns:
        ws.print_title_cols = title_columns


def text_width(text: str, *, cap: int = 60, floor: int = 6) -> int:
    """A column width (in characters) that fits the longest line; Vietnamese diacritics stack, not widen."""
    longest = max((len(line) for line in str(text).split("\n")), default=0)
    return max(floor, min(cap, round(longest * 1.1) + 2))


def _fit_columns(ws: Worksheet, caps: dict[int, int], *, floor: int = 6) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        for cell in row:
            if cell.value is not None:
                # Numbers and dates show formatted ("13,3%", "31/03/2020"), not as their repr.
                text = cell.value if isinstance(cell.value, str) else "0" * 10
                cap = caps.get(cell.column, 40)
                widths[cell.column] = max(widths.get(cell.column, floor), text_width(text, cap=cap, floor=floor))
    for column in range(1, ws.max_column + 1):
        header = ws.cell(row=HEADER_ROW, column=column).value or ""
        words = max((len(word) for word in str(header).split()), default=0)  # headers wrap, words do not
        ws.column_dimensions[get_column_letter(column)].width = max(widths.get(column, floor), words + 3)


def summary_sheet(ws: Worksheet, t: Translator, data: ReportData, tz: ZoneInfo) -> None:
    _ = t.gettext
    mixed = bool(data.plans)
    o = 1 if mixed else 0  # the "Plan" column, after "No.", shifts the others right
    headers = [_("No."), *([_("Plan")] if mixed else []), _("Code"), _("Milestone"), _("Due date"),
               _("Units assigned"), _("Done on time"), _("Done late"), _("Awaiting acceptance"),
               _("Not done in time"), _("Overdue (still open)"), _("Completion rate"),
               _("Completion rate of due items"), _("Late units")]
    ws.title = _("Summary")[:31]
    _title_block(ws, t, data, tz, _("PROGRESS REPORT ON THE PLAN'S MILESTONES"), len(headers))
    _header(ws, headers)
    row = FIRST_DATA_ROW
    for number, s in enumerate(data.summaries, start=1):
        p = s.progress
        values = [number, *([data.plan_of(p)] if mixed else []), p.code, p.title, p.due_date, p.total,
                  s.done_on_time, s.done_late, s.awaiting, s.not_done_in_time, s.overdue, p.ratio,
                  s.due_ratio if s.due_ratio is not None else _("not due yet"), ", ".join(p.late_units)]
        for column, value in enumerate(values, start=1):
            cell = put(ws, row, column, value)
            cell.border = BORDER
            cell.alignment = WRAP_TOP
        ws.cell(row=row, column=4 + o).number_format = "DD/MM/YYYY"
        for column in (11 + o, 12 + o):
            ws.cell(row=row, column=column).number_format = "0.0%"
        if s.overdue:
            ws.cell(row=row, column=10 + o).fill = fill(STATUS_FILLS[Status.overdue])
        row += 1
    totals = [_("Total"), *([""] if mixed else []), "", "", "", sum(s.progress.total for s in data.summaries),
              sum(s.done_on_time for s in data.summaries), sum(s.done_late for s in data.summaries),
              sum(s.awaiting for s in data.summaries), sum(s.not_done_in_time for s in data.summaries),
              sum(s.overdue for s in data.summaries), data.rates.ratio, data.rates.due_ratio, ""]
    for column, value in enumerate(totals, start=1):
        cell = put(ws, row, column, value)
        cell.font = Font(bold=True)
        cell.border = BORDER
    for column in (11 + o, 12 + o):
        ws.cell(row=row, column=column).number_format = "0.0%"
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    _fit_columns(ws, {3 + o: 60, 13 + o: 50})
    ws.column_dimensions[get_column_letter(4 + o)].width = 12
    _print_setup(ws)


def matrix_sheet(ws: Worksheet, t: Translator, data: ReportData, tz: ZoneInfo) -> None:
    _ = t.gettext
    milestones = data.milestones
    headers = [_("No."), _("Unit code"), _("Unit")]
    # Where plans are mixed, each milestone column names its plan first (two plans may both have an M01).
    headers += [(f"{data.plan_of(m)}\n" if data.plan_of(m) else "") + f"{m.code}\n"
                + _("due {date}").format(date=t.short_date(m.due_date)) for m in milestones]
    headers.append(_("Completion rate"))
    _title_block(ws, t, data, tz, _("PROGRESS BY UNIT AND MILESTONE"), len(headers))
    # Legend on the rates line's right: one coloured cell per status.
    put(ws, 5, 1, _("Legend:"))
    for offset, status in enumerate(Status):
        legend = put(ws, 5, 2 + offset, status_text(t, status))
        legend.fill = fill(STATUS_FILLS[status])
        legend.alignment = CENTER
    _header(ws, headers)
    rates = {u.unit_id: (done, total) for u, done, total in data.unit_rates()}
    row = FIRST_DATA_ROW
    for number, unit in enumerate(data.units, start=1):
        for column, value in enumerate([number, unit.code, ("  " * unit.depth) + unit.name], start=1):
            cell = put(ws, row, column, value)
            cell.border = BORDER
            cell.alignment = WRAP_TOP
        for offset, milestone in enumerate(milestones):
            found = data.cells.get((unit.unit_id, milestone.milestone_id))
            cell = put(ws, row, 4 + offset, None if found is None else cell_text(t, found, tz))
            cell.border = BORDER
            if found is None:
                continue
            cell.fill = fill(STATUS_FILLS[found.status])
            cell.alignment = WRAP_TOP
        done, total = rates.get(unit.unit_id, (0, 0))
        ratio = put(ws, row, 4 + len(milestones), done / total if total else 0.0)
        ratio.number_format = "0.0%"
        ratio.border = BORDER
        row += 1
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=4)  # header row and the unit columns stay
    _fit_columns(ws, {3: 45})
    for offset in range(len(milestones)):  # status cells: at least "hạn 31/03/2020" wide
        letter = get_column_letter(4 + offset)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, 16)
    ws.column_dimensions["A"].width = 6
    _print_setup(ws, one_page_wide=False, title_columns="A:C")


def build_workbook(data: ReportData, t: Translator, tz: ZoneInfo) -> Workbook:
    workbook = Workbook()
    summary_sheet(workbook.active, t, data, tz)
    matrix_sheet(workbook.create_sheet(t.gettext("Matrix")[:31]), t, data, tz)
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
