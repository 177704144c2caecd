"""`nhacviec schedule` lists what the engine will send: checked against the engine itself over Tết 2027, and, for
the sample plans, never a message on a weekend or a day off of 2019–2027. Declared days are fixtures."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from bot.cli import app
from bot.db import session_scope
from bot.models import Assignment, Milestone, Reminder
from bot.settings import PROJECT_ROOT, Settings
from bot.timeutil import FixedClock
from bot.workdays import default_calendar
from scheduler.engine import ReminderEngine
from scheduler.planner import plan_all
from scheduler.schedule import PlannedSend, planned_sends
from tests.scheduler.factories import Factory
from tests.scheduler.timeline import run_days
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SECRETARY, SUPERVISOR = 7401, 7402
VN_HOLIDAYS = holidays.country_holidays("VN", years=range(2018, 2029))  # the package itself, not bot.workdays
WORKED = set(VN_HOLIDAYS.weekend_workdays)
LINE = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d:\d\d)  (\S+) +(\S+) +(\S+)  (.*)")


def is_day_off(day: date) -> bool:
    return day in VN_HOLIDAYS or (day.weekday() >= 5 and day not in WORKED)


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=VN)


async def tet_district(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """A district (with a supervisor) above a commune with a secretary and one nobody has joined, both given a
    milestone due on Friday 29/01/2027 and one due on Sunday 14/02/2027 (right after Tết)."""
    async with session_scope(session_factory) as session:
        f = Factory(session)
        district = await f.unit("HU-DB", name="Huyện ủy Điện Biên")
        joined = await f.unit("XA-A", name="Đảng ủy xã Thanh An", parent=district)
        empty = await f.unit("XA-B", name="Đảng ủy xã Thanh Xương", parent=district)
        await f.secretary(joined, chat_id=SECRETARY)
        await f.supervisor(district, chat_id=SUPERVISOR)
        await f.milestone("M01", date(2027, 1, 29), units=[joined, empty])
        await f.milestone("M02", date(2027, 2, 14), units=[joined, empty])


def as_rows(sends: list[PlannedSend]) -> set[tuple[str, str, str, date]]:
    return {(send.unit_code, send.milestone_code, send.step.split(":")[0] if send.step[0] == "d" else send.step,
             send.send_at.astimezone(VN).date()) for send in sends}


async def test_the_schedule_is_what_the_engine_sends(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    await tet_district(session_factory)
    clock.set(at(date(2027, 1, 18), 9))
    await engine.plan_all()
    async with session_factory() as session:
        sends = await planned_sends(session, settings=settings, now=clock.now(), calendar=default_calendar())
    assert all(not is_day_off(send.send_at.astimezone(VN).date()) for send in sends)
    assert all(send.send_at.astimezone(VN).time() == time(8, 0) for send in sends)
    assert {send.unit_code for send in sends if not send.reachable} == {"XA-B"}
    assert all(send.planned for send in sends)
    listed = as_rows(sends)
    # M02 (due on a Sunday): 7 days before is mùng 3 Tết → Wednesday 03/02; 3 days before is Thursday 11/02; 1 day
    # before (Saturday) and the due day's own step both → Friday 12/02, which the due day's keeps; late from 15/02.
    assert {row for row in listed if row[:2] == ("XA-A", "M02")} == {
        ("XA-A", "M02", "d7", date(2027, 2, 3)), ("XA-A", "M02", "d3", date(2027, 2, 11)),
        ("XA-A", "M02", "d0", date(2027, 2, 12)),
        ("XA-A", "M02", "late:2027-02-15", date(2027, 2, 15)), ("XA-A", "M02", "esc:2027-02-15", date(2027, 2, 15))}

    await run_days(engine, clock, transport, date(2027, 1, 18), date(2027, 2, 16))
    async with session_factory() as session:
        rows = (await session.execute(select(Reminder.assignment_id, Reminder.step, Reminder.status, Reminder.fire_at)
                                      .where(Reminder.status.in_(["sent", "failed"])))).all()
    # Every listed step went out (or, for the unit nobody joined, failed for want of a recipient) on the day
    # listed; the overdue chain's later repeats are the ones the schedule says it does not list.
    went = {(step, fire_at.astimezone(VN).date(), status) for _id, step, status, fire_at in rows}
    for send in sends:
        expected = (send.step, send.send_at.astimezone(VN).date(), "sent" if send.reachable else "failed")
        assert expected in went, send
    first_steps = {(step, day) for step, day, _status in went if step[0] == "d"}
    assert first_steps == {(f"{step}:{'2027-01-29' if code == 'M01' else '2027-02-14'}", day)
                           for _unit, code, step, day in listed if step[0] == "d"}


async def test_assignments_without_rows_show_what_the_planner_would_write(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    await tet_district(session_factory)
    now = at(date(2027, 1, 18), 9)
    async with session_factory() as session:
        unplanned = await planned_sends(session, settings=settings, now=now, calendar=default_calendar(),
                                        unit_code="xa-a")
    assert unplanned and not any(send.planned for send in unplanned)
    assert {send.unit_code for send in unplanned} == {"XA-A"}
    async with session_scope(session_factory) as session:
        await plan_all(session, settings=settings, clock=FixedClock(now))
    async with session_factory() as session:
        planned = await planned_sends(session, settings=settings, now=now, calendar=default_calendar(),
                                      unit_code="XA-A")
    assert all(send.planned for send in planned)
    assert as_rows(planned) == as_rows(unplanned)
    # Later, the bot down since before Tết, and M02's rows lost: M01's backlog goes out at the next opening on a
    # working day, folded to one step per audience; M02 gets what the planner would write, folded the same way.
    async with session_scope(session_factory) as session:
        await session.execute(delete(Reminder).where(Reminder.assignment_id.in_(
            select(Assignment.id).join(Milestone, Milestone.id == Assignment.milestone_id)
            .where(Milestone.code == "M02"))))
    later = at(date(2027, 2, 6), 10)  # Saturday, mùng 1 Tết: nothing goes out until Thursday 11/02
    async with session_factory() as session:
        backlog = await planned_sends(session, settings=settings, now=later, calendar=default_calendar(),
                                      unit_code="XA-A", plan_code="kh")
    assert {(send.milestone_code, send.step, send.send_at.astimezone(VN), send.planned) for send in backlog} == {
        ("M01", "late:2027-02-01", at(date(2027, 2, 11)), True), ("M01", "esc:2027-02-01", at(date(2027, 2, 11)), True),
        ("M02", "d3:2027-02-14", at(date(2027, 2, 11)), False),  # d7 (03/02) is folded into it
        ("M02", "d0:2027-02-14", at(date(2027, 2, 12)), False),
        ("M02", "late:2027-02-15", at(date(2027, 2, 15)), False),
        ("M02", "esc:2027-02-15", at(date(2027, 2, 15)), False)}


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("bot.cli.get_settings", lambda: Settings(_env_file=None))  # uncached: reads FAKE_NOW
    runner = CliRunner()

    def invoke(now: str, *args: str) -> str:
        monkeypatch.setenv("FAKE_NOW", now)
        result = runner.invoke(app, ["--database-url", database_url, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


def listed_days(output: str) -> list[date]:
    return [date(int(m[3]), int(m[2]), int(m[1])) for m in map(LINE.match, output.splitlines()) if m]


def test_the_sample_plans_are_never_reminded_on_a_day_off(cli) -> None:  # type: ignore[no-untyped-def]
    plans = PROJECT_ROOT / "plans"
    start = "2019-08-01T09:00:00+07:00"
    cli(start, "units", "import", str(plans / "units-dien-bien.yaml"))
    for plan in ("dien-bien-2019.yaml", "dien-bien-2026.yaml"):
        if (plans / plan).exists():
            cli(start, "import", str(plans / plan))
    # Fixtures: Monday 23/09/2019 declared off, Saturday 28/09/2019 worked — around the deadline of 30/09/2019.
    cli(start, "calendar", "add", "23/09/2019", "--off", "--note", "ví dụ trong test")
    cli(start, "calendar", "add", "28/09/2019", "--work", "--note", "ví dụ trong test")
    output = cli(start, "schedule", "--from", "01/08/2019", "--days", "3300")  # to 2028
    days = listed_days(output)
    assert len(days) > 500 and min(days).year == 2019 and max(days).year >= 2020
    off = [day for day in days if (is_day_off(day) and day != date(2019, 9, 28)) or day == date(2019, 9, 23)]
    assert off == []
    assert date(2019, 9, 20) in days and date(2019, 9, 28) in days  # d7 before the day off; the worked Saturday
    first = output.splitlines()[1]
    assert LINE.match(first) and first.endswith("⚠ chưa có ai tham gia")  # nobody has joined the sample units
    # Years later: the 2026 plan's steps, and the 2019 plan's overdue chains (their next step only).
    later = cli("2026-11-02T09:00:00+07:00", "schedule", "--days", "200")
    days = listed_days(later)
    assert any(day.year == 2027 for day in days) and not [day for day in days if is_day_off(day)]
    assert "nhắc quá hạn" in later and "DB-CT35-2019" in later


def test_schedule_refuses_bad_input_clearly(cli, database_url: str) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    for args, message in [(["--from", "31/02/2027"], 'ngày "31/02/2027" không tồn tại (tháng 2 năm 2027 có 28 ngày)'),
                          (["--days", "0"], "--days phải từ 1 đến 3660."),
                          (["--unit", "KHONG-CO"], "Không có đơn vị mã KHONG-CO."),
                          (["--plan", "KHONG-CO"], "Không có kế hoạch mã KHONG-CO.")]:
        result = runner.invoke(app, ["--database-url", database_url, "schedule", *args])
        assert (result.exit_code, result.stdout) == (1, ""), args
        assert message in result.stderr, (args, result.stderr)
    assert cli("2027-01-04T09:00:00+07:00", "schedule").startswith(
        "Không có nhắc việc nào từ 04/01/2027 đến 02/02/2027.")
