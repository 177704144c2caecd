"""The sample plan (Điện Biên, 2019) against the seed document: dates, units and quotes, then into the database.

The expected table below was written from the text of the plan (plans/sources/dien-bien-2019.txt), not from the
YAML: codes number the dated items of section III.2 in the order the document lists them.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Assignment, Event, Milestone, Unit, UnitKind
from bot.plans.importer import run_import
from bot.plans.plan import Plan
from bot.plans.validate import read_plan
from bot.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "plans" / "dien-bien-2019.yaml"
SEED = PROJECT_ROOT / "plans" / "sources" / "dien-bien-2019.txt"
NOW = datetime(2019, 8, 20, 2, 0, tzinfo=UTC)

# "các huyện, thị, thành ủy" of Điện Biên in 2019, and the other party committees directly under the province.
DISTRICTS = {"TPU-DIENBIENPHU", "TXU-MUONGLAY", "HU-DIENBIEN", "HU-DIENBIENDONG", "HU-MUONGANG", "HU-MUONGCHA",
             "HU-MUONGNHE", "HU-NAMPO", "HU-TUACHUA", "HU-TUANGIAO"}
DIRECT = DISTRICTS | {"DU-KHOICQ", "DU-KHOIDN", "DU-QUANSU", "DU-CONGAN", "DU-BIENPHONG"}
SUB_COMMITTEES = {"TB-VANKIEN", "TB-NHANSU", "TB-TOCHUC", "TB-TUYENTRUYEN"}
PILOT_COMMUNES = {"DUX-THANHXUONG", "DUX-NOONGLUONG", "DUX-THANHAN"}


def d(text: str) -> date:
    day, month, year = map(int, text.split("/"))
    return date(year, month, day)


# code: (start, due, units) — None for units where the sentence names no one and the YAML decides.
EXPECTED = {
    # 2.1- Từ tháng 8/2019 đến ngày 30/9/2019: no dates of their own.
    "M01": ("01/08/2019", "30/09/2019", {"BTV-TU"}),
    "M02": ("01/08/2019", "30/09/2019", None),
    "M03": ("01/08/2019", "30/09/2019", DISTRICTS),  # "Đối với các đảng bộ cấp huyện"
    "M04": ("01/08/2019", "30/09/2019", {"BTC-TU"}),
    "M05": ("01/08/2019", "30/09/2019", SUB_COMMITTEES),
    # 2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019
    "M06": ("01/10/2019", "31/12/2019", {"TU"} | DIRECT),  # "Cấp ủy các cấp"
    "M07": (None, "31/10/2019", DISTRICTS),  # "Thực hiện xong trong tháng 10/2019"
    "M08": (None, "30/11/2019", {"BTV-TU"}),
    "M09": (None, "31/12/2019", None),
    "M10": ("01/10/2019", "31/12/2019", {"BTV-TU"} | DIRECT),
    # 2.3- Từ ngày 01/01/2020 đến ngày 31/3/2020
    "M11": (None, "31/01/2020", DIRECT),  # "trong tháng 01/2020"
    "M12": (None, "29/02/2020", {"TU"}),  # "cấp tỉnh ... trong tháng 02/2020" (2020 is a leap year)
    "M13": ("01/01/2020", "31/03/2020", {"TU"} | DIRECT),
    "M14": (None, "29/02/2020", DIRECT),  # "Đại hội điểm cấp cơ sở hoàn thành trong tháng 02/2020"
    "M15": (None, "31/03/2020", DIRECT),  # "Trong tháng 3/2020"
    # 2.4- Từ ngày 01/4/2020 đến hết ngày 30/6/2020
    "M16": (None, "15/05/2020", DIRECT),
    "M17": ("01/04/2020", "15/06/2020", DIRECT | PILOT_COMMUNES),  # "bắt đầu từ tháng 4, hoàn thành trước 15/6"
    "M18": (None, "30/06/2020", DIRECT),
    "M19": (None, "31/05/2020", {"BTV-TU", "HU-DIENBIEN"}),
    "M20": (None, "30/06/2020", {"BTV-TU"}),
    "M21": (None, "30/06/2020", {"TU"}),  # "xong trước ngày 01/7/2020": the phase ends 30/6
    # 2.5- Từ ngày 01/7/2020 đến hết ngày 31/8/2020
    "M22": ("01/07/2020", "31/08/2020", SUB_COMMITTEES | DIRECT),
    "M23": ("01/07/2020", "31/08/2020", DIRECT),
    "M24": (None, "31/08/2020", DIRECT),
    # 2.6- Từ ngày 01/9/2020 đến ngày 31/10/2020
    "M25": (None, "15/09/2020", {"TU"}),
    "M26": ("01/09/2020", "31/10/2020", SUB_COMMITTEES),
    "M27": ("01/09/2020", "31/10/2020", {"TB-VANKIEN"}),
    "M28": (None, "31/10/2020", {"TU"}),
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    check = read_plan(SAMPLE)
    assert check.problems == []
    assert check.plan is not None
    return check.plan


def test_every_dated_item_is_a_milestone_with_its_dates_and_units(plan: Plan) -> None:
    assert [milestone.code for milestone in plan.milestones] == list(EXPECTED)
    for milestone in plan.milestones:
        start, due, units = EXPECTED[milestone.code]
        assert milestone.due == d(due), milestone.code
        assert milestone.start == (d(start) if start else None), milestone.code
        if units is not None:
            assert set(milestone.units) == units, milestone.code
        assert milestone.phase and milestone.phase.startswith("2."), milestone.code


def test_quotes_are_verbatim_from_the_seed(plan: Plan) -> None:
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    for milestone in plan.milestones:
        assert milestone.source, milestone.code
        for paragraph in milestone.source.split("\n"):
            quoted = " ".join(paragraph.split())
            assert quoted in seed, (milestone.code, quoted)


def test_each_due_date_appears_in_its_quote_or_phase(plan: Plan) -> None:
    """A milestone's own deadline is written in its sentence: "tháng 10/2019", "15/5/2020" ..."""
    for milestone in plan.milestones:
        written = {f"{milestone.due.day}/{milestone.due.month}/{milestone.due.year}",
                   f"tháng {milestone.due.month}/{milestone.due.year}",
                   f"tháng {milestone.due.month:02}/{milestone.due.year}"}
        assert milestone.source and milestone.phase
        assert any(text in milestone.source or text in milestone.phase for text in written), milestone.code


