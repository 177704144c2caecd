"""Where a problem of a draft sheet is, and what it says, in the sheet's words: row and column, not YAML keys.

A sheet is checked as the plan file it stands for (bot.intake.sheet_read), with each cell as a "line":
`row * CELL + column` (column 0: the whole row); the rows of its sheet "Đơn vị" from UNITS_BASE on. The plan
check's messages that tell how to fix a plan file ('add "units:"') are said here as how to fix the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.i18n import N_, Translator
from bot.intake.sheet_layout import COLUMNS, PLAN_LABELS, UNITS_SHEET_TITLE
from bot.plans.problems import Message, Problem
from bot.plans.units_sheet import COLUMNS as UNIT_COLUMNS

CELL = 100  # more columns than a sheet is read for (bot.intake.sheet_read.MAX_COLUMNS)
UNITS_BASE = 10**8  # past the last row of the plan's sheet, times CELL


def cell_line(row: int, column: int = 0) -> int:
    return row * CELL + column


def units_line(row: int) -> int:
    return UNITS_BASE + row * CELL


# The plan check's advice for a plan file -> the same advice for the sheet, and the column it is about.
_REWRITES: dict[str, tuple[str, str | None]] = {
    'field "{field}" is missing': (N_('column "{column}" is empty'), None),
    'field "{field}" is empty': (N_('column "{column}" is empty'), None),
    'milestone "{code}" is assigned to no unit: add "units:"': (
        N_('milestone "{code}" has no lead unit: write unit codes here'), "units"),
    'milestone "{code}" has no due date: write "due:", or put it in a phase that has an "end:"': (
        N_('milestone "{code}" has no due date: write it here, or a rule in "Lặp lại"'), "due"),
    'a repeating milestone takes its dates from "repeat:": remove "{key}:"': (
        N_('a repeating milestone takes its dates from the column "Lặp lại": clear this cell'), None),
    'repeating milestone "{code}" needs "from:" in "repeat:" (the first due date it may have), or a phase with a '
    '"start:"': (N_('repeating milestone "{code}" needs its first date: add "từ dd/mm/yyyy" here'),
                 "repeat"),
    '"repeat:" needs "every:" ({periods}) and "day:", or "dates:"': (N_(
        'write how often ("hằng tháng", "hằng quý", "6 tháng một lần", "hằng năm") and the day ("ngày 20"), or the '
        'days ("các ngày 15/6, 15/12")'), None),
    '"repeat:" needs "day:": a day from 1 to 31, "last" or "last_working"': (N_(
        'write the day: "ngày 20", "ngày cuối tháng" or "ngày làm việc cuối tháng"'), None),
    'section "{key}" is missing': (N_('the units are not in the database yet: import them first (nhacviec units '
                                      'import), or keep the sheet "{sheet}" the draft came with'), None),
}


@dataclass
class SheetPlaces:
    """What the rows and columns of one sheet are called, as found when it was read."""

    header_row: int = 0
    columns: dict[int, str] = field(default_factory=dict)  # column number -> key (bot.intake.sheet_layout.COLUMNS)
    plan_rows: dict[int, str] = field(default_factory=dict)  # row above the table -> key (PLAN_LABELS)

    def column_title(self, row: int, column: int) -> str | None:
        if row < self.header_row or not self.header_row:
            key = self.plan_rows.get(row)
            return PLAN_LABELS[key] if key and column == 2 else None
        key = self.columns.get(column)
        return COLUMNS.get(key) if key else None

    def field_title(self, row: int, name: str) -> str:
        if row < self.header_row or not self.header_row:
            return PLAN_LABELS.get(name, name)
        return COLUMNS.get(name, name)


def render_problem(problem: Problem, filename: str, t: Translator, places: SheetPlaces) -> str:
    line = problem.line or 0
    in_units = line >= UNITS_BASE
    row, column = divmod(line - UNITS_BASE if in_units else line, CELL)
    titles = UNIT_COLUMNS if in_units else None
    parts: list[Message] = []
    named: str | None = None if in_units else places.column_title(row, column)
    for part in problem.parts:
        params = dict(part.params)
        if "field" in params:
            name = str(params["field"])
            params["field"] = params["column"] = (titles.get(name, name) if titles is not None
                                                  else places.field_title(row, name))
        if "first_line" in params and isinstance(params["first_line"], int):
            params["first_line"] = divmod(params["first_line"] % UNITS_BASE, CELL)[0]
        msgid, about = _REWRITES.get(part.msgid, (part.msgid, None))
        if about is not None:
            named = named or COLUMNS[about]
            params.setdefault("column", COLUMNS[about])
        if "{sheet}" in msgid:
            params["sheet"] = UNITS_SHEET_TITLE
        parts.append(Message(msgid, params))
    text = "".join(_render(part, t) for part in parts)
    if problem.warning:
        text = t(N_("warning: {text}")).format(text=text)
    where = _where(filename, row, named, in_units, t)
    return f"{where}: {text}" if where else text


def _render(part: Message, t: Translator) -> str:
    if not part.params:
        return t(part.msgid)
    return t(part.msgid).format(**{key: value.render(t) if isinstance(value, Message) else value
                                    for key, value in part.params.items()})


def _where(filename: str, row: int, column: str | None, in_units: bool, t: Translator) -> str:
    """'ke-hoach.xlsx, dòng 7, cột "Hạn"' (without a file name: 'dòng 7, cột "Hạn"')."""
    if not row:
        return filename
    if in_units:
        place = t(N_('sheet "{sheet}", row {row}')).format(sheet=UNITS_SHEET_TITLE, row=row)
    elif column:
        place = t(N_('row {row}, column "{column}"')).format(row=row, column=column)
    else:
        place = t(N_("row {row}")).format(row=row)
    return f"{filename}, {place}" if filename else place
