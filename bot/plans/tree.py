"""The unit tree of a plan file: nested `children:` or flat `parent:`, duplicates, unknown parents, cycles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.i18n import N_
from bot.plans.items import validate_item
from bot.plans.limits import MAX_UNIT_DEPTH
from bot.plans.loader import LineList, LineMap
from bot.plans.plan import PlanUnit
from bot.plans.problems import Problem, did_you_mean, error
from bot.plans.schema import UnitSpec
from bot.plans.sections import written_code


@dataclass
class UnitTree:
    units: list[PlanUnit] = field(default_factory=list)  # depth-first, every parent before its children
    by_code: dict[str, PlanUnit] = field(default_factory=dict)
    children: dict[str | None, list[str]] = field(default_factory=dict)
    # Codes of items that failed validation: already reported, so references to them are not reported again.
    broken: set[str] = field(default_factory=set)
    # Codes of stored units the file does not write (`known`): named by it, not part of it.
    standing: set[str] = field(default_factory=set)


@dataclass
class _Entry:
    spec: UnitSpec
    nested_in: str | None


@dataclass
class _Walk:
    entries: list[_Entry]  # valid units, first of each code only
    broken: set[str]
    code_lines: dict[str, int]  # where each code is first written, valid or not


def build_unit_tree(raw: LineList, *, problems: list[Problem], known: Sequence[PlanUnit] = ()) -> UnitTree:
    """The file's units over `known` (the stored tree, parents first), which the file may name and hang units on."""
    tree = UnitTree()
    walk = _Walk(entries=[], broken=tree.broken, code_lines={})
    _walk(raw, None, walk, problems)
    standing = [_Entry(_standing_spec(unit), None) for unit in known if unit.code not in walk.code_lines]
    tree.standing = {entry.spec.code for entry in standing}
    walk.entries[:0] = standing
    parents = _resolve_parents(walk.entries, tree.broken, problems)
    for entry in walk.entries:
        tree.children.setdefault(parents[entry.spec.code], []).append(entry.spec.code)
    specs = {entry.spec.code: entry.spec for entry in walk.entries}
    order = {code: index for index, code in enumerate(specs)}
    tree.broken.update(_report_cycles(parents, specs, tree.children, problems))
    stack = [(code, 0) for code in reversed(tree.children.get(None, []))]
    while stack:
        code, depth = stack.pop()
        spec = specs[code]
        if depth == MAX_UNIT_DEPTH:  # named once per branch, at its first level too deep
            problems.append(error(spec.line_of("code"), N_(
                'unit "{code}" is at level {level} of the unit tree: at most {max_depth} levels are allowed'),
                code=code, level=depth + 1, max_depth=MAX_UNIT_DEPTH))
        unit = PlanUnit(code=code, name=spec.name, kind=spec.kind, parent=parents[code], short_name=spec.short_name,
                        aliases=tuple(spec.aliases), sort_order=order[code], depth=depth)
        tree.units.append(unit)
        tree.by_code[code] = unit
        stack.extend((child, depth + 1) for child in reversed(tree.children.get(code, [])))
    return tree


def _standing_spec(unit: PlanUnit) -> UnitSpec:
    return UnitSpec.model_construct(code=unit.code, name=unit.name, kind=unit.kind, short_name=unit.short_name,
                                    aliases=list(unit.aliases), parent=unit.parent, children=[])


def _walk(items: LineList, nested_in: str | None, walk: _Walk, problems: list[Problem]) -> None:
    for item, line in zip(items, items.lines, strict=True):
        # Children are validated one by one below, so one bad child does not hide its whole branch.
        spec = validate_item(UnitSpec, item, line=line, problems=problems, prepared={"children": []})
        code = spec.code if spec else written_code(item)
        code_line = item.line_of("code") if isinstance(item, LineMap) else line
        if code and code in walk.code_lines:
            problems.append(error(code_line, N_('unit code "{code}" is used twice (first at line {first_line})'),
                                  code=code, first_line=walk.code_lines[code]))
        elif code:
            walk.code_lines[code] = code_line
            if spec is not None:
                walk.entries.append(_Entry(spec, nested_in))
            else:
                walk.broken.add(code)
        children = item.get("children") if isinstance(item, LineMap) else None
        if isinstance(children, LineList):
            _walk(children, code, walk, problems)
        elif isinstance(item, LineMap) and children is not None:
            problems.append(error(item.line_of("children"), N_(
                'field "{field}" must be a list (one item per line, starting with "- ")'), field="children"))


def _resolve_parents(entries: list[_Entry], broken: set[str], problems: list[Problem]) -> dict[str, str | None]:
    known = {entry.spec.code for entry in entries}
    parents: dict[str, str | None] = {}
    for entry in entries:
        spec, parent = entry.spec, entry.nested_in
        if spec.parent is not None and entry.nested_in is not None and spec.parent != entry.nested_in:
            problems.append(error(spec.line_of("parent"),
                                  N_('unit "{code}" is nested under "{nested}" but says parent: "{parent}"'),
                                  code=spec.code, nested=entry.nested_in, parent=spec.parent))
        elif spec.parent is not None:
            parent = spec.parent
        if parent is not None and parent not in known:
            if parent not in broken:
                problems.append(error(spec.line_of("parent"), N_('unit "{code}" has an unknown parent "{parent}"'),
                                      *did_you_mean(parent, known), code=spec.code, parent=parent))
            parent = None
        parents[spec.code] = parent
    return parents


def _report_cycles(parents: dict[str, str | None], specs: dict[str, UnitSpec],
                   children: dict[str | None, list[str]], problems: list[Problem]) -> set[str]:
    """Units that never reach a root hang on a cycle of `parent:` references: names each cycle once.

    Returns the units left out of the tree.
    """
    reached: set[str] = set()
    pending = list(children.get(None, []))
    while pending:
        code = pending.pop()
        reached.add(code)
        pending.extend(children.get(code, []))
    left_out: set[str] = set()
    for start in specs:
        if start in reached or start in left_out:
            continue
        path: list[str] = []
        current = start
        while current not in path:
            path.append(current)
            parent = parents[current]
            assert parent is not None  # off the reached set, every unit has a parent
            current = parent
        cycle = path[path.index(current):]
        if not left_out.intersection(cycle):
            problems.append(error(specs[cycle[0]].line_of("parent"),
                                  N_("units {cycle} form a cycle: a unit cannot be its own ancestor"),
                                  cycle=" → ".join([*cycle, cycle[0]])))
        left_out.update(path)
    return left_out
