"""Two plans on one unit tree, through the data the views read: which milestone a typed code means, the labels
(only while more than one plan is active), a closed plan gone from progress, and the report and calendar files
naming each milestone's plan."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path

from icalendar import Calendar
from openpyxl import load_workbook

from bot.i18n import translator
from bot.models import PlanStatus
from bot.plan_views import find_plan, milestone_choices, reaches, view_labels
from bot.plans.importer import import_plan
from bot.plans.lifecycle import set_plan_status
from bot.plans.standing import standing_units
from bot.plans.validate import read_plan
from bot.progress import StatusRules, subtree_progress, unit_items
from bot.reports.calendar import calendar_bytes
from bot.reports.chart import chart_title
from bot.reports.data import calendar_entries, gather_report
from bot.reports.workbook import HEADER_ROW, report_filename, workbook_bytes
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import import_sample
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
RULES = StatusRules(tz=VN)
VI = translator("vi")
SECOND = Path(__file__).parents[1] / "e2e" / "plan-bao-cao-2020.yaml"


async def two_plans(session) -> None:  # type: ignore[no-untyped-def]
    await import_sample(session, NOW)
    plan = read_plan(SECOND, known=await standing_units(session)).plan
    assert plan is not None
    await import_plan(session=session, plan=plan, now=NOW)
    await session.flush()


async def close_second(session) -> None:  # type: ignore[no-untyped-def]
    change = await set_plan_status(session=session, code="DB-BC-2020", status=PlanStatus.closed, now=NOW)
    assert change is not None and change.changed


async def test_a_typed_code_means_one_milestone_per_plan_unless_qualified(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await two_plans(session)
        assert await view_labels(session=session) == {1: "DB-CT35-2019", 2: "15-KH/TU"}

        async def plans_of(text: str) -> list[str]:
            return [plan.code for _milestone, plan in await milestone_choices(session=session, text=text)]

        assert await plans_of("m03") == ["DB-CT35-2019", "DB-BC-2020"]
        assert await plans_of("M16") == ["DB-CT35-2019"]
        for qualified in ("DB-BC-2020:M03", "db-bc-2020/m03", "15-KH/TU/M03", "15-kh/tu:M03"):
            assert await plans_of(qualified) == ["DB-BC-2020"], qualified
        assert await plans_of("DB-CT35-2019:M03") == ["DB-CT35-2019"]
        for unknown in ("KHAC:M03", "DB-BC-2020:M16", ":M03", "DB-BC-2020:", ""):
            assert await plans_of(unknown) == [], unknown

        await close_second(session)
        assert await view_labels(session=session) == {}  # one active plan: no labels anywhere
        assert await plans_of("M03") == ["DB-CT35-2019"] and await plans_of("DB-BC-2020:M03") == []
        assert await find_plan(session=session, name="15-KH/TU") is None
        assert (await find_plan(session=session, name="15-KH/TU", active_only=False)).code == "DB-BC-2020"  # type: ignore[union-attr]


async def test_a_closed_plan_leaves_progress_but_keeps_its_report(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await two_plans(session)
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        root = await get_unit_by_code(session=session, code="TU")
        assert unit is not None and root is not None
        second_m03 = (await milestone_choices(session=session, text="DB-BC-2020:M03"))[0][0]
        before = await unit_items(session=session, unit_id=unit.id, now=NOW, rules=RULES)  # type: ignore[arg-type]
        assert {i.plan_id for i in before} == {1, 2} and len(before) == 17
        only_second = await unit_items(session=session, unit_id=unit.id, now=NOW, rules=RULES, plan_id=2)  # type: ignore[arg-type]
        assert [i.milestone_code for i in only_second] == ["M01", "M03"]
        assert await reaches(session=session, milestone_id=second_m03.id, unit_ids=[unit.id], roots=[])  # type: ignore[arg-type,list-item]

        await close_second(session)
        after = await unit_items(session=session, unit_id=unit.id, now=NOW, rules=RULES)  # type: ignore[arg-type]
        assert [i.assignment_id for i in after] == [i.assignment_id for i in before if i.plan_id == 1]
        assert {p.plan_id for p in await subtree_progress(session=session, root=root, now=NOW, rules=RULES)} == {1}
        assert not await reaches(session=session, milestone_id=second_m03.id, unit_ids=[unit.id], roots=[root])  # type: ignore[arg-type,list-item]
        kept = await subtree_progress(session=session, root=root, now=NOW, rules=RULES, plan_id=2)
        assert [(p.code, p.total) for p in kept] == [("M01", 2), ("M03", 1)]  # asked for by name: still there


async def test_a_mixed_report_names_each_milestones_plan(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await two_plans(session)
        root = await get_unit_by_code(session=session, code="TU")
        assert root is not None
        data = await gather_report(session=session, root=root, now=NOW, rules=RULES)
        second = await find_plan(session=session, name="DB-BC-2020")
        one = await gather_report(session=session, root=root, now=NOW, rules=RULES, plan=second)
    summary, *details = load_workbook(BytesIO(workbook_bytes(data, VI, VN))).worksheets  # details: a page wide each
    assert [summary.cell(row=HEADER_ROW, column=c).value for c in (1, 2, 3, 4, 5)] == [
        "STT", "Kế hoạch", "Nội dung công việc", "Mã", "Thời hạn"]
    rows = [[summary.cell(row=r, column=c).value for c in (2, 4)] for r in range(HEADER_ROW + 1, summary.max_row)]
    assert ["DB-CT35-2019", "M03"] in rows and ["15-KH/TU", "M03"] in rows and len(rows) == 30
    assert summary.cell(row=HEADER_ROW + 1, column=5).number_format == "DD/MM/YYYY"  # the date moved right
    headers = [(h.split("\n")[0], h.split("\n")[-1]) for ws in details
               for h in (str(ws.cell(row=HEADER_ROW, column=c).value) for c in range(4, ws.max_column))]
    assert ("15-KH/TU", "M03 · hạn 20/05/2020") in headers and ("DB-CT35-2019", "M03 · hạn 30/09/2019") in headers
    assert chart_title(data, VI) == "Tiến độ thực hiện — Tỉnh ủy Điện Biên · DB-CT35-2019, 15-KH/TU"

    # One plan's report: its title and file name say which; the columns are those of a one-plan report.
    summary = load_workbook(BytesIO(workbook_bytes(one, VI, VN))).worksheets[0]
    assert summary["A2"].value == "BÁO CÁO TIẾN ĐỘ THỰC HIỆN CÁC MỐC CÔNG VIỆC — 15-KH/TU"
    assert summary.cell(row=HEADER_ROW, column=3).value == "Mã"
    assert report_filename(one, VN) == "bao-cao-tu-db-bc-2020-20200512.xlsx"
    assert chart_title(one, VI) == "Tiến độ thực hiện — Tỉnh ủy Điện Biên · 15-KH/TU"


async def test_calendar_events_name_their_plan_and_never_share_a_uid(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await two_plans(session)
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None
        mixed = await calendar_entries(session=session, units=[unit], now=NOW, rules=RULES)
        await close_second(session)
        alone = await calendar_entries(session=session, units=[unit], now=NOW, rules=RULES)

    def events(entries):  # type: ignore[no-untyped-def]
        calendar = Calendar.from_ical(calendar_bytes(entries, VI, tz=VN, now=NOW, name=unit.name))
        return {str(e["UID"]): str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}

    both = events(mixed)
    assert len(both) == len(mixed) == 17
    assert both["db-bc-2020-m03-hu-dienbien@nhacviec"].startswith("Hạn M03 (15-KH/TU): Báo cáo kết quả kiểm tra")
    assert both["db-ct35-2019-m03-hu-dienbien@nhacviec"].startswith("Hạn M03 (DB-CT35-2019): Hội nghị cán bộ")
    single = events(alone)
    assert len(single) == 15 and all(summary.startswith("Hạn M") and "(" not in summary.split(":")[0]
                                     for summary in single.values())
