"""Progress from SQL: a unit's statuses, a subtree per milestone with late units, rates over all and over due."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot import progress as progress_module
from bot.models import Assignment, AssignmentState, Unit, UnitKind
from bot.progress import StatusRules, milestone_breakdown, rates_of, subtree_progress, unit_items
from bot.status import Status
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code, in_subtree
from tests.bot.services_fixtures import assignment_of, import_sample
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
RULES = StatusRules(tz=VN)


async def test_unit_items_statuses(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        items = {i.milestone_code: i for i in await unit_items(session=session, unit_id=unit.id, now=NOW, rules=RULES)}
        assert items["M16"].status == Status.due_soon and items["M16"].days_left == 3
        assert items["M15"].status == Status.overdue and items["M15"].days_left == -42
        assert items["M19"].status == Status.on_track
        assert "M01" not in items  # not assigned to this unit


async def test_subtree_progress_counts_and_late_units(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        root = await get_unit_by_code(session=session, code="TU")
        late_done = await assignment_of(session, "HU-DIENBIEN", "M15")
        late_done.state = AssignmentState.done
        future_done = await assignment_of(session, "HU-DIENBIEN", "M17")
        future_done.state = AssignmentState.done
        reported = await assignment_of(session, "HU-TUANGIAO", "M15")
        reported.state = AssignmentState.reported
        await session.flush()

        progress = {p.code: p for p in await subtree_progress(session=session, root=root, now=NOW, rules=RULES)}
        m15 = progress["M15"]
        assert (m15.total, m15.done, m15.reported, m15.is_due) == (15, 1, 1, True)
        assert len(m15.late_units) == 13 and "Huyện ủy Điện Biên" not in m15.late_units
        assert "Huyện ủy Tuần Giáo" not in m15.late_units and "Huyện ủy Mường Chà" in m15.late_units
        assert progress["M17"].done == 1 and not progress["M17"].is_due and progress["M17"].late_units == []

        rates = rates_of(list(progress.values()))
        assert rates.total == 232 and rates.done == 2
        assert rates.due_total == sum(p.total for p in progress.values() if p.is_due) and rates.due_done == 1

        district = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        below = {p.code: p for p in await subtree_progress(session=session, root=district, now=NOW, rules=RULES)}
        assert below["M15"].total == 1 and below["M15"].late_units == []


async def test_milestone_breakdown_stays_in_subtree(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        district = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        m15 = await assignment_of(session, "HU-DIENBIEN", "M15")
        items = await milestone_breakdown(session=session, root=district, milestone_id=m15.milestone_id, now=NOW,
                                          rules=RULES)
        assert [(i.unit_code, i.status) for i in items] == [("HU-DIENBIEN", Status.overdue)]


async def test_in_subtree_is_the_path_prefix(session_factory, clock: FixedClock) -> None:
    """"/1/2/" and below, never "/1/20/": the range matches exactly what `startswith` does, for every root."""
    async with session_factory() as session:
        await import_sample(session, clock.now())
        units = (await session.execute(select(Unit))).scalars().all()
        assert any(u.path.startswith("/1/2") and not u.path.startswith("/1/2/") for u in units)
        for root in units:
            found = set((await session.execute(select(Unit.code).where(in_subtree(session, root)))).scalars())
            assert found == {u.code for u in units if u.path.startswith(root.path)}, root.path


async def test_the_whole_tree_counts_the_same_either_way(session_factory, clock: FixedClock,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The top supervisor's tree is counted as everything minus the units outside it (another tree, inactive
    units); counted from its own units instead, every figure and every late unit is the same."""
    async with session_factory() as session:
        await import_sample(session, clock.now())
        root = await get_unit_by_code(session=session, code="TU")
        (await assignment_of(session, "HU-TUANGIAO", "M15")).state = AssignmentState.done
        (await assignment_of(session, "HU-MUONGCHA", "M15")).state = AssignmentState.reported
        (await assignment_of(session, "HU-DIENBIEN", "M15")).active = False
        (await get_unit_by_code(session=session, code="HU-MUONGNHE")).active = False  # type: ignore[union-attr]
        other = Unit(code="KHAC", name="Tỉnh ủy khác", kind=UnitKind.province_committee)
        session.add(other)
        await session.flush()
        other.path = f"/{other.id}/"
        m15 = await assignment_of(session, "HU-DIENBIEN", "M15")
        session.add(Assignment(milestone_id=m15.milestone_id, unit_id=other.id))  # type: ignore[arg-type]
        await session.flush()

        assert await progress_module._nearly_whole_tree(session, in_subtree(session, root))  # type: ignore[arg-type]
        whole = await subtree_progress(session=session, root=root, now=NOW, rules=RULES)  # type: ignore[arg-type]
        monkeypatch.setattr(progress_module, "WHOLE_TREE_REST", 0)  # never "nearly the whole tree"
        counted = await subtree_progress(session=session, root=root, now=NOW, rules=RULES)  # type: ignore[arg-type]
        assert whole == counted
        by_code = {p.code: p for p in counted}
        assert (by_code["M15"].total, by_code["M15"].done, by_code["M15"].reported) == (13, 1, 1)
        late = by_code["M15"].late_units
        assert len(late) == 11 and "Huyện ủy Mường Nhé" not in late and "Tỉnh ủy khác" not in late
