"""When the bot may speak: never at night, and a backlog never on a weekend.

Sending is allowed from `reminder_hour` until `quiet_from` local time. On a weekend day only steps planned
for that very day go out (a due date that falls on a weekend); anything older waits for Monday morning.
The ladder already avoids nights and weekends; this gate is for catch-up after downtime and for retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.timeutil import local_datetime, local_today
from scheduler.ladder import is_working_day


@dataclass(frozen=True)
class SendWindow:
    opens: time
    closes: time
    tz: ZoneInfo

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.tz).time()
        return self.opens <= local < self.closes

    def next_open(self, now: datetime) -> datetime:
        """`now` if the window is open, else the instant it next opens."""
        if self.is_open(now):
            return now
        day = local_today(now, self.tz)
        opening = local_datetime(day, self.opens, self.tz)
        return opening if opening > now else local_datetime(day + timedelta(days=1), self.opens, self.tz)

    def oldest_sendable(self, now: datetime) -> datetime | None:
        """On a weekend day, steps planned before today wait: the earliest fire time allowed now."""
        today: date = local_today(now, self.tz)
        if is_working_day(today):
            return None
        return local_datetime(today, time(0), self.tz)
