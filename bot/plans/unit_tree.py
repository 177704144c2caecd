"""The unit tree as stored, in file order, for listing (`nhacviec units`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.i18n import N_, Translator
from bot.models import Unit, UnitKind
from bot.plans.labels import kind_label


@dataclass(frozen=True)
class TreeLine:
    depth: int
    code: str
    name: str
    kind: UnitKind
    active: bool


async def load_unit_tree(*, session: AsyncSession, include_inactive: bool = False) -> list[TreeLine]:
    """Every unit depth-first, siblings in plan order; inactive units (and what hangs under them) only on request."""
    rows = (await session.execute(
        select(col(Unit.id), col(Unit.parent_id), col(Unit.code), col(Unit.name), col(Unit.kind), col(Unit.active))
        .order_by(col(Unit.sort_order), col(Unit.id)))).all()
    children: dict[int | None, list[Row[*tuple[Any, ...]]]] = {}
    for row in rows:
        if row.active or include_inactive:
            children.setdefault(row.parent_id, []).append(row)
    lines: list[TreeLine] = []
    pending = [(row, 0) for row in reversed(children.get(None, []))]
    while pending:
        row, depth = pending.pop()
        lines.append(TreeLine(depth, row.code, row.name, row.kind, row.active))
        pending.extend((child, depth + 1) for child in reversed(children.get(row.id, [])))
    return lines


def render_unit_tree(lines: list[TreeLine], t: Translator) -> str:
    if not lines:
        return t(N_("No units yet: import a plan first (nhacviec import plans/<file>.yaml)."))
    width = max(len("  " * line.depth + line.code) for line in lines)
    off = t(N_("deactivated"))
    text = []
    for line in lines:
        code = ("  " * line.depth + line.code).ljust(width)
        inactive = f" [{off}]" if not line.active else ""
        text.append(f"{code}  {line.name} ({kind_label(line.kind, t)}){inactive}")
    text.append(t(N_("{count} units.")).format(count=len(lines)))
    return "\n".join(text)
