"""A draft sheet read back (edited in Excel or LibreOffice): its cells become the plan file they stand for, and
that is checked as a plan file is.

    check = read_draft_sheet(data, filename="ke-hoach.xlsx", known=known)
    check.plan        # the Plan to import, or None while any cell is wrong (nothing is imported)
    check.render(t)   # 'ke-hoach.xlsx, dòng 7, cột "Hạn": …' for every problem
    check.plan_text   # the plan file (YAML) the sheet stands for: what a draft waiting for 📥 keeps

Cells are read as typed: a date cell or "31/8/2025" as text, "SO-TC, SO-KHCN" or unit names in a list of units,
"có"/"không" for the setting. Each cell is a "line" of that plan file (bot.intake.sheet_problems), so the plan
check's problems name their row and column.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.i18n import N_, Translator
from bot.intake.sheet_cells import UnitToken, cell_text, date_cell, parse_repeat, plain, unit_tokens
from bot.intake.sheet_layout import COLUMNS, PLAN_LABELS, REQUIRED, SHEET_TITLE, UNITS_SHEET_TITLE
from bot.intake.sheet_problems import SheetPlaces, cell_line, render_problem, units_line
from bot.plans.fields import CODE_PATTERN
from bot.plans.limits import MAX_PLAN_BYTES
from bot.plans.loader import LineList, LineMap
from bot.plans.plan import PlanUnit
from bot.plans.problems import Problem, error
from bot.plans.units_sheet import parse_kind_cell, read_units_rows
from bot.plans.validate import PlanCheck, check_plan_data

MAX_ROWS = 20_000  # milestones of one plan: a national plan has a few hundred
MAX_COLUMNS = 40
MAX_INFLATED = 64 * 1024 * 1024
_YES = {"có", "co", "x", "yes", "true", "1", "đúng"}
_NO = {"không", "khong", "no", "false", "0", ""}
_NOT_A_WORKBOOK = N_("this is not an Excel workbook (.xlsx) that can be read")


@dataclass
class SheetCheck(PlanCheck):
    places: SheetPlaces = field(default_factory=SheetPlaces)
    document: LineMap | None = None  # the plan file's data, once it is valid

    @property
    def plan_text(self) -> str | None:
        """The plan file (YAML) the sheet stands for: what a draft waiting for 📥 keeps. Written when asked for."""
        return plan_file_text(self.document) if self.plan is not None and self.document is not None else None

    def render(self, t: Translator, *, with_file: bool = True) -> list[str]:
        """Each problem with its row and column (and the file's name, unless `with_file` is False)."""
        filename = self.filename if with_file else ""
        return [render_problem(problem, filename, t, self.places) for problem in self.problems]


def read_draft_sheet(data: bytes, *, filename: str, known: Sequence[PlanUnit] = ()) -> SheetCheck:
    refused = _refuse(data)
    if refused is not None:
        return SheetCheck(filename, problems=[refused])
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (BadZipFile, a missing part, broken XML ...: one answer for all of them)
        return SheetCheck(filename, problems=[error(None, _NOT_A_WORKBOOK)])
    reader = _Reader(known)
    try:
        sheets = {plain(sheet.title): sheet for sheet in workbook.worksheets}
        plan_sheet = sheets.get(plain(SHEET_TITLE)) or (workbook.worksheets[0] if workbook.worksheets else None)
        if plan_sheet is None:
            return SheetCheck(filename, problems=[error(None, N_("the workbook has no sheet"))])
        units_sheet = sheets.get(plain(UNITS_SHEET_TITLE))
        document = reader.read(plan_sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True),
                               units_sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
                               if units_sheet is not None and units_sheet is not plan_sheet else None)
    except Exception:  # noqa: BLE001 (a broken sheet part surfaces only while its rows are read)
        return SheetCheck(filename, problems=[error(None, _NOT_A_WORKBOOK)])
    finally:
        workbook.close()
    if document is None:
        return SheetCheck(filename, problems=reader.problems, places=reader.places)
    check = check_plan_data(document, filename=filename, known=known, problems=list(reader.problems))
    # One problem per cell: what the plan check says of a cell the reader could not read adds nothing.
    unread = {problem.line for problem in reader.problems if problem.line}
    ours = {id(problem) for problem in reader.problems}
    problems = [problem for problem in check.problems if id(problem) in ours or problem.line not in unread]
    return SheetCheck(check.filename, plan=check.plan, problems=problems, places=reader.places,
                      document=document if check.plan is not None else None)


