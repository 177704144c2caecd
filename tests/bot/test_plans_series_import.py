"""Importing periodic milestones: each period a milestone of its own, made once; re-imports and edits of the series
leave the periods already made as they are; a series that leaves the file stops, and comes back with its periods."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.i18n import translator
from bot.models import Assignment, CalendarDay, Milestone, Unit
from bot.plans.importer import ImportRefused, run_import
from bot.plans.periods import Repeat, upcoming
from bot.plans.rendering import render_report
from bot.plans.series import create_period, create_periods
from bot.plans.validate import check_plan_text

Factory = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 09:00 on 02/11/2026 in Hà Nội
HEAD = """\
plan: {code: KH-BC, title: Kế hoạch báo cáo định kỳ}
units:
  - {code: TU, name: Tỉnh ủy, kind: province_committee}
  - {code: BTC, name: Ban Tổ chức Tỉnh ủy, kind: party_board, parent: TU}
  - {code: UBKT, name: Ủy ban Kiểm tra Tỉnh ủy, kind: advisory_board, parent: TU}
  - {code: VP, name: Văn phòng Tỉnh ủy, kind: party_board, parent: TU}
milestones:
  - {code: M01, title: Tổng kết năm, due: 15/12/2026, units: [VP]}
"""
SERIES = ("  - {code: BC, title: Báo cáo tháng, units: [BTC, UBKT],"
          " repeat: {every: month, day: 20, from: 01/11/2026}}\n")


async def load(session_factory: Factory, text: str, *, now: datetime = NOW,
               dry_run: bool = False):  # type: ignore[no-untyped-def]
    check = check_plan_text(text, filename="kh-bc.yaml")
    assert check.plan is not None, check.render(translator("en"))
    return await run_import(session_factory=session_factory, plan=check.plan, now=now, dry_run=dry_run)


async def periods(session_factory: Factory) -> dict[str, tuple[date, bool, tuple[str, ...]]]:
    """Every period: code -> (due date, followed, codes of its units with an active assignment)."""
    async with session_factory() as session:
        rows = (await session.execute(select(Milestone).where(Milestone.series_id.is_not(None)))).scalars().all()
        found = {}
        for row in rows:
            units = (await session.execute(
                select(Unit.code).join(Assignment, Assignment.unit_id == Unit.id)
                .where(Assignment.milestone_id == row.id, Assignment.active).order_by(Unit.code))).scalars().all()
            found[row.code] = (row.due_date, row.active, tuple(units))
    return found


async def make_periods(session_factory: Factory, today: date) -> list[str]:
    async with session_scope(session_factory) as session:
        return [made.code for made in await create_periods(session=session, today=today)]


async def test_reimporting_keeps_the_periods_the_file_does_not_list(session_factory: Factory) -> None:
    first = await load(session_factory, HEAD + SERIES)
    assert [ref.code for ref in first.milestones_added] == ["M01", "BC", "BC-2026-11", "BC-2026-12"]
    assert [ref.name for ref in first.milestones_added][2:] == ["Báo cáo tháng 11/2026",
                                                                "Báo cáo tháng 12/2026"]
    assert await make_periods(session_factory, date(2026, 12, 1)) == ["BC-2027-01"]
    again = await load(session_factory, HEAD + SERIES, now=datetime(2026, 12, 2, tzinfo=UTC))
    assert not again.changed and again.milestones_deactivated == []
    assert {code: followed for code, (_due, followed, _units) in (await periods(session_factory)).items()} == {
        "BC-2026-11": True, "BC-2026-12": True, "BC-2027-01": True}


async def test_an_edited_series_shapes_only_the_periods_still_to_come(session_factory: Factory) -> None:
    await load(session_factory, HEAD + SERIES)
    edited = SERIES.replace("day: 20", "day: 31").replace("[BTC, UBKT]", "[BTC, UBKT, VP]")
    report = await load(session_factory, HEAD + edited)
    assert [change.field for change in report.milestones_changed[0].fields] == ["repeat"]
    assert '  ~ BC  Báo cáo tháng: repeat: "day: 20" → "day: 31"' in render_report(report, translator("vi"))
    assert report.milestones_added == [] and report.milestones_deactivated == []
    async with session_scope(session_factory) as session:  # a unit retired meanwhile is given no new period
        await session.execute(update(Unit).where(Unit.code == "UBKT").values(active=False))
    assert await make_periods(session_factory, date(2026, 12, 21)) == ["BC-2027-01"]
    assert await make_periods(session_factory, date(2027, 2, 1)) == ["BC-2027-02", "BC-2027-03"]
    assert await periods(session_factory) == {
        "BC-2026-11": (date(2026, 11, 20), True, ("BTC", "UBKT")),  # made before the edit: as they were
        "BC-2026-12": (date(2026, 12, 20), True, ("BTC", "UBKT")),
        "BC-2027-01": (date(2027, 1, 31), True, ("BTC", "VP")),
        "BC-2027-02": (date(2027, 2, 28), True, ("BTC", "VP")),  # day 31 in February: its last day
        "BC-2027-03": (date(2027, 3, 31), True, ("BTC", "VP")),
    }


async def test_a_series_that_leaves_the_file_stops_and_comes_back_with_its_periods(session_factory: Factory) -> None:
    await load(session_factory, HEAD + SERIES)
    gone = await load(session_factory, HEAD)
    assert sorted(ref.code for ref in gone.milestones_deactivated) == ["BC", "BC-2026-11", "BC-2026-12"]
    assert await make_periods(session_factory, date(2027, 1, 1)) == []  # no more periods
    back = await load(session_factory, HEAD + SERIES, now=datetime(2027, 1, 1, 2, tzinfo=UTC))
    assert sorted(ref.code for ref in back.milestones_reactivated) == ["BC-2026-11", "BC-2026-12"]
    assert sorted(ref.code for ref in back.milestones_added) == ["BC-2027-01", "BC-2027-02"]
    assert all(followed for _due, followed, _units in (await periods(session_factory)).values())


@pytest.mark.parametrize(("first", "then", "message"), [
    (HEAD, HEAD.replace("due: 15/12/2026,", "repeat: {every: month, day: 15, from: 01/12/2026},"),
     'mốc "M01" đang được theo dõi như mốc thường: mốc định kỳ cần mã mới'),
    (HEAD + SERIES, HEAD + SERIES.replace("repeat: {every: month, day: 20, from: 01/11/2026}", "due: 20/12/2026"),
     'mốc "BC" là mốc định kỳ: mốc thường cần mã mới'),
])
async def test_a_code_keeps_its_kind_and_a_refused_import_writes_nothing(session_factory: Factory, first: str,
                                                                         then: str, message: str) -> None:
    await load(session_factory, first)
    async with session_factory() as session:
        before = (await session.execute(select(func.count()).select_from(Milestone))).scalar_one()
    with pytest.raises(ImportRefused) as refused:
        await load(session_factory, then)
    assert refused.value.render(translator("vi")) == [f"kh-bc.yaml: {message}"]
    async with session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(Milestone))).scalar_one() == before


async def test_a_dry_run_makes_no_period(session_factory: Factory) -> None:
    report = await load(session_factory, HEAD + SERIES, dry_run=True)
    assert "BC-2026-11" in {ref.code for ref in report.milestones_added}
    assert await periods(session_factory) == {}


async def test_the_last_working_day_follows_the_days_admins_declare(session_factory: Factory) -> None:
    last_working = SERIES.replace("day: 20, from: 01/11/2026", "day: last_working, from: 01/04/2027")
    async with session_scope(session_factory) as session:
        session.add(CalendarDay(day=date(2027, 4, 29), working=False, note="Nghỉ bù", created_at=NOW,
                                updated_at=NOW))
    await load(session_factory, HEAD + last_working, now=datetime(2027, 3, 31, 2, tzinfo=UTC))
    # 30/4 and 1/5 are holidays, 29/4 declared off: the April report is due on Wednesday 28/4.
    assert {code: due for code, (due, _followed, _units) in (await periods(session_factory)).items()} == {
        "BC-2027-04": date(2027, 4, 28), "BC-2027-05": date(2027, 5, 31)}


async def test_a_period_another_transaction_made_meanwhile_is_not_made_again(session_factory: Factory) -> None:
    await load(session_factory, HEAD + SERIES)
    async with session_factory() as session:
        series = (await session.execute(select(Milestone).where(Milestone.code == "BC"))).scalar_one()
    (january, _february) = upcoming(Repeat.from_json(series.repeat), date(2026, 12, 1))
    assert await make_periods(session_factory, date(2026, 12, 1)) == ["BC-2027-01"]
    # Another process read "January is missing" before that commit, and inserts it all the same.
    async with session_scope(session_factory) as session:
        assert await create_period(session, series, january, NOW) is None
    made = await periods(session_factory)
    assert sorted(made) == ["BC-2026-11", "BC-2026-12", "BC-2027-01"]
    assert made["BC-2027-01"][2] == ("BTC", "UBKT")  # its assignments copied once

