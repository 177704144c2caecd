"""/lich: a unit's milestones as .ics, parsed back with icalendar; dates and alarms read in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.i18n import translator
from bot.models import AssignmentState
from bot.progress import StatusRules, unit_items
from bot.reports.calendar import alarm_trigger, calendar_bytes
from bot.reports.data import calendar_entries, subtree_calendar_entries
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import assignment_of, import_sample
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
RULES = StatusRules(tz=VN)


async def test_unit_calendar_round_trips_dates_and_alarms(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await import_sample(session, clock.now())
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None
        entries = await calendar_entries(session=session, units=[unit], now=NOW, rules=RULES)
        items = await unit_items(session=session, unit_id=unit.id, now=NOW, rules=RULES)  # type: ignore[arg-type]
    content = calendar_bytes(entries, translator("vi"), tz=VN, now=NOW, name=unit.name)

    calendar = Calendar.from_ical(content)
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Ho_Chi_Minh"
    assert str(calendar["X-WR-CALNAME"]) == "Huyện ủy Điện Biên"
    events = calendar.walk("VEVENT")
    assert len(events) == len(items) > 5
    # Stable, distinct UIDs: plan, milestone and unit ("db-ct35-2019-m16-hu-dienbien@nhacviec").
    by_code = {str(e["UID"]).removeprefix("db-ct35-2019-").split("-")[0].upper(): e for e in events}
    assert len(by_code) == len(events)
    for item in items:
        event = by_code[item.milestone_code]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        # All-day: a DATE, not a DATE-TIME, the due day itself, whatever the reader's time zone.
        assert type(start) is date and start == item.due_date and end == item.due_date + timedelta(days=1)
        stamp = event.decoded("DTSTAMP")
        assert stamp.tzinfo is not None and stamp.astimezone(VN) == NOW

    m16 = by_code["M16"]
    assert str(m16["SUMMARY"]).startswith("Hạn M16: ")
    description = str(m16["DESCRIPTION"])
    assert "Đơn vị: Huyện ủy Điện Biên" in description
    assert "Hạn chót: 17:00, Thứ Sáu, 15/05/2020" in description
    alarms = m16.walk("VALARM")
    assert [a.decoded("TRIGGER") for a in alarms] == [alarm_trigger(3, 8), alarm_trigger(1, 8)]
    assert [str(a["DESCRIPTION"]) for a in alarms] == ["Còn 3 ngày đến hạn M16", "Còn 1 ngày đến hạn M16"]
    # The alarms ring at 08:00 in Hà Nội, three days and one day before the due day, also when read back in UTC.
    local_start = datetime.combine(m16.decoded("DTSTART"), time(0), tzinfo=VN)
    rings = [(local_start + a.decoded("TRIGGER")).astimezone(ZoneInfo("UTC")) for a in alarms]
    assert [r.astimezone(VN) for r in rings] == [datetime(2020, 5, 12, 8, 0, tzinfo=VN),
                                                  datetime(2020, 5, 14, 8, 0, tzinfo=VN)]
    assert rings[0] == datetime(2020, 5, 12, 1, 0, tzinfo=ZoneInfo("UTC"))


async def test_supervisor_calendar_lists_each_milestone_once(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await import_sample(session, clock.now())
        root = await get_unit_by_code(session=session, code="TU")
        assert root is not None
        entries = await subtree_calendar_entries(session=session, root=root, now=NOW, rules=RULES)
    codes = [e.milestone_code for e in entries]
    assert len(codes) == len(set(codes)) == 28
    assert [e.due_date for e in entries] == sorted(e.due_date for e in entries)
    ical = calendar_bytes(entries, translator("en"), tz=VN, now=NOW, name=root.name)
    events = Calendar.from_ical(ical).walk("VEVENT")
    assert len(events) == 28 and str(events[0]["SUMMARY"]).startswith("Deadline ")


async def test_finished_items_ring_no_alarm_and_say_so(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    """M15 done and M19 reported (awaiting acceptance) ring nothing and say so; M16, still open, keeps its two."""
    async with session_factory() as session:
        await import_sample(session, clock.now())
        done = await assignment_of(session, "HU-DIENBIEN", "M15")
        done.state, done.confirmed_at = AssignmentState.done, datetime(2020, 3, 30, 10, 15, tzinfo=VN)
        reported = await assignment_of(session, "HU-DIENBIEN", "M19")
        reported.state, reported.reported_at = AssignmentState.reported, datetime(2020, 5, 11, 9, 0, tzinfo=VN)
        await session.commit()
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None
        entries = await calendar_entries(session=session, units=[unit], now=NOW, rules=RULES)
    events = {str(e["UID"]).removeprefix("db-ct35-2019-").split("-")[0].upper(): e
              for e in Calendar.from_ical(calendar_bytes(entries, translator("vi"), tz=VN, now=NOW,
                                                         name=unit.name)).walk("VEVENT")}
    m15, m19, m16 = events["M15"], events["M19"], events["M16"]
    assert m15.walk("VALARM") == [] and m19.walk("VALARM") == []
    assert str(m15["SUMMARY"]).startswith("✅ Hạn M15: ") and str(m15["SUMMARY"]).endswith(" (đã hoàn thành)")
    assert str(m19["SUMMARY"]).startswith("🕓 Hạn M19: ") and str(m19["SUMMARY"]).endswith(" (chờ xác nhận)")
    assert len(m16.walk("VALARM")) == 2 and str(m16["SUMMARY"]).startswith("Hạn M16: ")
    assert "hoàn thành" not in str(m16["SUMMARY"])
    assert sum(len(e.walk("VALARM")) for e in events.values()) == 2 * (len(events) - 2)
