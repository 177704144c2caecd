"""Importing plans: idempotent, updates in place by code, never resets a confirmation, reports what changed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from textwrap import dedent

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from bot.db import make_engine, make_sessionmaker
from bot.i18n import translator
from bot.models import Assignment, AssignmentState, Event, Milestone, Plan, Unit
from bot.plans import plan as plan_file
from bot.plans.importer import import_plan, run_import
from bot.plans.rendering import render_report
from bot.plans.report import AssignmentDiff, Changed, FieldChange, Ref
from bot.plans.validate import check_plan_text
from bot.settings import PROJECT_ROOT

SAMPLE_TEXT = (PROJECT_ROOT / "plans" / "dien-bien-2019.yaml").read_text(encoding="utf-8")
FIRST = datetime(2019, 8, 20, 2, 0, tzinfo=UTC)
LATER = datetime(2020, 5, 4, 2, 0, tzinfo=UTC)
Factory = async_sessionmaker[AsyncSession]


def parse(text: str) -> plan_file.Plan:
    check = check_plan_text(text, filename="kh.yaml")
    assert check.errors == [], check.render(translator("vi"))
    assert check.plan is not None
    return check.plan


def edited(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


async def snapshot(factory: Factory) -> dict[str, list[tuple[object, ...]]]:
    async with factory() as session:
        return {
            model.__tablename__: [tuple(row) for row in (await session.execute(
                select(*model.__table__.columns).order_by(model.__table__.c.id))).all()]
            for model in (Plan, Unit, Milestone, Assignment, Event)
        }


async def ids_by_code(factory: Factory) -> tuple[dict[str, int], dict[str, int]]:
    async with factory() as session:
        units = {code: unit_id for code, unit_id in (await session.execute(select(Unit.code, Unit.id))).all()}
        milestones = {code: milestone_id
                      for code, milestone_id in (await session.execute(select(Milestone.code, Milestone.id))).all()}
    return units, milestones


async def assignment(factory: Factory, milestone: str, unit: str) -> Assignment:
    units, milestones = await ids_by_code(factory)
    async with factory() as session:
        return (await session.execute(select(Assignment).where(
            Assignment.milestone_id == milestones[milestone], Assignment.unit_id == units[unit]))).scalar_one()


async def confirm(factory: Factory, milestone: str, unit: str) -> None:
    row = await assignment(factory, milestone, unit)
    async with factory() as session:
        await session.execute(update(Assignment).where(Assignment.id == row.id).values(
            state=AssignmentState.done, reported_at=LATER, confirmed_at=LATER))
        await session.commit()


async def test_importing_the_same_file_twice_changes_nothing(session_factory: Factory) -> None:
    await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=FIRST)
    before = await snapshot(session_factory)
    report = await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=LATER)
    assert not report.changed
    assert report.affected_milestone_ids == set()
    assert render_report(report, translator("vi")) == "Kế hoạch DB-CT35-2019: đã nhập.\nKhông có thay đổi."
    assert await snapshot(session_factory) == before


async def test_an_edited_plan_updates_in_place_and_keeps_confirmations(session_factory: Factory) -> None:
    await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=FIRST)
    units, milestones = await ids_by_code(session_factory)
    await confirm(session_factory, "M16", "HU-DIENBIEN")
    await confirm(session_factory, "M19", "HU-DIENBIEN")
    m28_block = SAMPLE_TEXT[SAMPLE_TEXT.index("  - code: M28"):]
    text = edited(SAMPLE_TEXT,
                  ("    due: 15/05/2020\n", "    due: 20/05/2020\n"),
                  ("    units: [BTV-TU, HU-DIENBIEN]\n", "    units: [BTV-TU]\n"),
                  (m28_block, ""))

    report = await run_import(session_factory=session_factory, plan=parse(text), now=LATER)

    m16_title = "Trình phương án nhân sự cấp ủy nhiệm kỳ 2020-2025 lên Ban Thường vụ Tỉnh ủy"
    m28_ref = Ref("M28", "Đại hội đại biểu Đảng bộ tỉnh lần thứ XIV, nhiệm kỳ 2020-2025")
    assert report.milestones_changed == [
        Changed("M16", m16_title, (FieldChange("due_date", date(2020, 5, 15), date(2020, 5, 20)),))]
    assert report.milestones_deactivated == [m28_ref]
    assert report.assignments == [AssignmentDiff("M19", (), ("HU-DIENBIEN",))]
    assert (report.assignments_added, report.assignments_removed) == (0, 1)
    assert not (report.units_added or report.units_changed or report.units_retired or report.milestones_added)
    assert report.affected_milestone_ids == {milestones["M16"], milestones["M19"], milestones["M28"]}
    assert render_report(report, translator("vi")) == "\n".join([
        "Kế hoạch DB-CT35-2019: đã nhập.",
        "Mốc: thêm 0, sửa 1, ngừng theo dõi 1, khôi phục 0.",
        f"  ~ M16  {m16_title}: hạn: 15/05/2020 → 20/05/2020",
        "  - M28  Đại hội đại biểu Đảng bộ tỉnh lần thứ XIV, nhiệm kỳ 2020-2025 (ngừng theo dõi)",
        "Phân công: thêm 0, bỏ 1.",
        "  M19: bỏ HU-DIENBIEN",
    ])

    assert await ids_by_code(session_factory) == (units, milestones)  # updated in place, nothing new
    kept = await assignment(session_factory, "M16", "HU-DIENBIEN")
    assert (kept.state, kept.active, kept.confirmed_at) == (AssignmentState.done, True, LATER)
    dropped = await assignment(session_factory, "M19", "HU-DIENBIEN")
    assert (dropped.state, dropped.active) == (AssignmentState.done, False)
    async with session_factory() as session:
        m16, m28 = (await session.get(Milestone, milestones["M16"])), (await session.get(Milestone, milestones["M28"]))
        assert m16 is not None and m28 is not None
        assert (m16.due_date, m16.updated_at, m16.created_at) == (date(2020, 5, 20), LATER, FIRST)
        assert m28.active is False
        imports = (await session.execute(select(Event).where(Event.kind == "import"))).scalars().all()
    assert len(imports) == 2
    details = json.loads(imports[-1].details or "")
    assert (details["file"], details["plan"], details["milestones"]["changed"], details["milestones"]["deactivated"],
            details["assignments"]) == ("kh.yaml", "DB-CT35-2019", {"M16": ["due_date"]}, ["M28"],
                                        {"added": 0, "removed": 1})
    assert (imports[-1].at, imports[-1].actor_label) == (LATER, "cli")

    # The original file again: M28 and the M19 assignment come back, with the confirmation they had.
    report = await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=LATER)
    assert report.milestones_reactivated == [m28_ref]
    assert report.milestones_changed == [
        Changed("M16", m16_title, (FieldChange("due_date", date(2020, 5, 20), date(2020, 5, 15)),))]
    assert report.assignments == [AssignmentDiff("M19", ("HU-DIENBIEN",), ())]
    back = await assignment(session_factory, "M19", "HU-DIENBIEN")
    assert (back.id, back.state, back.active) == (dropped.id, AssignmentState.done, True)


async def test_dry_run_reports_the_same_and_writes_nothing(session_factory: Factory) -> None:
    empty = await snapshot(session_factory)
    dry = await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=FIRST, dry_run=True)
    assert await snapshot(session_factory) == empty
    real = await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=FIRST)
    dry_text, real_text = render_report(dry, translator("vi")), render_report(real, translator("vi"))
    assert dry_text.splitlines()[0] == "Kế hoạch DB-CT35-2019: chạy thử, chưa ghi gì vào cơ sở dữ liệu."
    assert dry_text.splitlines()[1:] == real_text.splitlines()[1:]
    assert "Mốc: thêm 28, sửa 0, ngừng theo dõi 0, khôi phục 0." in real_text


TREE = """\
plan: {code: KH, title: Thử}
units:
  - code: TU
    name: Tỉnh ủy
    kind: province_committee
    children:
      - code: HU-A
        name: Huyện ủy A
        kind: district_committee
        children:
          - {code: X-1, name: Đảng ủy xã 1, kind: grassroots}
      - {code: HU-B, name: Huyện ủy B, kind: district_committee}
