"""Validates the items of one list section (phases, groups, milestones): schema, duplicate codes, broken codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.plans.items import validate_item
from bot.plans.loader import LineList, LineMap
from bot.plans.problems import Problem, error
from bot.plans.schema import GroupSpec, MilestoneSpec, PhaseSpec

SpecT = TypeVar("SpecT", PhaseSpec, GroupSpec, MilestoneSpec)


@dataclass
class Section(Generic[SpecT]):
    specs: dict[str, SpecT] = field(default_factory=dict)  # the first valid item of each code, in file order
    broken: set[str] = field(default_factory=set)  # codes of invalid items: already reported, not again
    failed: list[LineMap] = field(default_factory=list)  # invalid items, for checks that can still run


def read_section(raw: LineList, model: type[SpecT], *, duplicate_msgid: str, problems: list[Problem]) -> Section[SpecT]:
    section: Section[SpecT] = Section()
    code_lines: dict[str, int] = {}
    for item, line in zip(raw, raw.lines, strict=True):
        prepared = {key: value for key, value in selector_inputs(item).items() if key in model.keys()}
        spec = validate_item(model, item, line=line, problems=problems, prepared=prepared)
        code = spec.code if spec else written_code(item)
        if spec is None and isinstance(item, LineMap):
            section.failed.append(item)
        if code is None:
            continue
        code_line = item.line_of("code") if isinstance(item, LineMap) else line
        if code in code_lines:
            problems.append(error(code_line, duplicate_msgid, code=code, first_line=code_lines[code]))
            continue
        code_lines[code] = code_line
        if spec is not None:
            section.specs[code] = spec
        else:
            section.broken.add(code)
    return section


def written_code(item: object) -> str | None:
    """The code an item spells, even when the item is otherwise invalid."""
    code = item.get("code") if isinstance(item, LineMap) else None
    return code.strip() if isinstance(code, str) and code.strip() else None


SELECTOR_LISTS = ("units", "coordinating")  # the keys whose items are unit selectors


def selector_inputs(item: object) -> dict[str, object]:
    """The `units:` (and `coordinating:`) lists as Selector inputs that remember their lines (a bare code becomes
    {unit: code})."""
    prepared: dict[str, object] = {}
    for key in SELECTOR_LISTS:
        units = item.get(key) if isinstance(item, LineMap) else None
        if not isinstance(units, LineList):
            continue
        shaped: list[object] = []
        for value, line in zip(units, units.lines, strict=True):
            if isinstance(value, str):
                shaped.append({"unit": value, "at_line": line})
            elif isinstance(value, LineMap):
                shaped.append({**value, "at_line": value.line, "key_lines": dict(value.key_lines)})
            else:
                shaped.append(value)
        prepared[key] = shaped
    return prepared
