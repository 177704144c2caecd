"""Chủ trì and phối hợp: the lead units (`units:`) get the assignments; the co-ordinating ones (`coordinating:`) are
kept on the milestone and shown in its /tiendo drill-down, and get assignments and reminders only when the plan
says `remind_coordinating: true`. Unknown units are refused as in `units:`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import translator
from bot.models import Assignment, Milestone, Reminder, Unit
from bot.plans.coordinating import coordinating_names
from bot.plans.importer import run_import
from bot.plans.rendering import render_report
from bot.plans.validate import check_plan_text
from bot.progress import item_rates
from bot.settings import Settings
from bot.timeutil import FixedClock
from handlers.render import breakdown_lines
from scheduler import replan_after_import

VI = translator("vi")
PLAN = """
plan:
  code: KH-PH
  title: Kế hoạch có đơn vị phối hợp
{setting}
units:
  - code: TU
    name: Tỉnh ủy Điện Biên
    kind: province_committee
    children:
      - {{code: BTC-TU, name: Ban Tổ chức Tỉnh ủy, kind: party_board}}
      - {{code: VP-TU, name: Văn phòng Tỉnh ủy, kind: party_board}}
      - {{code: UBKT-TU, name: Ủy ban Kiểm tra Tỉnh ủy, kind: advisory_board}}
milestones:
  - code: M01
    title: Báo cáo kết quả rà soát quy hoạch cán bộ
    due: 29/05/2020
    units: [BTC-TU]
    coordinating: [{coordinating}]
  - code: BC
    title: Báo cáo tháng
    units: [BTC-TU]
    coordinating: [VP-TU]
    repeat: {{every: month, day: 20, from: 01/05/2020}}
"""


def plan_text(*, remind: bool | None = None, coordinating: str = "VP-TU, UBKT-TU") -> str:
    setting = "" if remind is None else f"  remind_coordinating: {'true' if remind else 'false'}"
    return PLAN.format(setting=setting, coordinating=coordinating)


async def imported(session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock,
                   text: str):  # type: ignore[no-untyped-def]
    check = check_plan_text(text, filename="kh.yaml")
    assert check.plan is not None, check.render(VI)
    return await run_import(session_factory=session_factory, plan=check.plan, now=clock.now(),
                            after=replan_after_import(settings=settings, clock=clock))


async def given(session: AsyncSession, code: str) -> dict[str, bool]:
    """The units a milestone is given, each with whether that assignment is active."""
    rows = await session.execute(select(Unit.code, Assignment.active).join(Assignment, Assignment.unit_id == Unit.id)
                                 .join(Milestone, Milestone.id == Assignment.milestone_id)
                                 .where(Milestone.code == code))
    return dict(rows.all())


async def reminded(session: AsyncSession, code: str) -> set[str]:
    rows = await session.execute(select(Unit.code).join(Assignment, Assignment.unit_id == Unit.id)
                                 .join(Reminder, Reminder.assignment_id == Assignment.id)
                                 .join(Milestone, Milestone.id == Assignment.milestone_id)
                                 .where(Milestone.code == code, Reminder.status == "pending"))
    return set(rows.scalars())


async def test_coordinating_units_are_kept_and_shown_but_not_reminded_by_default(
        session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock) -> None:
    await imported(session_factory, settings, clock, plan_text())
    async with session_factory() as session:
        m01 = (await session.execute(select(Milestone).where(Milestone.code == "M01"))).scalar_one()
        assert m01.coordinating == "VP-TU,UBKT-TU"
        assert await given(session, "M01") == {"BTC-TU": True}
        assert await reminded(session, "M01") == {"BTC-TU"}
        # A period of the monthly report keeps its series' co-ordinating units; they are not given it either.
        period = (await session.execute(select(Milestone).where(Milestone.code == "BC-2020-05"))).scalar_one()
        assert period.coordinating == "VP-TU" and await given(session, "BC-2020-05") == {"BTC-TU": True}
        names = await coordinating_names(session=session, milestones=[m01, period])
    assert names == {m01.id: ["Văn phòng Tỉnh ủy", "Ủy ban Kiểm tra Tỉnh ủy"], period.id: ["Văn phòng Tỉnh ủy"]}
    # /tiendo M01: the drill-down names them under the due date.
    lines = breakdown_lines(VI, m01, [], item_rates([]), coordinating=names[m01.id])
    assert lines[1:3] == ["hạn Thứ Sáu, 29/05/2020", "🤝 Phối hợp: Văn phòng Tỉnh ủy, Ủy ban Kiểm tra Tỉnh ủy"]
    assert not any("Phối hợp" in line for line in breakdown_lines(VI, m01, [], item_rates([])))


async def test_the_plan_setting_gives_them_assignments_and_reminders_and_taking_it_back_ends_them(
        session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock) -> None:
    await imported(session_factory, settings, clock, plan_text(remind=True))
    async with session_factory() as session:
        assert await given(session, "M01") == {"BTC-TU": True, "VP-TU": True, "UBKT-TU": True}
        assert await reminded(session, "M01") == {"BTC-TU", "VP-TU", "UBKT-TU"}
        assert await given(session, "BC-2020-05") == {"BTC-TU": True, "VP-TU": True}
    report = await imported(session_factory, settings, clock, plan_text(remind=False))
    async with session_factory() as session:
        assert await given(session, "M01") == {"BTC-TU": True, "VP-TU": False, "UBKT-TU": False}
        assert await reminded(session, "M01") == {"BTC-TU"}
        m01 = (await session.execute(select(Milestone).where(Milestone.code == "M01"))).scalar_one()
        assert m01.coordinating == "VP-TU,UBKT-TU"  # still co-ordinating, only no longer reminded
    assert report.assignments_removed == 3  # M01's two, and the series' VP-TU


async def test_a_changed_list_is_reported_and_an_unchanged_file_changes_nothing(
        session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock) -> None:
    await imported(session_factory, settings, clock, plan_text())
    again = await imported(session_factory, settings, clock, plan_text())
    assert not again.changed
    changed = await imported(session_factory, settings, clock, plan_text(coordinating="UBKT-TU"))
    assert ('  ~ M01  Báo cáo kết quả rà soát quy hoạch cán bộ: đơn vị phối hợp: "VP-TU,UBKT-TU" → "UBKT-TU"'
            in render_report(changed, VI).splitlines())


def test_unknown_co_ordinating_units_are_refused_as_lead_units_are() -> None:
    check = check_plan_text(plan_text(coordinating="VP-TU, SO-KHCN, {group: NHOM}"), filename="kh.yaml")
    assert check.plan is None
    assert check.render(VI) == ['kh.yaml:19: không có đơn vị mã "SO-KHCN"', 'kh.yaml:19: không có nhóm mã "NHOM"']


def test_a_unit_both_leading_and_co_ordinating_leads() -> None:
    check = check_plan_text(plan_text(coordinating="BTC-TU, VP-TU"), filename="kh.yaml")
    assert check.plan is not None and check.plan.milestones[0].coordinating == ("VP-TU",)
    assert check.render(VI) == [
        'kh.yaml:19: cảnh báo: mốc "M01": BTC-TU đã là đơn vị chủ trì nên không tính là đơn vị phối hợp']
