"""The reminder engine's part of `nhacviec health`, read from the database only: the next reminder, the last
message sent, and whether due work is piling up — reminders or deliveries that have been sendable for longer than
`STALL_GRACE` of send window, now or in the last window that closed (no bot process is sweeping, or it is stuck),
claims left by a process that died, and failed sends (the admins' /loi).

`check_health` is the whole check the CLI runs: the database's (bot/health.py) with this probe handed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Executable, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from bot.health import HealthReport, check_health as check_database
from bot.models import Reminder, ReminderDelivery
from bot.settings import Settings
from bot.timeutil import local_datetime, local_today
from bot.workdays import WorkingCalendar, default_calendar, load_calendar
from scheduler.states import DeliveryStatus, ReminderStatus
from scheduler.window import SendWindow

STALL_GRACE = timedelta(minutes=5)  # a sweep runs every minute; due work older than this is not being done
ENGINE_TABLES = {"reminder", "reminder_delivery"}


@dataclass(frozen=True)
class SchedulerState:
    next_reminder_at: datetime | None = None
    last_sent_at: datetime | None = None
    late_items: int = 0  # reminders and deliveries due for longer than the grace, in the send window
    late_since: datetime | None = None
    stale_claims: int = 0  # deliveries claimed by a process that stopped answering
    failed_sends: int = 0

    @property
    def stalled(self) -> bool:
        return self.late_items > 0


def last_closed_window(settings: Settings, now: datetime, calendar: WorkingCalendar | None = None) -> datetime:
    """When the send window last closed on a working day, at or before `now`. What was due `STALL_GRACE` before
    then had that long to go out, whatever the hour now (at night, on a day off)."""
    calendar = calendar or default_calendar()
    day = calendar.working_day_on_or_before(local_today(now, settings.tz))
    closing = local_datetime(day, settings.quiet_from, settings.tz)
    if closing <= now:
        return closing
    return local_datetime(calendar.previous_working_day(day), settings.quiet_from, settings.tz)


async def scheduler_state(connection: AsyncConnection, *, settings: Settings, now: datetime) -> SchedulerState:
    async def scalar(statement: Executable) -> Any:
        return (await connection.execute(statement)).scalar()

    pending = col(Reminder.status) == ReminderStatus.pending.value
    waiting = col(ReminderDelivery.status) == DeliveryStatus.pending.value
    window = SendWindow(opens=time(settings.reminder_hour), closes=settings.quiet_from, tz=settings.tz)
    calendar = await load_calendar(session=connection)
    late_items, late_since = 0, None
    # Due before the last window closed (with the grace inside it): should have gone out then.
    before_close = last_closed_window(settings, now, calendar) - STALL_GRACE
    reminder_due = [col(Reminder.fire_at) <= before_close]
    delivery_due = [col(ReminderDelivery.next_attempt_at) <= before_close]
    cutoff = now - STALL_GRACE
    if window.may_send(now, calendar) and cutoff >= local_datetime(local_today(now, settings.tz), window.opens,
                                                                   settings.tz):
        # And in the open window of a working day, for longer than the grace (on a day off nothing goes out).
        reminder_due = [reminder_due[0] | (col(Reminder.fire_at) <= cutoff)]
        delivery_due = [col(ReminderDelivery.next_attempt_at) <= cutoff]
    reminder_due.append(pending)
    delivery_due.append(waiting)
    late_reminders = await scalar(select(func.count()).select_from(Reminder).where(*reminder_due))
    late_deliveries = await scalar(select(func.count()).select_from(ReminderDelivery).where(*delivery_due))
    late_items = int(late_reminders or 0) + int(late_deliveries or 0)
    if late_items:
        since = [await scalar(select(func.min(Reminder.fire_at)).where(*reminder_due)),
                 await scalar(select(func.min(ReminderDelivery.next_attempt_at)).where(*delivery_due))]
        late_since = min(instant for instant in since if instant is not None)
    # Claims are stamped in real time even when the plan's clock is frozen (scheduler/outbox.py).
    stale_before = datetime.now(UTC) - timedelta(seconds=settings.reminder_claim_timeout_seconds)
    return SchedulerState(
        next_reminder_at=await scalar(select(func.min(Reminder.fire_at)).where(pending)),
        last_sent_at=await scalar(select(func.max(ReminderDelivery.sent_at))),
        late_items=late_items,
        late_since=late_since,
        stale_claims=int(await scalar(select(func.count()).select_from(ReminderDelivery).where(
            col(ReminderDelivery.status) == DeliveryStatus.sending.value,
            col(ReminderDelivery.claimed_at) < stale_before)) or 0),
        failed_sends=int(await scalar(select(func.count()).select_from(ReminderDelivery).where(
            col(ReminderDelivery.status) == DeliveryStatus.failed.value)) or 0),
    )


async def check_health(settings: Settings, *, now: datetime) -> HealthReport[SchedulerState]:
    """`nhacviec health`: the database, its schema and workload, and the engine's state."""
    async def probe(connection: AsyncConnection, tables: set[str]) -> SchedulerState | None:
        if not ENGINE_TABLES <= tables:
            return None
        return await scheduler_state(connection, settings=settings, now=now)

    return await check_database(settings, now=now, engine_probe=probe)