async def test_import_builds_the_tree_and_assignments(
    plan: Plan, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    report = await run_import(session_factory=session_factory, plan=plan, now=NOW)
    assert (len(report.units_added), len(report.milestones_added)) == (30, 28)
    async with session_factory() as session:
        units = (await session.execute(select(Unit))).scalars().all()
        kinds = Counter(unit.kind for unit in units)
        assert kinds == {UnitKind.province_committee: 1, UnitKind.standing_committee: 1, UnitKind.party_board: 5,
                         UnitKind.advisory_board: 1, UnitKind.sub_committee: 4, UnitKind.district_committee: 15,
                         UnitKind.grassroots: 3}
        by_code = {unit.code: unit for unit in units}
        assert {by_code[code].name for code in DISTRICTS} == {
            "Thành ủy Điện Biên Phủ", "Thị ủy Mường Lay", "Huyện ủy Điện Biên", "Huyện ủy Điện Biên Đông",
            "Huyện ủy Mường Ảng", "Huyện ủy Mường Chà", "Huyện ủy Mường Nhé", "Huyện ủy Nậm Pồ",
            "Huyện ủy Tủa Chùa", "Huyện ủy Tuần Giáo"}
        root, district, commune = by_code["TU"], by_code["HU-DIENBIEN"], by_code["DUX-THANHXUONG"]
        assert (root.parent_id, root.path, root.depth) == (None, f"/{root.id}/", 0)
        assert (commune.parent_id, commune.path, commune.depth) == (
            district.id, f"/{root.id}/{district.id}/{commune.id}/", 2)
        assert all(by_code[code].parent_id == root.id for code in DIRECT | SUB_COMMITTEES | {"BTV-TU", "BTC-TU"})

        milestones = {m.code: m for m in (await session.execute(select(Milestone))).scalars()}
        code_of = {unit.id: unit.code for unit in units}
        pairs = (await session.execute(select(Assignment.milestone_id, Assignment.unit_id))).all()
        assigned: dict[int, set[str]] = {}
        for milestone_id, unit_id in pairs:
            assigned.setdefault(milestone_id, set()).add(code_of[unit_id])
        for code, (start, due, expected_units) in EXPECTED.items():
            stored = milestones[code]
            assert (stored.start_date, stored.due_date) == (d(start) if start else None, d(due)), code
            if expected_units is not None:
                assert assigned[stored.id] == expected_units, code
        assert milestones["M28"].reminder_days == "30,14,7,3,1,0"
        assert milestones["M01"].reminder_days is None
        assert {code for code, m in milestones.items() if m.requires_acceptance} == {"M04", "M16", "M18"}
        assert re.match(r"2\.4- Từ ngày 01/4/2020 đến hết ngày 30/6/2020$", milestones["M17"].phase or "")
        events = (await session.execute(select(Event))).scalars().all()
        assert [event.kind for event in events] == ["import"]