milestones:
  - {code: M1, title: Một, due: 01/05/2020, units: [{subtree: HU-A}]}
  - {code: M2, title: Hai, due: 02/05/2020, units: [{kind: district_committee}]}
"""


MOVED = dedent("""\
    plan: {code: KH, title: Thử}
    units:
      - {code: TU, name: Tỉnh ủy, kind: province_committee}
      - {code: HU-B, name: Huyện ủy Bê, kind: district_committee, parent: TU}
      - {code: X-1, name: Đảng ủy xã 1, kind: grassroots, parent: HU-B}
    milestones:
      - {code: M1, title: Một, due: 01/05/2020, units: [X-1]}
      - {code: M2, title: Hai, due: 02/05/2020, units: [{kind: district_committee}]}
    """)
MOVED_CHANGES = [
    Changed("HU-B", "Huyện ủy Bê", (FieldChange("name", "Huyện ủy B", "Huyện ủy Bê"),)),
    Changed("X-1", "Đảng ủy xã 1", (FieldChange("parent", "HU-A", "HU-B"),)),
]


async def test_a_plan_file_reports_how_it_differs_from_stored_units_and_changes_none(session_factory: Factory) -> None:
    await run_import(session_factory=session_factory, plan=parse(TREE), now=FIRST)
    async with session_factory() as session:
        before = {unit.code: unit for unit in (await session.execute(select(Unit))).scalars()}

    report = await run_import(session_factory=session_factory, plan=parse(MOVED), now=LATER)

    assert report.units_kept == MOVED_CHANGES and report.units_changed == [] and report.units_retired == []
    # The plan still decides its own work: HU-A is no longer given M1 or M2, but stays in the organisation.
    assert report.assignments == [AssignmentDiff("M1", (), ("HU-A",)), AssignmentDiff("M2", (), ("HU-A",))]
    assert render_report(report, translator("vi")).splitlines()[1:3] == [
        '  ! đơn vị HU-B đã có, không đổi: tên: "Huyện ủy B" → "Huyện ủy Bê"',
        '  ! đơn vị X-1 đã có, không đổi: đơn vị cấp trên: "HU-A" → "HU-B"',
    ]
    async with session_factory() as session:
        after = {unit.code: unit for unit in (await session.execute(select(Unit))).scalars()}
    assert {code: (unit.name, unit.parent_id, unit.path, unit.active) for code, unit in after.items()} == {
        code: (unit.name, unit.parent_id, unit.path, unit.active) for code, unit in before.items()}
    assert not (await run_import(session_factory=session_factory, plan=parse(MOVED), now=LATER)).changed


async def test_update_units_moves_and_renames_but_never_retires(session_factory: Factory) -> None:
    await run_import(session_factory=session_factory, plan=parse(TREE), now=FIRST)
    report = await run_import(session_factory=session_factory, plan=parse(MOVED), now=LATER, update_units=True)
    assert report.units_changed == MOVED_CHANGES and report.units_kept == []
    assert render_report(report, translator("vi")).splitlines()[1:4] == [
        "Đơn vị: thêm 0, sửa 2, khôi phục 0, ngừng theo dõi 0.",
        '  ~ HU-B  Huyện ủy Bê: tên: "Huyện ủy B" → "Huyện ủy Bê"',
        '  ~ X-1  Đảng ủy xã 1: đơn vị cấp trên: "HU-A" → "HU-B"',
    ]
    async with session_factory() as session:
        rows = {unit.code: unit for unit in (await session.execute(select(Unit))).scalars()}
    tu, hu_b, x_1 = rows["TU"], rows["HU-B"], rows["X-1"]
    assert (x_1.parent_id, x_1.path, x_1.depth) == (hu_b.id, f"/{tu.id}/{hu_b.id}/{x_1.id}/", 2)
    assert rows["HU-A"].active is True  # the plan no longer names it: still the organisation's

    back = await run_import(session_factory=session_factory, plan=parse(TREE), now=LATER, update_units=True)
    assert back.assignments == [AssignmentDiff("M1", ("HU-A",), ()), AssignmentDiff("M2", ("HU-A",), ())]
    async with session_factory() as session:
        x_1 = (await session.execute(select(Unit).where(Unit.code == "X-1"))).scalar_one()
    assert x_1.path == f"/{tu.id}/{rows['HU-A'].id}/{x_1.id}/"


async def test_a_milestone_gains_new_returning_and_never_assigned_units_in_one_import(
        session_factory: Factory) -> None:
    await run_import(session_factory=session_factory, plan=parse(TREE), now=FIRST)
    fewer = edited(TREE, ("units: [{subtree: HU-A}]}", "units: [X-1]}"))
    assert (await run_import(session_factory=session_factory, plan=parse(fewer), now=FIRST)).assignments == [
        AssignmentDiff("M1", (), ("HU-A",))]
    dropped = await assignment(session_factory, "M1", "HU-A")
    more = dedent("""\
        plan: {code: KH, title: Thử}
        units:
          - {code: TU, name: Tỉnh ủy, kind: province_committee}
          - {code: HU-A, name: Huyện ủy A, kind: district_committee, parent: TU}
          - {code: X-1, name: Đảng ủy xã 1, kind: grassroots, parent: HU-A}
          - {code: HU-B, name: Huyện ủy B, kind: district_committee, parent: TU}
          - {code: X-2, name: Đảng ủy xã 2, kind: grassroots, parent: HU-B}
        milestones:
          - {code: M1, title: Một, due: 01/05/2020, units: [HU-A, X-1, HU-B, X-2]}
          - {code: M2, title: Hai, due: 02/05/2020, units: [HU-A]}
        """)

    report = await run_import(session_factory=session_factory, plan=parse(more), now=LATER)

    assert report.assignments == [AssignmentDiff("M1", ("HU-A", "HU-B", "X-2"), ()),
                                  AssignmentDiff("M2", (), ("HU-B",))]
    assert (report.assignments_added, report.assignments_removed) == (3, 1)
    back = await assignment(session_factory, "M1", "HU-A")
    assert (back.id, back.active) == (dropped.id, True)  # the same row, not a new one
    for milestone, unit in (("M1", "HU-B"), ("M1", "X-2")):
        added = await assignment(session_factory, milestone, unit)
        assert (added.state, added.active) == (AssignmentState.open, True)
    assert (await assignment(session_factory, "M2", "HU-B")).active is False
    assert not (await run_import(session_factory=session_factory, plan=parse(more), now=LATER)).changed


async def test_a_new_order_is_counted_not_listed(session_factory: Factory) -> None:
    await run_import(session_factory=session_factory, plan=parse(TREE), now=FIRST)
    swapped = edited(TREE, ("  - {code: M1, title: Một, due: 01/05/2020, units: [{subtree: HU-A}]}\n", ""))
    swapped += "  - {code: M1, title: Một, due: 01/05/2020, units: [{subtree: HU-A}]}\n"
    report = await run_import(session_factory=session_factory, plan=parse(swapped), now=LATER)
    assert (report.milestones_changed, report.reordered) == ([], 2)
    assert render_report(report, translator("vi")).splitlines()[1:] == [
        "Đổi thứ tự 2 mục (chỉ vị trí trong tệp)."]
    report = await run_import(session_factory=session_factory, plan=parse(swapped), now=LATER)
    assert not report.changed


def generated_plan(districts: int) -> plan_file.Plan:
    lines = ["plan: {code: KH, title: Thử}", "units:",
             "  - {code: TU, name: Tỉnh ủy, kind: province_committee}"]
    for number in range(districts):
        lines.append(f"  - {{code: HU-{number}, name: Huyện {number}, kind: district_committee, parent: TU}}")
        lines += [f"  - {{code: X-{number}-{commune}, name: Xã {commune}, kind: grassroots, parent: HU-{number}}}"
                  for commune in range(3)]
    lines += ["milestones:",
              "  - {code: M1, title: Một, due: 01/05/2020, units: [{kind: grassroots}]}",
              "  - {code: M2, title: Hai, due: 02/05/2020, units: [{kind: district_committee}]}"]
    return parse("\n".join(lines) + "\n")


async def count_statements(factory: Factory, plan: plan_file.Plan) -> int:
    engine = factory.kw["bind"].sync_engine
    statements = []

    def count(*_args: object) -> None:
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        async with factory() as session:
            await import_plan(session=session, plan=plan, now=FIRST)
            await session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def second_plan(*milestone_codes: str) -> str:
    """Another plan over the same units (so no unit leaves): plan code KH-B and its own milestones."""
    head = SAMPLE_TEXT[:SAMPLE_TEXT.index("\nmilestones:\n")]
    head = edited(head, ("  code: DB-CT35-2019\n", "  code: KH-B\n"))
    return head + "\nmilestones:\n" + "".join(
        f"  - {{code: {code}, title: Việc {code}, due: 01/06/2020, units: [BTV-TU]}}\n" for code in milestone_codes)


async def active_by_plan(factory: Factory) -> dict[str | None, int]:
    async with factory() as session:
        rows = (await session.execute(
            select(Plan.code, Milestone.active).join(Plan, Plan.id == Milestone.plan_id))).all()
    counts: dict[str | None, int] = {}
    for plan_code, active in rows:
        counts[plan_code] = counts.get(plan_code, 0) + int(active)
    return counts


async def test_a_second_plan_leaves_the_first_plans_milestones_alone(session_factory: Factory) -> None:
    await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=FIRST)
    report = await run_import(session_factory=session_factory, plan=parse(second_plan("B-M01", "B-M02")), now=LATER)
    assert [ref.code for ref in report.milestones_added] == ["B-M01", "B-M02"]
    assert report.milestones_deactivated == [] and report.milestones_changed == []
    assert await active_by_plan(session_factory) == {"DB-CT35-2019": 28, "KH-B": 2}
    # Each plan deactivates only its own: B without B-M02, then A again, changes nothing of the other.
    report = await run_import(session_factory=session_factory, plan=parse(second_plan("B-M01")), now=LATER)
    assert report.milestones_deactivated == [Ref("B-M02", "Việc B-M02")]
    assert not (await run_import(session_factory=session_factory, plan=parse(SAMPLE_TEXT), now=LATER)).changed
    assert await active_by_plan(session_factory) == {"DB-CT35-2019": 28, "KH-B": 1}


async def test_the_number_of_queries_does_not_grow_with_the_tree(
    session_factory: Factory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other_engine = make_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('big') / 'big.db'}")
    async with other_engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    try:
        small, big = generated_plan(5), generated_plan(150)  # 21 and 601 units
        counted = await count_statements(session_factory, small)
        assert counted == await count_statements(make_sessionmaker(other_engine), big)
        assert counted < 15
    finally:
        await other_engine.dispose()
