"""Where the unit tree for a draft comes from: a plan file (`--units PLAN.yaml`) or the database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.intake.units import GroupRef, UnitIndex, UnitRef
from bot.models import Event, Unit
from bot.plans.loader import LineList, LineMap, parse_yaml
from bot.plans.validate import read_plan


class UnitSourceError(ValueError):
    """The unit tree cannot be read; `str()` is for people (Vietnamese)."""


@dataclass(frozen=True)
class UnitSource:
    index: UnitIndex
    units_yaml: str  # the "units:" (and "groups:") sections of the draft, ready to paste
    plan_code: str | None = None
    plan_title: str | None = None


def from_plan_file(path: Path) -> UnitSource:
    check = read_plan(path)
    if check.plan is None:
        from bot.i18n import translator
        lines = "\n".join(check.render(translator("vi"))[:10])
        raise UnitSourceError(f"Không đọc được cây đơn vị từ {path}:\n{lines}")
    plan = check.plan
    units = [UnitRef(code=u.code, name=u.name, kind=u.kind.value, parent=u.parent, short_name=u.short_name,
                     aliases=u.aliases) for u in plan.units]
    text = path.read_bytes().decode("utf-8-sig")
    data, _ = parse_yaml(text)
    groups = _groups(data.get("groups") if isinstance(data, LineMap) else None, units)
    sections = [_section(text, name) for name in ("units", "groups")]
    return UnitSource(UnitIndex(units, groups), "\n".join(s for s in sections if s), plan.code, plan.title)


def _section(text: str, name: str) -> str:
    """A top-level section of a YAML file as written (comments kept), up to the next top-level key."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{name}:")), None)
    if start is None:
        return ""
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " #-"):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1  # comments just above the next section belong to it
    return "\n".join(lines[start:end]) + "\n"


def _groups(raw: object, units: list[UnitRef]) -> list[GroupRef]:
    if not isinstance(raw, LineList):
        return []
    children: dict[str | None, list[str]] = {}
    for unit in units:
        children.setdefault(unit.parent, []).append(unit.code)
    kinds = {unit.code: unit.kind for unit in units}

    def below(code: str) -> list[str]:
        found, pending = [], list(children.get(code, []))
        while pending:
            current = pending.pop()
            found.append(current)
            pending.extend(children.get(current, []))
        return found

    groups = []
    for item in raw:
        selectors = item.get("units") if isinstance(item, LineMap) else None
        if not isinstance(item, LineMap) or not isinstance(selectors, list):
            continue
        codes: set[str] = set()
        for selector in selectors:
            if isinstance(selector, str):
                codes.add(selector)
                continue
            if not isinstance(selector, dict):
                continue
            if root := selector.get("children"):
                pool = list(children.get(root, []))
            elif root := selector.get("subtree"):
                pool = [root, *below(root)]
            elif root := selector.get("under"):
                pool = below(root)
            else:
                pool = list(kinds)
            kind = selector.get("kind")
            codes.update(code for code in pool if kind is None or kinds.get(code) == kind)
        groups.append(GroupRef(code=str(item.get("code")), name=str(item.get("name")), codes=frozenset(codes)))
    return groups


async def from_database(session: AsyncSession) -> UnitSource:
    """The active units as stored, as a flat `units:` list with parents (groups are not stored)."""
    rows = (await session.execute(select(Unit).where(col(Unit.active))
                                  .order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.id))))
    stored = list(rows.scalars())
    code_of = {unit.id: unit.code for unit in stored}
    stored.sort(key=lambda unit: unit.sort_order)
    units = [UnitRef(code=u.code, name=u.name, kind=u.kind.value if hasattr(u.kind, "value") else str(u.kind),
                     parent=code_of.get(u.parent_id), short_name=u.short_name,
                     aliases=tuple(a for a in (u.aliases or "").splitlines() if a.strip())) for u in stored]
    lines = ["units:"]
    for unit in units:
        lines.append(f"  - code: {unit.code}")
        lines.append(f"    name: {json.dumps(unit.name, ensure_ascii=False)}")
        lines.append(f"    kind: {unit.kind}")
        if unit.short_name:
            lines.append(f"    short_name: {json.dumps(unit.short_name, ensure_ascii=False)}")
        if unit.aliases:
            lines.append(f"    aliases: {json.dumps(list(unit.aliases), ensure_ascii=False)}")
        if unit.parent:
            lines.append(f"    parent: {unit.parent}")
    event = (await session.execute(select(Event).where(col(Event.kind) == "import").order_by(col(Event.id).desc())
                                   .limit(1))).scalars().first()
    plan_code = None
    if event is not None and event.details:
        try:
            plan_code = json.loads(event.details).get("plan")
        except ValueError:
            plan_code = None
    return UnitSource(UnitIndex(units), "\n".join(lines) + "\n", plan_code)
