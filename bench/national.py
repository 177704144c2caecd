"""The national dataset the benchmarks share: one tree, written straight into SQLite or as a plan file.

    units = national_units(provinces=63, districts_per_province=11, grassroots=59_243)   # 60,000 units
    generate_tree(Path("national.db"), provinces=63, ...)     # bulk rows in a SQLite file (bench_reminders)
    Path("national.yaml").write_text(plan_yaml(units, milestones=20))   # a plan file (bench_scale)

The tree: root → provinces → districts → grassroots units, the grassroots units dealt to the districts in turn;
every milestone is assigned to every grassroots unit (20 milestones ≈ 1.2 M assignments). Ids, codes and paths
are the same in both forms, in the order the units are listed (a plan import gives ids in file order too).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

EPOCH = "2020-01-01 00:00:00.000000"
FIRST_DUE = date(2020, 5, 18)  # milestone m is due 3·m days later
GRASSROOTS_DEPTH = 3


@dataclass(frozen=True)
class NationalUnit:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    parent_code: str | None
    path: str
    depth: int


@dataclass(frozen=True)
class NationalMilestone:
    id: int
    code: str
    title: str
    due: date


def national_units(*, provinces: int, districts_per_province: int, grassroots: int) -> list[NationalUnit]:
    """A national tree (root → provinces → districts → grassroots), parents before children."""
    root = NationalUnit(1, "VN", "Trung ương", "other", None, None, "/1/", 0)
    units = [root]
    districts: list[NationalUnit] = []
    for p in range(provinces):
        province_id = len(units) + 1
        province = NationalUnit(province_id, f"T{p:02d}", f"Tỉnh ủy {p:02d}", "province_committee", root.id,
                                root.code, f"{root.path}{province_id}/", 1)
        units.append(province)
        for d in range(districts_per_province):
            unit_id = len(units) + 1
            district = NationalUnit(unit_id, f"T{p:02d}-H{d:02d}", f"Huyện ủy {p:02d}-{d:02d}",
                                    "district_committee", province.id, province.code, f"{province.path}{unit_id}/", 2)
            units.append(district)
            districts.append(district)
    for g in range(grassroots):
        district, unit_id = districts[g % len(districts)], len(units) + 1
        units.append(NationalUnit(unit_id, f"CS{g:05d}", f"Đảng bộ cơ sở {g:05d}", "grassroots", district.id,
                                  district.code, f"{district.path}{unit_id}/", GRASSROOTS_DEPTH))
    return units


def national_milestones(count: int) -> list[NationalMilestone]:
    return [NationalMilestone(m + 1, f"M{m + 1:02d}", f"Nhiệm vụ số {m + 1}", FIRST_DUE + timedelta(days=3 * m))
            for m in range(count)]


# -- straight into SQLite (bulk rows, no plan file) --------------------------------------------------------


def create_schema(path: Path) -> None:
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    from bot import models  # noqa: F401  (registers the tables)

    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()


def generate_tree(
    path: Path, *, provinces: int, districts_per_province: int, grassroots: int, milestones: int,
    monthly: bool = False,
) -> dict[str, int]:
    """The national tree and its milestones as rows of a new SQLite file, every assignment open. `monthly` adds a
    periodic milestone ("before the 20th of every month") over every grassroots unit: its periods are made by the
    engine (scheduler.periods), as at start-up."""
    path.unlink(missing_ok=True)
    create_schema(path)
    units = national_units(provinces=provinces, districts_per_province=districts_per_province, grassroots=grassroots)
    grassroots_ids = [unit.id for unit in units if unit.depth == GRASSROOTS_DEPTH]
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # generation only; what is measured runs with the normal settings
    db.executemany(
        "INSERT INTO unit (id, code, name, parent_id, path, depth, kind, sort_order, active) "
        "VALUES (?, ?, ?, ?, ?, ?, 'grassroots', 0, 1)",
        [(u.id, u.code, u.name, u.parent_id, u.path, u.depth) for u in units],
    )
    db.execute("INSERT INTO plan (id, code, title, status, created_at, updated_at) VALUES (1, 'VN-BENCH', "
               "'Kế hoạch thử tải', 'active', ?, ?)", (EPOCH, EPOCH))
    db.executemany(
        "INSERT INTO milestone (id, plan_id, code, title, due_date, requires_acceptance, sort_order, active, "
        "created_at, updated_at) VALUES (?, 1, ?, ?, ?, 0, 0, 1, ?, ?)",
        [(m.id, m.code, m.title, m.due.isoformat(), EPOCH, EPOCH) for m in national_milestones(milestones)],
    )
    db.executemany(
        "INSERT INTO assignment (milestone_id, unit_id, state, active) VALUES (?, ?, 'open', 1)",
        ((m + 1, unit_id) for m in range(milestones) for unit_id in grassroots_ids),
    )
    if monthly:
        from bot.plans.periods import Repeat

        series_id = milestones + 1
        rule = Repeat(every="month", start=date(2020, 1, 1), day=20).to_json()
        db.execute("INSERT INTO milestone (id, plan_id, code, title, due_date, repeat, requires_acceptance, "
                   "sort_order, active, created_at, updated_at) "
                   "VALUES (?, 1, 'BCT', 'Báo cáo tháng', '2020-01-20', ?, 0, 0, 0, ?, ?)",
                   (series_id, rule, EPOCH, EPOCH))
        db.executemany("INSERT INTO assignment (milestone_id, unit_id, state, active) VALUES (?, ?, 'open', 1)",
                       ((series_id, unit_id) for unit_id in grassroots_ids))
    db.commit()
    db.close()
    return {"units": len(units), "assignments": (milestones + monthly) * len(grassroots_ids)}


# -- as a plan file (for the real import path) -------------------------------------------------------------


def plan_yaml(units: list[NationalUnit], *, milestones: int, two_step_every: int = 0, code: str = "VN-BENCH") -> str:
    """A plan file (plans/README.md format) of these units: a flat list with `parent:`, one unit a line,
    every milestone given to `kind: grassroots`; every `two_step_every`-th one requires acceptance."""

    def scalar(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar

    lines = ["plan:", f"  code: {code}", "  title: Kế hoạch toàn quốc (dữ liệu đo hiệu năng)",
             "  timezone: Asia/Ho_Chi_Minh", "", "units:"]
    for unit in units:
        parent = f", parent: {unit.parent_code}" if unit.parent_code else ""
        lines.append(f"  - {{code: {unit.code}, name: {scalar(unit.name)}, kind: {unit.kind}{parent}}}")
    lines += ["", "milestones:"]
    for milestone in national_milestones(milestones):
        lines += [f"  - code: {milestone.code}", f"    title: {scalar(milestone.title)}",
                  f"    due: {milestone.due.strftime('%d/%m/%Y')}", "    units:", "      - kind: grassroots"]
        if two_step_every and milestone.id % two_step_every == 0:
            lines.append("    requires_acceptance: true")
    return "\n".join(lines) + "\n"
