"""`nhacviec health`: what a monitor needs to know, read from the database only (never written, never migrated).

* the database answers, and its schema is at Alembic's head;
* the reminder engine's state: the next reminder, the last message sent, and whether due work is piling up —
  reminders or deliveries due for longer than `STALL_GRACE` while the send window is open (no bot process is
  sweeping, or it is stuck), and claims left by a process that died;
* failed sends (the admins' /loi).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import make_engine
from bot.models import Reminder, ReminderDelivery
from bot.settings import Settings

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
class HealthReport:
    reachable: bool
    error: str | None = None
    backend: str = ""
    current_revision: str | None = None
    head_revision: str | None = None
    scheduler: SchedulerState | None = None

    @property
    def migrated(self) -> bool:
        return self.current_revision is not None and self.current_revision == self.head_revision

    @property
    def healthy(self) -> bool:
        return self.reachable and self.migrated and not (self.scheduler and self.scheduler.stalled)


async def scheduler_state(connection: AsyncConnection, *, settings: Settings, now: datetime) -> SchedulerState:
    from scheduler.states import DeliveryStatus, ReminderStatus
    from scheduler.window import SendWindow

    async def scalar(statement):  # type: ignore[no-untyped-def]
        return (await connection.execute(statement)).scalar()

    pending = Reminder.status == ReminderStatus.pending.value
    waiting = ReminderDelivery.status == DeliveryStatus.pending.value
    window = SendWindow(opens=time(settings.reminder_hour), closes=settings.quiet_from, tz=settings.tz)
    late_items, late_since = 0, None
    if window.is_open(now):
        # On a weekend only that day's steps may go out (the backlog waits for Monday): count those only.
        oldest = window.oldest_sendable(now)
        cutoff = now - STALL_GRACE
        reminder_due = [pending, Reminder.fire_at <= cutoff]  # type: ignore[operator]
        delivery_due = [waiting, ReminderDelivery.next_attempt_at <= cutoff]
        if oldest is not None:
            reminder_due.append(Reminder.fire_at >= oldest)  # type: ignore[operator]
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
                return current, set(inspect(sync_connection).get_table_names())

            current, tables = await connection.run_sync(revision_and_tables)
            report = HealthReport(reachable=True, backend=backend, current_revision=current, head_revision=head)
            if not report.migrated or not {"reminder", "reminder_delivery"} <= tables:
                return report
            state = await scheduler_state(connection, settings=settings, now=now)
            return HealthReport(reachable=True, backend=backend, current_revision=current, head_revision=head,
                                scheduler=state)
        finally:
            await connection.close()
    except Exception as error:  # noqa: BLE001  (any failure to reach the database is the answer)
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return HealthReport(reachable=False, backend=backend, head_revision=head, error=message)
    finally:
        await engine.dispose()
