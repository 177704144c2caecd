"""An office runs several plans on one unit tree: a second plan never disturbs the first (issue 12).

Plan A (the 2019 sample) is imported and a secretary registers; plan B, which lists only units of its own (hung
on A's Tỉnh ủy) and names one of A's units, is imported next. A's units, milestones, members, pending reminders
and the secretary's progress are all as they were; both plans are listed; re-importing either changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from textwrap import dedent

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import translator
from bot.invites import create_invite, redeem_invite
from bot.members import get_or_create_member
from bot.models import Assignment, Event, Member, Membership, Milestone, Plan, Reminder, Role, Unit
from bot.plans.importer import run_import
from bot.plans.plan import Plan as PlanFile
from bot.plans.registry import find_milestones, get_milestone, list_plans, plan_label
from bot.plans.rendering import render_report
from bot.plans.standing import standing_units
from bot.plans.validate import check_plan_text, read_plan
from bot.progress import StatusRules, unit_items
from bot.settings import PROJECT_ROOT, Settings
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code
from scheduler import replan_after_import

Factory = async_sessionmaker[AsyncSession]
SAMPLE = PROJECT_ROOT / "plans" / "dien-bien-2019.yaml"
IMPORTED = datetime(2020, 4, 20, 2, 0, tzinfo=UTC)
LATER = datetime(2020, 5, 4, 2, 0, tzinfo=UTC)

PLAN_B = dedent("""\
    plan:
      code: KH-CDS
      title: Kế hoạch thử về chuyển đổi số
      number: 12-KH/BCĐ
    units:
      - code: BCD-CDS
        name: Ban Chỉ đạo chuyển đổi số
        kind: other
        parent: TU
        children:
          - {code: TCT-CDS, name: Tổ công tác chuyển đổi số, kind: other}
    milestones:
      - {code: M01, title: Lập danh mục dịch vụ số, due: 15/05/2020, units: [BCD-CDS]}
      - {code: M02, title: Báo cáo số hóa hồ sơ, due: 29/05/2020, units: [TCT-CDS, HU-DIENBIEN]}
    """)


async def checked(factory: Factory, text: str, filename: str) -> PlanFile:
    """The file checked against the stored tree, as `nhacviec import` does."""
    async with factory() as session:
        known = await standing_units(session)
    check = check_plan_text(text, filename=filename, known=known)
    assert check.errors == [], check.render(translator("vi"))
    assert check.plan is not None
    return check.plan


async def import_file(factory: Factory, settings: Settings, plan: PlanFile, now: datetime):  # type: ignore[no-untyped-def]
    return await run_import(session_factory=factory, plan=plan, now=now,
                            after=replan_after_import(settings=settings, clock=FixedClock(now)))


async def rows(factory: Factory, *models: type) -> dict[str, list[tuple[object, ...]]]:
    async with factory() as session:
        return {model.__tablename__: [tuple(row) for row in (await session.execute(  # type: ignore[attr-defined]
            select(*model.__table__.columns).order_by(model.__table__.c.id))).all()]  # type: ignore[attr-defined]
            for model in models}


async def register_secretary(factory: Factory, unit_code: str, now: datetime) -> Member:
    async with factory() as session:
        unit = await get_unit_by_code(session=session, code=unit_code)
        assert unit is not None
        invite = await create_invite(session=session, unit=unit, role=Role.secretary, now=now, ttl_days=7)
        member = await get_or_create_member(session=session, telegram_user_id=4242, chat_id=4242,
                                            full_name="Thư ký Huyện ủy", username=None, now=now)
        assert (await redeem_invite(session=session, code=invite.code, member=member, now=now)).ok
        await session.commit()
        return member


async def progress_of(factory: Factory, settings: Settings, unit_code: str) -> list[tuple[str, str, str]]:
    """The unit's items as /tiendo lists them: (plan, milestone code, status)."""
    async with factory() as session:
        unit = await get_unit_by_code(session=session, code=unit_code)
        assert unit is not None
        items = await unit_items(session=session, unit_id=unit.id, now=LATER,  # type: ignore[arg-type]
                                 rules=StatusRules.from_settings(settings))
        plan_of = dict((await session.execute(select(Milestone.id, Plan.code).join(Plan))).all())
    return sorted((plan_of[item.milestone_id], item.milestone_code, item.status.value) for item in items)


