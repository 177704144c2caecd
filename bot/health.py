"""`nhacviec health`: what a monitor needs to know, read from the database only (never written, never migrated).

* the database answers, and its schema is at Alembic's head;
* there is something to remind: units, and items not done yet in a plan still followed (an empty database — a
  wrong DATABASE_URL, a plan never imported — or a finished plan reminds nobody, and a monitor must hear it);
* the reminder engine's state: the next reminder, the last message sent, and whether due work is piling up —
  reminders or deliveries that have been sendable for longer than `STALL_GRACE` of send window, now or in the
  last window that closed (no bot process is sweeping, or it is stuck), and claims left by a process that died;
* failed sends (the admins' /loi).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import column, func, inspect, literal_column, select, table, true
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import make_engine
from bot.models import Assignment, AssignmentState, Milestone, Reminder, ReminderDelivery, Unit
from bot.settings import Settings
from bot.timeutil import local_datetime, local_today
from bot.workdays import WorkingCalendar, default_calendar, load_calendar

CONNECT_TIMEOUT = 10.0
STALL_GRACE = timedelta(minutes=5)  # a sweep runs every minute; due work older than this is not being done


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


@dataclass(frozen=True)
class Workload:
    units: int = 0  # units followed (active)
    open_items: int = 0  # assignments not done, of milestones still followed, in plans not closed

    @property
    def nothing_to_remind(self) -> bool:
        return self.units == 0 or self.open_items == 0


@dataclass(frozen=True)
class HealthReport:
    reachable: bool
    error: str | None = None
    backend: str = ""
    current_revision: str | None = None
    head_revision: str | None = None
    scheduler: SchedulerState | None = None
    workload: Workload | None = None
    checked_at: datetime | None = None

    @property
    def migrated(self) -> bool:
        return self.current_revision is not None and self.current_revision == self.head_revision

    @property
    def nothing_to_remind(self) -> bool:
        return self.workload is not None and self.workload.nothing_to_remind

    @property
    def healthy(self) -> bool:
        return (self.reachable and self.migrated and not (self.scheduler and self.scheduler.stalled)
                and not self.nothing_to_remind)


def last_closed_window(settings: Settings, now: datetime, calendar: WorkingCalendar | None = None) -> datetime:
    """When the send window last closed on a working day, at or before `now`. What was due `STALL_GRACE` before
    then had that long to go out, whatever the hour now (at night, on a day off)."""
    calendar = calendar or default_calendar()
    day = calendar.working_day_on_or_before(local_today(now, settings.tz))
    closing = local_datetime(day, settings.quiet_from, settings.tz)
    if closing <= now:
        return closing
    return local_datetime(calendar.previous_working_day(day), settings.quiet_from, settings.tz)


async def workload(connection: AsyncConnection, *, with_plans: bool) -> Workload:
    async def scalar(statement):  # type: ignore[no-untyped-def]
        return int((await connection.execute(statement)).scalar() or 0)

    open_items = (select(func.count()).select_from(Assignment)
                  .join(Milestone, Milestone.id == Assignment.milestone_id)  # type: ignore[arg-type]
                  .where(Assignment.active == true(), Assignment.state != AssignmentState.done,  # type: ignore[arg-type]
                         Milestone.active == true()))  # type: ignore[arg-type]
    if with_plans:  # a closed plan is never reminded again
        plan = table("plan", column("id"), column("status"))
        open_items = open_items.join(plan, plan.c.id == literal_column("milestone.plan_id")).where(
            plan.c.status == "active")
    return Workload(units=await scalar(select(func.count()).select_from(Unit).where(Unit.active == true())),  # type: ignore[arg-type]
                    open_items=await scalar(open_items))


async def scheduler_state(connection: AsyncConnection, *, settings: Settings, now: datetime) -> SchedulerState:
    from scheduler.states import DeliveryStatus, ReminderStatus
    from scheduler.window import SendWindow

    async def scalar(statement):  # type: ignore[no-untyped-def]
        return (await connection.execute(statement)).scalar()

    pending = Reminder.status == ReminderStatus.pending.value
    waiting = ReminderDelivery.status == DeliveryStatus.pending.value
    window = SendWindow(opens=time(settings.reminder_hour), closes=settings.quiet_from, tz=settings.tz)
    calendar = await load_calendar(session=connection)
    late_items, late_since = 0, None
    # Due before the last window closed (with the grace inside it): should have gone out then.
    before_close = last_closed_window(settings, now, calendar) - STALL_GRACE
    reminder_due = [Reminder.fire_at <= before_close]  # type: ignore[operator]
    delivery_due = [ReminderDelivery.next_attempt_at <= before_close]
    cutoff = now - STALL_GRACE
    if window.may_send(now, calendar) and cutoff >= local_datetime(local_today(now, settings.tz), window.opens,
                                                                   settings.tz):
        # And in the open window of a working day, for longer than the grace (on a day off nothing goes out).
        reminder_due = [reminder_due[0] | (Reminder.fire_at <= cutoff)]  # type: ignore[operator]
        delivery_due = [ReminderDelivery.next_attempt_at <= cutoff]
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
    stale_before = datetime.now(timezone.utc) - timedelta(seconds=settings.reminder_claim_timeout_seconds)
    return SchedulerState(
        next_reminder_at=await scalar(select(func.min(Reminder.fire_at)).where(pending)),
        last_sent_at=await scalar(select(func.max(ReminderDelivery.sent_at))),
        late_items=late_items,
        late_since=late_since,
        stale_claims=int(await scalar(select(func.count()).select_from(ReminderDelivery).where(
            ReminderDelivery.status == DeliveryStatus.sending.value,
            ReminderDelivery.claimed_at < stale_before)) or 0),  # type: ignore[operator]
        failed_sends=int(await scalar(select(func.count()).select_from(ReminderDelivery).where(
            ReminderDelivery.status == DeliveryStatus.failed.value)) or 0),
    )


async def check_health(settings: Settings, *, now: datetime) -> HealthReport:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.schema import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        if not Path(url.database).is_file():  # connecting would create an empty file
            return HealthReport(reachable=False, backend=backend, head_revision=head,
                                error=f"không có tệp {url.database}")
    engine = make_engine(settings.database_url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            connection = await engine.connect()
        try:
            def revision_and_tables(sync_connection):  # type: ignore[no-untyped-def]
                current = MigrationContext.configure(sync_connection).get_current_revision()
                inspector = inspect(sync_connection)
                tables = set(inspector.get_table_names())
                plans = "plan" in tables and any(
                    c["name"] == "plan_id" for c in inspector.get_columns("milestone"))
                return current, tables, plans

            current, tables, with_plans = await connection.run_sync(revision_and_tables)
            report = HealthReport(reachable=True, backend=backend, current_revision=current, head_revision=head,
                                  checked_at=now)
            if not report.migrated or not {"reminder", "reminder_delivery"} <= tables:
                return report
            state = await scheduler_state(connection, settings=settings, now=now)
            return HealthReport(reachable=True, backend=backend, current_revision=current, head_revision=head,
                                scheduler=state, workload=await workload(connection, with_plans=with_plans),
                                checked_at=now)
        finally:
            await connection.close()
    except Exception as error:  # noqa: BLE001  (any failure to reach the database is the answer)
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return HealthReport(reachable=False, backend=backend, head_revision=head, error=message)
    finally:
        await engine.dispose()
