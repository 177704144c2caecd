"""A units file: the organisation's tree on its own (YAML like a plan's `units:`, or an Excel sheet), checked whole.

    check = read_units_file(Path("plans/units-dien-bien.yaml"), known=await standing_units(session))
    check.units      # the units it lists, parents first, each with its position in the file as display order
    check.retired    # codes marked `retired: true` (in a sheet: "x" in the column "Ngừng theo dõi")
    check.render(t)  # every problem, "file:line: …" (a sheet: "file, dòng N: …")

Nothing comes out while any error remains. The format is documented for people in plans/README.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from bot.i18n import N_, Translator
from bot.plans.collector import collector_paused
from bot.plans.fields import parse_code
from bot.plans.limits import MAX_PLAN_BYTES
from bot.plans.loader import LineList, LineMap, parse_yaml
from bot.plans.plan import PlanUnit
from bot.plans.problems import PlanValueError, Problem, error
from bot.plans.sections import written_code
from bot.plans.tree import build_unit_tree

SHEET_SUFFIXES = (".xlsx", ".xlsm")
_BOOL = TypeAdapter(bool)


@dataclass
class UnitsCheck:
    filename: str
    units: tuple[PlanUnit, ...] = ()
    retired: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    sheet: bool = False  # lines are rows of a sheet

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.warning]

    @property
    def ok(self) -> bool:
        return not self.errors

    def render(self, t: Translator) -> list[str]:
        if not self.sheet:
            return [problem.render(self.filename, t) for problem in self.problems]
        return [f"{self._where(problem, t)}: {_text(problem, t)}" for problem in self.problems]

    def _where(self, problem: Problem, t: Translator) -> str:
        if not problem.line:
            return self.filename
        return t(N_("{file}, row {row}")).format(file=self.filename, row=problem.line)


def _text(problem: Problem, t: Translator) -> str:
    text = "".join(part.render(t) for part in problem.parts)
    return t(N_("warning: {text}")).format(text=text) if problem.warning else text


def read_units_file(path: Path, *, known: Sequence[PlanUnit] = ()) -> UnitsCheck:
    """A .yaml/.yml units file, or an .xlsx sheet (columns Mã | Tên đơn vị | Loại | Mã cấp trên | …)."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)  # never more: the file may be huge, or endless
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return UnitsCheck(str(path), problems=[error(None, N_("file not found"))])
    if path.suffix.lower() in SHEET_SUFFIXES:
        from bot.plans.units_sheet import read_units_sheet

        raw, problems = read_units_sheet(data)
        if raw is None:
            return UnitsCheck(str(path), problems=problems, sheet=True)
        return check_units(raw, filename=str(path), known=known, problems=problems, sheet=True)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return UnitsCheck(str(path), problems=[error(None, N_("the file is not UTF-8 text"))])
    return check_units_text(text, filename=str(path), known=known)


def check_units_text(text: str, *, filename: str, known: Sequence[PlanUnit] = ()) -> UnitsCheck:
    with collector_paused():
        data, problems = parse_yaml(text)
    if problems and not isinstance(data, LineMap):
        return UnitsCheck(filename, problems=problems)
    units = data.get("units") if isinstance(data, LineMap) else None
    if not isinstance(data, LineMap) or not isinstance(units, LineList):
        line = data.line_of("units") if isinstance(data, LineMap) else 1
        return UnitsCheck(filename, problems=[*problems, error(line, N_(
            'a units file is a mapping with one section "units:", a list of units as in a plan file'))])
    for key in data:
        if key != "units":
            problems.append(error(data.line_of(key), N_(
                'a units file holds only "units:" (found "{key}"); a plan is imported with "nhacviec import"'),
                key=key))
    return check_units(units, filename=filename, known=known, problems=problems)


def check_units(raw: LineList, *, filename: str, known: Sequence[PlanUnit] = (), problems: list[Problem] | None = None,
                sheet: bool = False) -> UnitsCheck:
    """The units of a `units:` list (nested or flat): the listed ones, and those marked retired."""
    problems = list(problems or [])
    with collector_paused():
        split = _Split()
        listed = split.walk(raw, None, problems)
        tree = build_unit_tree(listed, problems=problems, known=known)
    retired = set(split.retired)
    for code in split.retired:
        if code in tree.by_code and code not in tree.standing:
            first, second = sorted((split.active_lines[code], split.retired_lines[code]))
            problems.append(error(second, N_('unit code "{code}" is used twice (first at line {first_line})'),
                                  code=code, first_line=first))
    for unit in tree.units:
        if unit.parent in retired and unit.code not in tree.standing:
            problems.append(error(split.lines.get(unit.code), N_(
                'unit "{code}" stays, but its parent "{parent}" is marked retired: move it, or retire it too'),
                code=unit.code, parent=unit.parent))
    problems.sort(key=lambda problem: problem.line or 0)
    if any(not problem.warning for problem in problems):
        return UnitsCheck(filename, problems=problems, sheet=sheet)
    units = tuple(replace(unit, sort_order=split.positions[unit.code]) for unit in tree.units
                  if unit.code not in tree.standing)
    return UnitsCheck(filename, units=units, retired=tuple(split.retired), problems=problems, sheet=sheet)


@dataclass
class _Split:
    """Separates the units marked retired from those listed, keeping every code's position in the file."""

    retired: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    retired_lines: dict[str, int] = field(default_factory=dict)
    active_lines: dict[str, int] = field(default_factory=dict)

    def walk(self, items: LineList, retired_parent: str | None, problems: list[Problem]) -> LineList:
        listed = LineList(items.line)
        for item, line in zip(items, items.lines, strict=True):
            code = written_code(item)
            if code is not None and code not in self.positions:
                self.positions[code] = len(self.positions)
                self.lines[code] = line
            retired = self._retired(item, problems)
            if retired_parent is not None and not retired:
                problems.append(error(line, N_(
                    'unit "{code}" stays, but its parent "{parent}" is marked retired: move it, or retire it too'),
                    code=code or "?", parent=retired_parent))
            children = item.get("children") if isinstance(item, LineMap) else None
            if retired:
                self._retire(item, code, line, problems)
                if isinstance(children, LineList):
                    self.walk(children, code or "?", problems)
                continue
            if code is not None:
                self.active_lines.setdefault(code, line)
            if isinstance(item, LineMap):
                item = _without(item, "retired")
                if isinstance(children, LineList):
                    item["children"] = self.walk(children, None, problems)
            listed.append(item)
            listed.lines.append(line)
        return listed

    def _retired(self, item: object, problems: list[Problem]) -> bool:
        if not isinstance(item, LineMap) or item.get("retired") is None:
            return False
        try:
            return _BOOL.validate_python(item["retired"])
        except ValidationError:
            problems.append(error(item.line_of("retired"), N_('field "{field}" must be true or false'),
                                  field="retired"))
            return False

    def _retire(self, item: object, code: str | None, line: int, problems: list[Problem]) -> None:
        try:
            code = parse_code(code)
        except PlanValueError as exc:
            problems.append(Problem(line, (replace(exc.message, params={"field": "code", **exc.message.params}),)))
            return
        if code in self.retired_lines:
            problems.append(error(line, N_('unit code "{code}" is used twice (first at line {first_line})'),
                                  code=code, first_line=self.retired_lines[code]))
            return
        self.retired_lines[code] = line
        self.retired.append(code)


def _without(item: LineMap, key: str) -> LineMap:
    copy = LineMap(item.line)
    copy.key_lines = {name: line for name, line in item.key_lines.items() if name != key}
    copy.update((name, value) for name, value in item.items() if name != key)
    return copy