async def test_a_second_plan_with_units_of_its_own_leaves_the_first_whole(
        session_factory: Factory, settings: Settings) -> None:
    plan_a = read_plan(SAMPLE).plan
    assert plan_a is not None
    await import_file(session_factory, settings, plan_a, IMPORTED)
    await register_secretary(session_factory, "HU-DIENBIEN", IMPORTED)
    before = await rows(session_factory, Unit, Milestone, Assignment, Member, Membership, Reminder)
    secretary_before = await progress_of(session_factory, settings, "HU-DIENBIEN")
    assert len(before["unit"]) == 30 and secretary_before

    report = await import_file(session_factory, settings, await checked(session_factory, PLAN_B, "b.yaml"), LATER)

    assert [ref.code for ref in report.units_added] == ["BCD-CDS", "TCT-CDS"]
    assert report.units_kept == [] and report.units_retired == []
    after = await rows(session_factory, Unit, Milestone, Assignment, Member, Membership, Reminder)
    assert after["unit"][:30] == before["unit"]  # every unit of A as it was: active, same names, same places
    for table in ("milestone", "member", "membership"):
        assert after[table][:len(before[table])] == before[table], table
    assert after["assignment"][:len(before["assignment"])] == before["assignment"]
    pending = [row for row in before["reminder"] if "pending" in row]
    assert pending and all(row in after["reminder"] for row in pending)  # not one of A's reminders cancelled
    assert await progress_of(session_factory, settings, "HU-DIENBIEN") == sorted(
        [*secretary_before, ("KH-CDS", "M02", "on_track")])

    async with session_factory() as session:
        plans = await list_plans(session=session)
        assert [(p.plan.code, plan_label(p.plan), p.milestones, p.total) for p in plans] == [
            ("DB-CT35-2019", "DB-CT35-2019", 28, len(before["assignment"])), ("KH-CDS", "12-KH/BCĐ", 2, 3)]
        tu = await get_unit_by_code(session=session, code="TU")
        bcd = await get_unit_by_code(session=session, code="BCD-CDS")
        assert tu is not None and bcd is not None
        assert (bcd.parent_id, bcd.path, bcd.depth) == (tu.id, f"{tu.path}{bcd.id}/", 1)
        # Both plans have an M01: each is found by (plan, code); by code alone it is ambiguous.
        both = await find_milestones(session=session, code="m01")
        assert [plan.code for _, plan in both] == ["DB-CT35-2019", "KH-CDS"]
        b_plan = both[1][1]
        b_m01 = await get_milestone(session=session, plan_id=b_plan.id, code="M01")  # type: ignore[arg-type]
        assert b_m01 is not None and b_m01.title == "Lập danh mục dịch vụ số"

    # Either file again, in either order: nothing changes.
    snapshot = await rows(session_factory, Plan, Unit, Milestone, Assignment, Membership, Reminder, Event)
    for text, name in ((SAMPLE.read_text(encoding="utf-8"), "a.yaml"), (PLAN_B, "b.yaml")):
        again = await import_file(session_factory, settings, await checked(session_factory, text, name), LATER)
        assert not again.changed, render_report(again, translator("vi"))
        assert render_report(again, translator("vi")).splitlines()[1:] == ["Không có thay đổi."]
    assert await rows(session_factory, Plan, Unit, Milestone, Assignment, Membership, Reminder, Event) == snapshot


async def test_a_plan_without_units_names_the_stored_tree(session_factory: Factory, settings: Settings) -> None:
    plan_a = read_plan(SAMPLE).plan
    assert plan_a is not None
    await import_file(session_factory, settings, plan_a, IMPORTED)
    text = dedent("""\
        plan: {code: KH-THANG, title: Báo cáo tháng}
        milestones:
          - {code: M01, title: Báo cáo tháng 5, due: 20/05/2020, units: [{children: TU, kind: party_board}]}
        """)
    assert [problem.render("c.yaml", translator("vi")) for problem in check_plan_text(text, filename="c.yaml").errors
            ] == ['c.yaml:1: thiếu mục "units"', 'c.yaml:3: không có đơn vị mã "TU"']  # alone, it cannot be read
    report = await import_file(session_factory, settings, await checked(session_factory, text, "c.yaml"), LATER)
    assert report.units_added == [] and report.assignments_added == 5  # the five boards of the stored tree
    async with session_factory() as session:
        assert (await session.execute(select(Unit).where(Unit.active.is_(False)))).scalars().all() == []


async def test_two_plans_may_both_use_m01(session_factory: Factory, settings: Settings) -> None:
    plan_a = read_plan(SAMPLE).plan
    assert plan_a is not None
    await import_file(session_factory, settings, plan_a, IMPORTED)
    second = (SAMPLE.read_text(encoding="utf-8")
              .replace("  code: DB-CT35-2019\n", "  code: DB-CT35-2019-B\n", 1))
    report = await import_file(session_factory, settings, await checked(session_factory, second, "b.yaml"), LATER)
    assert len(report.milestones_added) == 28 and report.units_added == []
    async with session_factory() as session:
        counts = (await session.execute(
            select(Plan.code, Milestone.code).join(Plan).where(Milestone.code == "M01"))).all()
    assert sorted(counts) == [("DB-CT35-2019", "M01"), ("DB-CT35-2019-B", "M01")]


def test_the_cli_imports_a_second_plan_without_units(tmp_path: Path, database_url: str) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    database = ["--database-url", database_url]
    runner = CliRunner()
    assert runner.invoke(app, [*database, "import", str(SAMPLE)]).exit_code == 0
    other = tmp_path / "kh-thang.yaml"
    other.write_text("plan: {code: KH-THANG, title: Báo cáo tháng}\nmilestones:\n"
                     "  - {code: M01, title: Báo cáo tháng 5, due: 20/05/2020, units: [VP-TU]}\n", encoding="utf-8")
    result = runner.invoke(app, [*database, "import", str(other)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["Kế hoạch KH-THANG: đã nhập.", "Kế hoạch mới: Báo cáo tháng"]
    listed = runner.invoke(app, [*database, "plans"])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:3] == ["DB-CT35-2019", "đang", "chạy"] and lines[1].split()[:5] == [
        "KH-THANG", "đang", "chạy", "0/1", "0%"]
    assert lines[-1] == "2 kế hoạch; 29 mốc."
