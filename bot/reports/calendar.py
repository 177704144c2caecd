"""A unit's milestones as an iCalendar file (.ics): one all-day event per milestone on its due date.

Each open item's event carries two alarms, 3 days and 1 day before the due day, at the reminder hour (08:00 local
by default: an all-day event starts at local midnight, so a plain "-P3D" would ring at midnight). An item the unit
has finished (done, or reported and awaiting acceptance) rings nothing and says so in its summary. UIDs are stable
(plan × milestone × unit), so importing the file again updates the events instead of duplicating them. Where
several plans are active, each event's summary names its plan.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from bot.i18n import Translator
from bot.reports.data import CalendarEntry
from bot.status import Group

ALARM_DAYS = (3, 1)
PRODID = "-//nhacviec//Nhac viec theo ke hoach//VI"


def alarm_trigger(days_before: int, hour: int) -> timedelta:
    """Offset from the event's start (local midnight of the due day) to `hour`:00, `days_before` days earlier."""
    return -timedelta(days=days_before) + timedelta(hours=hour)


def uid(entry: CalendarEntry) -> str:
    # The plan is part of it: two plans may both have an M01 for the same unit.
    plan = f"{entry.plan_code}-" if entry.plan_code else ""
    return f"{plan}{entry.milestone_code}-{entry.unit_code}@nhacviec".lower().replace(" ", "-")


def finished(entry: CalendarEntry) -> bool:
    """Nothing left for the unit to do: done, or reported and awaiting the supervisor's acceptance."""
    return entry.status is not None and entry.status.group in (Group.done, Group.awaiting)


def summary(entry: CalendarEntry, t: Translator) -> str:
    """"Hạn M16: …", or "Hạn M16 (15-KH/TU): …" where several plans are active; a finished item starts with its
    marker and ends with its state ("✅ Hạn M16: … (đã hoàn thành)")."""
    code = f"{entry.milestone_code} ({entry.plan_label})" if entry.plan_label else entry.milestone_code
    text = t.gettext("Deadline {code}: {title}").format(code=code, title=entry.title)
    if entry.status is None or not finished(entry):
        return text
    state = (t.gettext("{summary} (done)") if entry.status.group == Group.done
             else t.gettext("{summary} (awaiting acceptance)"))
    return f"{entry.status.marker} " + state.format(summary=text)


def calendar_bytes(entries: list[CalendarEntry], t: Translator, *, tz: ZoneInfo, now: datetime, name: str,
                   workday_end_text: str = "17:00", alarm_hour: int = 8) -> bytes:
    _ = t.gettext
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", tz.key)
    stamp = now.astimezone(ZoneInfo("UTC"))
    for entry in entries:
        event = Event()
        event.add("uid", uid(entry))
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.due_date)
        event.add("dtend", entry.due_date + timedelta(days=1))
        event.add("summary", summary(entry, t))
        ends = entry.due_time.strftime("%H:%M") if entry.due_time else workday_end_text
        lines = [_("Unit: {unit}").format(unit=entry.unit_name),
                 _("Due by {time} on {date}").format(time=ends, date=t.date(entry.due_date))]
        if entry.phase:
            lines.append(_("Phase: {phase}").format(phase=entry.phase))
        if entry.source_text:
            lines.append(_("Plan text: “{text}”").format(text=" ".join(entry.source_text.split())))
        event.add("description", "\n".join(lines))
        event.add("categories", [entry.unit_code])
        event.add("transp", "TRANSPARENT")
        for days in () if finished(entry) else ALARM_DAYS:  # a finished item no longer rings
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", t.ngettext("{code} is due in {n} day", "{code} is due in {n} days", days)
                      .format(code=entry.milestone_code, n=days))
            alarm.add("trigger", alarm_trigger(days, alarm_hour))
            event.add_component(alarm)
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def calendar_filename(unit_code: str) -> str:
    return f"lich-{unit_code.lower()}.ics"
