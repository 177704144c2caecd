"""Periodic milestones through the reminder engine: as the clock crosses period boundaries (a year's end among
them), each sweep creates the next period with no re-import — its own assignments and reminders, once."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Assignment, Milestone, PlanStatus, Reminder, Unit
from bot.plans.importer import run_import
from bot.plans.lifecycle import set_plan_status
from bot.plans.report import ImportReport
from bot.plans.validate import check_plan_text
from bot.progress import StatusRules, unit_items
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler import replan_after_import
from scheduler.engine import ReminderEngine
from tests.scheduler.factories import Factory
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BTC_CHAT, UBKT_CHAT = 8001, 8002
PLAN = """\
plan: {code: KH-BC, title: Kế hoạch báo cáo định kỳ}
units:
  - code: TU
    name: Tỉnh ủy
    kind: province_committee
    children:
      - {code: BTC, name: Ban Tổ chức Tỉnh ủy, kind: party_board}
      - {code: UBKT, name: Ủy ban Kiểm tra Tỉnh ủy, kind: advisory_board}
milestones:
  - code: BC
    title: Báo cáo kết quả công tác
    units: [BTC, UBKT]
    repeat: {every: month, day: 20, from: 01/11/2026}
  - code: HN
    title: Báo cáo {period}
    units: [BTC]
    repeat: {dates: [15/6, 15/12], from: 01/06/2026}
"""


def local(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=VN)


async def import_plan(session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock,
                      text: str = PLAN) -> ImportReport:
    check = check_plan_text(text, filename="kh-bc.yaml")
    assert check.plan is not None, check.problems
    return await run_import(session_factory=session_factory, plan=check.plan, now=clock.now(),
                            after=replan_after_import(settings=settings, clock=clock))


async def periods(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, tuple[str, date, int, int]]:
    """code -> (title, due date, active assignments, assignments with a pending reminder), for every period."""
    async with session_factory() as session:
        rows = (await session.execute(
            select(Milestone.code, Milestone.title, Milestone.due_date,
                   func.count(func.distinct(Assignment.id)), func.count(func.distinct(Reminder.assignment_id)))
            .join(Assignment, Assignment.milestone_id == Milestone.id)
            .outerjoin(Reminder, (Reminder.assignment_id == Assignment.id) & (Reminder.status == "pending"))
            .where(Milestone.series_id.is_not(None), Milestone.active, Assignment.active)
            .group_by(Milestone.code, Milestone.title, Milestone.due_date))).all()
    return {code: (title, due, assignments, reminded) for code, title, due, assignments, reminded in rows}


async def add_secretaries(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        units = {unit.code: unit for unit in (await session.execute(select(Unit))).scalars()}
        await f.secretary(units["BTC"], chat_id=BTC_CHAT)
        await f.secretary(units["UBKT"], chat_id=UBKT_CHAT)


async def test_the_sweep_creates_each_next_period_as_the_clock_crosses_the_boundaries(
        engine: ReminderEngine, clock: FixedClock, settings: Settings, transport: RecordingRequest,
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    clock.set(local(date(2026, 11, 2)))
    report = await import_plan(session_factory, settings, clock)
    assert {ref.code for ref in report.milestones_added} == {"BC", "HN", "BC-2026-11", "BC-2026-12", "HN-2026-H2",
                                                             "HN-2027-H1"}
    assert await periods(session_factory) == {
        "BC-2026-11": ("Báo cáo kết quả công tác tháng 11/2026", date(2026, 11, 20), 2, 2),
        "BC-2026-12": ("Báo cáo kết quả công tác tháng 12/2026", date(2026, 12, 20), 2, 2),
        "HN-2026-H2": ("Báo cáo 6 tháng cuối năm 2026", date(2026, 12, 15), 1, 1),
        "HN-2027-H1": ("Báo cáo 6 tháng đầu năm 2027", date(2027, 6, 15), 1, 1),
    }
    again = await import_plan(session_factory, settings, clock)
    assert not again.changed  # re-importing the file neither adds nor deactivates a period
    await add_secretaries(session_factory)

    for day, new, month in ((date(2026, 12, 1), {"BC-2027-01"}, "tháng 01/2027"),
                            # 1/1 is a holiday: nothing is sent, but the periods come all the same
                            (date(2027, 1, 1), {"BC-2027-02", "HN-2027-H2"}, "tháng 02/2027"),
                            (date(2027, 2, 1), {"BC-2027-03"}, "tháng 03/2027")):
        before = set(await periods(session_factory))
        clock.set(local(day))
        assert (await engine.sweep()).periods == len(new)
        assert (await engine.sweep()).periods == 0  # idempotent: the next sweep finds them there
        made = await periods(session_factory)
        assert set(made) - before == new
        code = min(new)
        title, due, assignments, reminded = made[code]
        assert (assignments, reminded) == (2, 2)  # its own assignments, each with its own ladder
        assert title == f"Báo cáo kết quả công tác {month}" and (due.month, due.day) == (int(code[-2:]), 20)
        if day == date(2027, 1, 1):
            # The January report is reminded on its own, 7 days ahead (Wednesday 13/01), naming its month.
            sent_before = len(transport.delivered())
            clock.set(local(date(2027, 1, 13), 8))
            await engine.sweep()
            texts = [call.params["text"] for call in transport.delivered()[sent_before:] if call.chat_id == UBKT_CHAT]
            assert len(texts) == 1 and "Báo cáo kết quả công tác tháng 01/2027" in texts[0]
    assert sorted(code for code in await periods(session_factory) if code.startswith("BC")) == [
        "BC-2026-11", "BC-2026-12", "BC-2027-01", "BC-2027-02", "BC-2027-03"]  # never more than current and next
    async with session_factory() as session:
        ubkt = (await session.execute(select(Unit).where(Unit.code == "UBKT"))).scalar_one()
        items = await unit_items(session=session, unit_id=ubkt.id, now=clock.now(),
                                 rules=StatusRules.from_settings(settings))
    assert [item.milestone_code for item in items] == [  # by due date: the late ones, then the current one
        "BC-2026-11", "BC-2026-12", "BC-2027-01", "BC-2027-02", "BC-2027-03"]


async def test_a_closed_plan_gets_no_new_period(engine: ReminderEngine, clock: FixedClock, settings: Settings,
                                                session_factory: async_sessionmaker[AsyncSession]) -> None:
    clock.set(local(date(2026, 11, 2)))
    await import_plan(session_factory, settings, clock)
    async with session_scope(session_factory) as session:
        await set_plan_status(session=session, code="KH-BC", status=PlanStatus.closed, now=clock.now())
    clock.set(local(date(2027, 2, 1)))
    assert (await engine.sweep()).periods == 0
    async with session_scope(session_factory) as session:
        await set_plan_status(session=session, code="KH-BC", status=PlanStatus.active, now=clock.now())
    assert (await engine.sweep()).periods == 3  # reopened: February and March, and the half-year's next
