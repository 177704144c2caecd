"""Reads a plan file and checks all of it, collecting every problem; a plan comes out only when none is an error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.i18n import N_, Translator
from bot.plans.collector import collector_paused
from bot.plans.dates import format_day
from bot.plans.items import validate_item
from bot.plans.limits import MAX_PLAN_BYTES
from bot.plans.loader import LineList, LineMap, parse_yaml, too_large_problem
from bot.plans.milestones import MilestoneResolver
from bot.plans.plan import Plan, PlanUnit
from bot.plans.problems import Problem, did_you_mean, error
from bot.plans.schema import GroupSpec, MilestoneSpec, PhaseSpec, PlanInfo
from bot.plans.sections import Section, read_section
from bot.plans.selection import UnitSelection
from bot.plans.tree import build_unit_tree

SECTIONS = ("plan", "units", "phases", "groups", "milestones")
REQUIRED_SECTIONS = ("plan", "units", "milestones")


@dataclass
class PlanCheck:
    """The outcome of reading one file: the plan (when valid) and every problem found, in line order."""

    filename: str
    plan: Plan | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.warning]

    def render(self, t: Translator) -> list[str]:
        return [problem.render(self.filename, t) for problem in self.problems]


def read_plan(path: Path, *, known: Sequence[PlanUnit] = ()) -> PlanCheck:
    """`known`: the stored unit tree (bot.plans.standing), which a plan may name without a `units:` section."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)  # never more: the file may be huge, or endless (/dev/zero)
    except (FileNotFoundError, IsADirectoryError):
        return PlanCheck(str(path), problems=[error(None, N_("file not found"))])
    if len(data) > MAX_PLAN_BYTES:
        return PlanCheck(str(path), problems=[too_large_problem()])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return PlanCheck(str(path), problems=[error(None, N_("the file is not UTF-8 text"))])
    return check_plan_text(text, filename=str(path), known=known)


def check_plan_text(text: str, *, filename: str, known: Sequence[PlanUnit] = ()) -> PlanCheck:
    with collector_paused():
        data, problems = parse_yaml(text)
        return check_plan_data(data, filename=filename, known=known, problems=problems)


def check_plan_data(data: object, *, filename: str, known: Sequence[PlanUnit] = (),
                    problems: list[Problem] | None = None) -> PlanCheck:
    """Checks a plan already read into LineMap / LineList data: from YAML, or from a draft sheet
    (bot.intake.sheet), whose "lines" are its cells. `problems`: those met while reading it."""
    problems = [] if problems is None else problems
    with collector_paused():
        plan = _check_document(data, problems, known) if isinstance(data, LineMap) or not problems else None
    problems.sort(key=lambda problem: problem.line or 0)
    if plan is None or any(not problem.warning for problem in problems):
        return PlanCheck(filename, problems=problems)
    return PlanCheck(filename, plan=replace(plan, source_file=filename), problems=problems)


def _check_document(data: object, problems: list[Problem], known: Sequence[PlanUnit]) -> Plan | None:
    if not isinstance(data, LineMap):
        problems.append(error(1, N_('a plan file is a mapping with the sections "plan:", "units:" and "milestones:"')))
        return None
    for key in data:
        if key not in SECTIONS:
            problems.append(error(data.line_of(key), N_('unknown section "{key}"'), *did_you_mean(key, SECTIONS),
                                  key=key))
    for key in REQUIRED_SECTIONS:
        if data.get(key) is None and not (key == "units" and known):  # a plan may name stored units only
            problems.append(error(data.line_of(key), N_('section "{key}" is missing'), key=key))
    info = None
    if data.get("plan") is not None:
        info = validate_item(PlanInfo, data["plan"], line=data.line_of("plan"), problems=problems)
    tree = build_unit_tree(_section_list(data, "units", problems), problems=problems, known=known)
    selection = UnitSelection(tree)
    phases = _phases(_section_list(data, "phases", problems), problems)
    _groups(_section_list(data, "groups", problems), selection, problems)
    milestones = read_section(_section_list(data, "milestones", problems), MilestoneSpec, problems=problems,
                              duplicate_msgid=N_('milestone code "{code}" is used twice (first at line {first_line})'))
    resolved = MilestoneResolver(selection=selection, phases=phases, problems=problems).resolve(milestones)
    if info is None:
        return None
    if info.remind_coordinating:  # the co-ordinating units get assignments (so reminders) as the lead units do
        order = {code: unit.sort_order for code, unit in tree.by_code.items()}
        resolved = [replace(milestone, units=tuple(sorted({*milestone.units, *milestone.coordinating},
                                                          key=order.__getitem__)))
                    for milestone in resolved]
    return Plan(code=info.code, title=info.title, number=info.number, issued=info.issued, issuer=info.issuer,
                timezone=info.timezone, units=tuple(unit for unit in tree.units if unit.code not in tree.standing),
                milestones=tuple(resolved), remind_coordinating=info.remind_coordinating)


def _section_list(data: LineMap, key: str, problems: list[Problem]) -> LineList:
    value = data.get(key)
    if isinstance(value, LineList):
        return value
    if value is not None:
        problems.append(error(data.line_of(key), N_(
            'field "{field}" must be a list (one item per line, starting with "- ")'), field=key))
    return LineList(data.line_of(key))


def _phases(raw: LineList, problems: list[Problem]) -> Section[PhaseSpec]:
    phases = read_section(raw, PhaseSpec, problems=problems,
                          duplicate_msgid=N_('phase code "{code}" is used twice (first at line {first_line})'))
    for spec in phases.specs.values():
        if spec.start and spec.end and spec.end < spec.start:
            problems.append(error(spec.line_of("end"), N_("the phase ends on {end}, before it starts on {start}"),
                                  end=format_day(spec.end), start=format_day(spec.start)))
    return phases


def _groups(raw: LineList, selection: UnitSelection, problems: list[Problem]) -> None:
    groups = read_section(raw, GroupSpec, problems=problems,
                          duplicate_msgid=N_('group code "{code}" is used twice (first at line {first_line})'))
    selection.broken_groups.update(groups.broken)
    for code, spec in groups.specs.items():
        if not spec.units:
            problems.append(error(spec.at_line, N_('group "{code}" has no "units:"'), code=code))
        selection.groups[code] = selection.resolve(spec.units, problems=problems, in_group=True)