def read_draft_sheet_file(path: Path, *, known: Sequence[PlanUnit] = ()) -> SheetCheck:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)  # never more: the file may be huge
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return SheetCheck(str(path), problems=[error(None, N_("file not found"))])
    return read_draft_sheet(data, filename=str(path), known=known)


def _refuse(data: bytes) -> Problem | None:
    if len(data) > MAX_PLAN_BYTES:
        return error(None, N_("the file is larger than {max_size} MB, too large for a plan file"),
                     max_size=MAX_PLAN_BYTES // (1024 * 1024))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return error(None, _NOT_A_WORKBOOK)
    if inflated > MAX_INFLATED:  # checked before anything is inflated: a zip bomb stops here
        return error(None, N_("the workbook unpacks to more than {max_size} MB: too large for a plan"),
                     max_size=MAX_INFLATED // (1024 * 1024))
    return None


def plan_file_text(document: LineMap) -> str:
    """The plan file a sheet stands for (checked by the same rules when it is imported later)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: a plan of thousands of rows in a blink
    return yaml.dump(_plain_data(document), Dumper=dumper, allow_unicode=True, sort_keys=False, width=120)


def _plain_data(value: object) -> object:
    if isinstance(value, dict):
        return {key: _plain_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_data(item) for item in value]
    return value


class _Reader:
    def __init__(self, known: Sequence[PlanUnit]) -> None:
        self.problems: list[Problem] = []
        self.places = SheetPlaces()
        self.header: dict[str, int] = {}  # key -> column number (1-based)
        self.phases: dict[str, str] = {}  # phase title -> its code in the plan file
        self.names: dict[str, str] = {}  # a unit's name (plain) -> its code, for names typed as units
        for unit in known:
            self._name(unit.code, unit.name, unit.short_name, *unit.aliases)

    def _name(self, code: str, *names: object) -> None:
        for name in names:
            if isinstance(name, str) and name.strip():
                self.names.setdefault(plain(name), code)

    def read(self, rows: Iterable[tuple[object, ...]],
             unit_rows: Iterable[tuple[object, ...]] | None) -> LineMap | None:
        document = LineMap(0)  # a whole section missing (the units) is said of the file, not of a row
        plan = LineMap(cell_line(1))
        milestones = LineList(0)
        if unit_rows is not None:
            units = self._units(unit_rows)
            if units is not None:
                document["units"], document.key_lines["units"] = units, units.line
        for number, row in enumerate(rows, start=1):
            if not self.header:
                self._above_table(row, number, plan)
                continue
            if number > self.places.header_row + MAX_ROWS:
                self.problems.append(error(cell_line(number), N_("the sheet has more than {max_rows} rows"),
                                           max_rows=MAX_ROWS))
                return None
            cells = {key: row[column - 1] if column <= len(row) else None for key, column in self.header.items()}
            if not any(cell_text(value) for value in cells.values()):
                continue
            milestones.append(self._milestone(cells, number))
            milestones.lines.append(cell_line(number))
        if not self.header:
            self.problems.append(error(None, N_(
                "this sheet is not a draft plan: no row names the columns {columns}"),
                columns=" | ".join(COLUMNS[key] for key in REQUIRED)))
            return None
        document.update(plan=plan, milestones=milestones)
        document.key_lines.update(plan=plan.line, milestones=milestones.line)
        if self.phases:
            document["phases"] = phases = LineList(milestones.line)
            for title, code in self.phases.items():
                phase = LineMap(milestones.line)
                phase.update(code=code, title=title)
                phases.append(phase)
                phases.lines.append(milestones.line)
        return document

    def _above_table(self, row: tuple[object, ...], number: int, plan: LineMap) -> None:
        """A row above the table: the header row itself, or "Mã kế hoạch | KH-…" and the like."""
        titles = {plain(title): key for key, title in COLUMNS.items()}
        found = {titles[plain(text)]: column for column, value in enumerate(row, start=1)
                 if (text := cell_text(value)) and plain(text) in titles}
        if "code" in found and len(found) >= 3:
            missing = [COLUMNS[key] for key in REQUIRED if key not in found]
            if missing:
                self.problems.append(error(cell_line(number), N_(
                    "the header row must name the columns {columns}; missing: {missing}"),
                    columns=" | ".join(COLUMNS[key] for key in REQUIRED), missing=", ".join(missing)))
            self.header = found
            self.places.header_row = number
            self.places.columns = {column: key for key, column in found.items()}
            return
        labels = {plain(label): key for key, label in PLAN_LABELS.items()}
        key = labels.get(plain(cell_text(row[0]) or "")) if row else None
        if key is None:
            return
        self.places.plan_rows[number] = key
        value = cell_text(row[1]) if len(row) > 1 else None
        if key == "remind_coordinating":
            value = self._yes_no(value, number)
        if value is not None:
            plan[key] = value.upper() if key == "code" else value
            plan.key_lines[key] = cell_line(number, 2)

    def _yes_no(self, value: str | None, number: int) -> str | None:
        word = plain(value or "")
        if word in _YES or word in _NO:
            return "true" if word in _YES else "false"
        self.problems.append(error(cell_line(number, 2), N_('write "có" or "không"')))
        return None

    def _milestone(self, cells: dict[str, object], number: int) -> LineMap:
        item = LineMap(cell_line(number))

        def put(key: str, value: object) -> None:
            if value is not None:
                item[key] = value
                item.key_lines[key] = cell_line(number, self.header[key])

        code = cell_text(cells.get("code"))
        put("code", code.upper() if code else None)
        put("title", cell_text(cells.get("title")))
        put("start", date_cell(cells.get("start")))
        put("due", date_cell(cells.get("due")))
        for key in ("units", "coordinating"):
            if key in self.header:
                put(key, self._units_list(cell_text(cells.get(key)), cell_line(number, self.header[key])))
        repeat = cell_text(cells.get("repeat"))
        if repeat:
            put("repeat", self._repeat(repeat, cell_line(number, self.header["repeat"])))
        put("source", cell_text(cells.get("source")))
        phase = cell_text(cells.get("phase"))
        if phase:
            put("phase", self.phases.setdefault(phase, f"GD{len(self.phases) + 1}"))
        note = cell_text(cells.get("review"))
        if note:
            self.problems.append(error(cell_line(number, self.header["review"]), N_(
                "marked for review: {note} (fix the row, then clear this cell)"), note=" ".join(note.split())))
        return item

    def _units_list(self, text: str | None, line: int) -> LineList | None:
        tokens = unit_tokens(text)
        if not tokens:
            return None
        listed = LineList(line)
        for token in tokens:
            value = self._selector(token, line)
            if value is not None:
                listed.append(value)
                listed.lines.append(line)
        return listed

    def _selector(self, token: UnitToken, line: int) -> str | LineMap | None:
        if token.bad_key is not None:
            self.problems.append(error(line, N_(
                '"{key}" is not a way of choosing units: write unit codes separated by commas, or "loại: …", '
                '"nhóm: …"'), key=token.bad_key))
            return None
        if token.code is not None:
            code = token.code.upper()
            if CODE_PATTERN.fullmatch(code):
                return code
            named = self.names.get(plain(token.code))
            if named is None:
                self.problems.append(error(line, N_('no unit has the code or the name "{value}"'), value=token.code))
            return named
        selector = LineMap(line)
        for key, value in token.keys.items():
            kind = parse_kind_cell(value) if key == "kind" else None
            selector[key] = kind.value if kind is not None else (value if key == "kind" else value.upper())
            selector.key_lines[key] = line
        return selector

    def _repeat(self, text: str, line: int) -> LineMap:
        rule, unknown = parse_repeat(text)
        for part in unknown:
            self.problems.append(error(line, N_(
                'cannot read "{part}" as a repetition: write e.g. "hằng tháng; ngày 20; từ 01/01/2026", or '
                '"hằng năm; các ngày 15/6, 15/12"'), part=part))
        item = LineMap(line)
        for key, value in rule.items():
            if isinstance(value, list):
                listed = LineList(line)
                listed.extend(value)
                listed.lines.extend(line for _ in value)
                value = listed
            item[key] = value
            item.key_lines[key] = line
        return item

    def _units(self, rows: Iterable[tuple[object, ...]]) -> LineList | None:
        """The sheet "Đơn vị": the units file's rows, placed after the plan's cells."""
        units, problems = read_units_rows(rows)
        self.problems += [Problem(units_line(p.line) if p.line else None, p.parts, p.warning) for p in problems]
        if units is None:
            return None
        _shift(units)
        for item in units:
            if isinstance(item, LineMap) and isinstance(item.get("code"), str):
                self._name(str(item["code"]), item.get("name"), item.get("short_name"))
        return units


def _shift(value: object) -> None:
    """Rows of the sheet "Đơn vị" as lines past the plan's sheet."""
    if isinstance(value, LineMap):
        value.line = units_line(value.line)
        value.key_lines = {key: units_line(line) for key, line in value.key_lines.items()}
        for item in value.values():
            _shift(item)
    elif isinstance(value, LineList):
        value.line = units_line(value.line)
        value.lines = [units_line(line) for line in value.lines]
        for item in value:
            _shift(item)
