"""When the bot may speak: never at night, and never on a day off.

Sending is allowed from `reminder_hour` until `quiet_from` local time, on working days (`bot.workdays`: not on
weekends, public holidays or declared days off; a Saturday worked "làm bù" is a working day). The ladder already
plans nothing at night or on a day off; this gate is for catch-up after downtime, for retries, and for steps
planned before a day was declared off: they wait for the next working morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.timeutil import local_datetime, local_today
from bot.workdays import WorkingCalendar, default_calendar


@dataclass(frozen=True)
class SendWindow:
    opens: time
    closes: time
    tz: ZoneInfo

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.tz).time()
        return self.opens <= local < self.closes

    def is_day_off(self, now: datetime, calendar: WorkingCalendar | None = None) -> bool:
        return not (calendar or default_calendar()).is_working_day(local_today(now, self.tz))

    def may_send(self, now: datetime, calendar: WorkingCalendar | None = None) -> bool:
        return self.is_open(now) and not self.is_day_off(now, calendar)

    def next_open(self, now: datetime, calendar: WorkingCalendar | None = None) -> datetime:
        """`now` if the window is open on a working day, else the instant it next opens on one."""
        calendar = calendar or default_calendar()
        if self.may_send(now, calendar):
            return now
        day = calendar.working_day_on_or_after(local_today(now, self.tz))
        opening = local_datetime(day, self.opens, self.tz)
        if opening > now:
            return opening
        return local_datetime(calendar.next_working_day(day), self.opens, self.tz)

