"""The reminder engine: the database holds the reminders, the JobQueue only wakes the bot.

Flow
----
1. Planning (`scheduler.planner`): every open assignment gets its ladder as rows in `reminder` — the steps
   before the deadline, and the first overdue reminder and escalation. An import re-plans the milestones it
   touched; startup (`plan_all`) creates whatever is missing. Nothing about reminders lives in memory.
2. The sweep (`ReminderEngine.sweep`), every minute and at each precise wake-up. It queues the weekly digests
   when their hours come (bot/digest.py), and when the send window is open (from the reminder hour until 21:00
   local, on working days only — `bot.workdays`; the calendar is read once per sweep, so a day an admin
   declares off holds the reminders at once):
   a. composes the due rows into digests — one message per unit (per parent unit for escalations), the
      newest step per assignment, so a downtime's backlog becomes one digest and is not replayed; the next
      overdue reminder (next working day) and escalation (a week on) are created as the previous fire;
   b. dispatches the deliveries, alongside a (the first digests leave while later ones are composed): claimed
      rows, sent through the Bot (and its `TelegramRateLimiter`), each outcome recorded at once; 429s, network
      errors and 5xx are retried, 403s deactivate the member and tell the supervisors, migrated groups are
      followed, permanent failures are kept for `list_failures`.
   Every message the bot sends on its own goes this way (bot/outbox.py queues the others: notices, urges,
   the weekly digest). Those are the prompt lane: claimed before the queued reminders, and sent at any hour —
   outside the window the sweep dispatches them alone, and a handler that queued some asks for them to go at
   once (`send_soon`: the prompt lane only, no reminder is composed ahead of its time).
3. The wake-up: after each sweep one `run_once` job is (re)set for the earliest pending row, so the 08:00
   reminders leave at 08:00 and not up to a minute later. There is never more than that one job and the
   repeating sweep — never a job per reminder, and no persistent job store (PTB's jobs cannot be pickled,
   and two schedulers must not share a store). Both jobs have `misfire_grace_time=None`: a wake-up that
   comes late is harmless (the rows say what is due), one silently dropped after APScheduler's default
   one-second grace is not.

Wiring (the Application's builder and post_init / post_stop)::

    from scheduler import TelegramRateLimiter, start_reminders

    application = (
        ApplicationBuilder().token(token).base_url(settings.telegram_api_base_url)
        .rate_limiter(TelegramRateLimiter())          # one budget for replies and reminders
        .post_init(post_init).post_stop(post_stop).build()
    )

    engines: list[ReminderEngine] = []  # not bot_data (persisted; the engine is not picklable), not an
                                        # attribute of the Application (it has __slots__)

    async def post_init(application: Application) -> None:
        engines.append(await start_reminders(application, session_factory=factory, settings=settings))

    async def post_stop(application: Application) -> None:
        for engine in engines:
            engine.stop()                             # ends a running sweep after the messages in flight

Catch-up and quiet hours: the first sweep runs as soon as the application starts and sends the backlog of a
downtime — one digest per unit — if the send window is open; otherwise at the next opening. A message that
was composed and failed is retried when due, but never at night nor on a day off.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.ext import Application, CallbackContext, JobQueue

from bot.db import session_scope
from bot.digest import queue_weekly_digests
from bot.outbox import MessageKind
from bot.settings import Settings
from bot.timeutil import Clock, LeaseClock, SystemClock
from bot.workdays import WorkingCalendar, load_calendar
from scheduler.compose import ComposeResult
from scheduler.delivery import RetryPolicy, Sleep
from scheduler.dispatcher import Dispatcher, DispatchStats, Feed
from scheduler.ladder import Audience
from scheduler.notices import Renderers
from scheduler.outbox import pending_work_at, prompt_work_at
from scheduler.periods import create_due_periods
from scheduler.planner import PlanResult, plan_all
from scheduler.ratelimit import TelegramRateLimiter
from scheduler.store_process import make_store
from scheduler.window import SendWindow

log = logging.getLogger(__name__)

SWEEP_JOB = "reminders:sweep"
WAKE_JOB = "reminders:wake"


@dataclass(frozen=True)
class EngineConfig:
    sweep_interval: timedelta = timedelta(minutes=1)
    quiet_from: time = time(21, 0)  # no message from this local time until the reminder hour
    concurrency: int = 8  # messages in flight at once
    claim_timeout: timedelta = timedelta(minutes=5)  # a claim older than this is taken back
    compose_batch: int = 200  # units per composing transaction
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # The sweep's database work (composing, claiming, rendering, recording) in a process of its own: this one's
    # CPU then goes to the sends alone (scheduler/store_process.py). Not for an in-memory database.
    database_process: bool = False


@dataclass
class SweepReport:
    composed: ComposeResult = field(default_factory=ComposeResult)
    dispatched: DispatchStats = field(default_factory=DispatchStats)
    skipped: str | None = None  # why no reminder was composed ("quiet hours", "day off", "busy")
    next_wake: datetime | None = None
    periods: int = 0  # periods of periodic milestones created (scheduler.periods)
    digests: int = 0  # weekly digests queued (bot.digest)

    def add(self, result: ComposeResult) -> None:
        for name in ("claimed", "digests", "deliveries", "superseded", "cancelled"):
            setattr(self.composed, name, getattr(self.composed, name) + getattr(result, name))


def make_worker_id() -> str:
    """Names this process in claims (host, pid and a random part: a restarted process is a new worker)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ReminderEngine:
    """Plans, composes and sends reminders; knows nothing of the JobQueue (see `ReminderJobs`)."""

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        bot: Bot,
        settings: Settings,
        clock: Clock,
        config: EngineConfig = EngineConfig(),
        worker_id: str | None = None,
        sleep: Sleep = asyncio.sleep,
        lease_clock: LeaseClock | None = None,
        renderers: Renderers | None = None,
    ) -> None:
        """`clock` is the plan's time (what is due); `lease_clock` the processes' real time (how old a claim
        is, when a retry may go) — the same in production, apart under FAKE_NOW and in tests. `renderers`: the
        texts of the queued messages that are not reminders, by kind (scheduler.notices)."""
        self.settings = settings
        self.clock = clock
        self.config = config
        self.worker_id = worker_id or make_worker_id()
        self.window = SendWindow(opens=time(settings.reminder_hour), closes=config.quiet_from, tz=settings.tz)
        self._session_factory = session_factory
        # An engine given no text for the weekly digest (a benchmark, a test of the ladder) does not queue it.
        self._weekly = MessageKind.weekly.value in (renderers or {})
        self._lock = asyncio.Lock()
        self._stopping = False
        self._store = make_store(session_factory=session_factory, settings=settings, worker_id=self.worker_id,
                                 renderers=renderers, in_process=not config.database_process)
        self._dispatcher = Dispatcher(
            store=self._store,
            bot=bot,
            clock=clock,
            concurrency=config.concurrency,
            claim_timeout=config.claim_timeout,
            retry=config.retry,
            sleep=sleep,
            should_stop=lambda: self._stopping,
            lease_clock=lease_clock,
        )

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def stop(self) -> None:
        """Asks a running sweep to end after the messages in flight."""
        self._stopping = True

    async def start(self) -> None:
        """Starts the database process, if the engine has one, so that the first sweep does not wait for it."""
        await self._store.start()

    async def close(self) -> None:
        """Ends the database process, if the engine has one (after `stop` and the sweep's end)."""
        async with self._lock:
            await self._store.close()

    async def plan_all(self) -> PlanResult:
        async with session_scope(self._session_factory) as session:
            return await plan_all(session, settings=self.settings, clock=self.clock)

    async def sweep(self) -> SweepReport:
        """Composes and sends everything due now; one sweep at a time per process."""
        if self._lock.locked():
            return SweepReport(skipped="busy")
        async with self._lock:
            report = SweepReport()
            now = self.clock.now()
            calendar = await self._calendar()
            # Periodic milestones get their next period as the days pass, at night and on days off too.
            report.periods = await self._create_periods(calendar)
            report.digests = await self._queue_digests(now, calendar)  # the digest keeps its own hours
            feed = None
            if not self.window.is_open(now):
                report.skipped = "quiet hours"
            elif self.window.is_day_off(now, calendar):
                report.skipped = "day off"
            else:
                feed = self._composer(report, oldest=None, calendar=calendar)
            if not self._stopping:
                # Outside the window only the prompt lane: what people did is told at any hour, reminders wait.
                # Composing runs alongside the sends: the first digests leave while the others are composed.
                report.dispatched = await self._dispatcher.run(prompt_only=report.skipped is not None, feed=feed)
            report.next_wake = await self.next_wake_at(calendar)
            return report

    async def send_prompt(self) -> SweepReport:
        """Sends the prompt lane only (what handlers just queued: notices, urges), composing no reminder: their
        times stay the sweep's. One sweep or send at a time per process."""
        if self._lock.locked():
            return SweepReport(skipped="busy")
        async with self._lock:
            report = SweepReport(skipped="prompt only")
            if not self._stopping:
                report.dispatched = await self._dispatcher.run(prompt_only=True)
            report.next_wake = await self.next_wake_at()
            return report

    async def _queue_digests(self, now: datetime, calendar: WorkingCalendar) -> int:
        if not self._weekly:
            return 0
        try:
            async with session_scope(self._session_factory) as session:
                return len(await queue_weekly_digests(session=session, now=now, tz=self.settings.tz,
                                                      quiet_from=self.config.quiet_from, calendar=calendar))
        except Exception:  # reminders still go out; the next sweep queues the digests (once: their key)
            log.exception("queueing the weekly digests failed")
            return 0

    async def _create_periods(self, calendar: WorkingCalendar) -> int:
        try:
            async with session_scope(self._session_factory) as session:
                return len(await create_due_periods(session, settings=self.settings, clock=self.clock,
                                                    calendar=calendar))
        except Exception:  # the reminders already planned still go out; the next sweep tries again
            log.exception("creating the periods of periodic milestones failed")
            return 0

    async def _calendar(self) -> WorkingCalendar:
        async with self._session_factory() as session:
            return await load_calendar(session=session)

    def _composer(self, report: SweepReport, *, oldest: datetime | None,
                  calendar: WorkingCalendar | None = None) -> Feed:
        """Composing as steps of one transaction each (units, then parent units); a step returns False once
        nothing is left to compose (or a stop was asked)."""
        audiences = [Audience.unit, Audience.parent]

        async def step() -> bool:
            while audiences and not self._stopping:
                result = await self._store.compose(audience=audiences[0], now=self.clock.now(), oldest=oldest,
                                                   max_audiences=self.config.compose_batch, calendar=calendar)
                report.add(result)
                if result.claimed:
                    return True
                audiences.pop(0)
            return False

        return step

    async def next_wake_at(self, calendar: WorkingCalendar | None = None) -> datetime | None:
        """When the next sweep has something to do: the earliest pending work, once the window is open on a
        working day; a prompt delivery's retry (any hour), if sooner."""
        async with self._session_factory() as session:
            earliest = await pending_work_at(session)
            prompt = await prompt_work_at(session)
            calendar = calendar or await load_calendar(session=session)
        windowed = None if earliest is None else max(earliest, self.window.next_open(max(earliest, self.clock.now()),
                                                                                    calendar))
        candidates = [instant for instant in (windowed, prompt) if instant is not None]
        return min(candidates) if candidates else None


class ReminderJobs:
    """The JobQueue side: a repeating sweep and one precise wake-up, both only triggers for the engine; and
    `send_soon`, a prompt send of what a handler just queued."""

    def __init__(self, engine: ReminderEngine, job_queue: JobQueue[Any]) -> None:
        self.engine = engine
        self.job_queue = job_queue
        self._task: asyncio.Task[None] | None = None
        # Asked for while a run was going: None nothing, False a prompt send, True a whole sweep. One more run
        # after it then, or what was queued meanwhile would wait for the next tick.
        self._next: bool | None = None

    def start(self, *, first: float = 0) -> None:
        self.job_queue.run_repeating(
            self._tick,
            interval=self.engine.config.sweep_interval,
            first=first,
            name=SWEEP_JOB,
            data=self,  # found by `send_soon` through the job queue
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    async def _tick(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        # The job returns at once and the sweep runs as a task: a long morning of sends must not make
        # APScheduler skip (and warn about) the following ticks.
        self._run(full=True)

    def send_soon(self) -> None:
        self._run(full=False)

    def _run(self, *, full: bool) -> None:
        if self._task is None or self._task.done():
            self._task = self.job_queue.application.create_task(self._runs(full), name="reminders:sweep-task")
        else:
            self._next = full or bool(self._next)

    async def _runs(self, full: bool) -> None:
        while True:
            try:
                report = await (self.engine.sweep() if full else self.engine.send_prompt())
            except Exception:
                log.exception("reminder sweep failed; the next one retries")
                return
            if report.composed.claimed or report.dispatched.sent or report.dispatched.failed or report.digests:
                log.info("reminders: %s, %s, %s weekly digests queued", report.composed, report.dispatched,
                         report.digests)
            self.arm(report.next_wake)
            if self._next is None:
                return
            full, self._next = self._next, None

    def arm(self, when: datetime | None) -> None:
        """Keeps exactly one wake-up job, at `when` (none if that is now or past: the sweep covers it)."""
        existing = self.job_queue.get_jobs_by_name(WAKE_JOB)
        if when is not None and when > self.engine.clock.now():
            if len(existing) == 1 and existing[0].data == when:
                return
            for job in existing:
                job.schedule_removal()
            self.job_queue.run_once(self._tick, when=self._on_wall_clock(when), data=when, name=WAKE_JOB,
                                    job_kwargs={"misfire_grace_time": None})
        else:
            for job in existing:
                job.schedule_removal()


    def _on_wall_clock(self, when: datetime) -> datetime:
        # The JobQueue runs on the wall clock. A frozen engine clock (FAKE_NOW: tests, the sandbox) would put
        # a wake-up years in the past, where it fires at once and re-arms itself in a busy loop; it wakes after
        # the same interval instead.
        clock = self.engine.clock
        if isinstance(clock, SystemClock):
            return when
        return datetime.now(UTC) + (when - clock.now())


def send_soon(job_queue: JobQueue[Any] | None) -> None:
    """Sends what was just queued (bot/outbox.py) now, not at the next tick: call it once the transaction that
    queued it has committed. Without a running engine nothing happens; the next sweep sends it anyway."""
    if job_queue is None:
        return
    for job in job_queue.get_jobs_by_name(SWEEP_JOB):
        if isinstance(job.data, ReminderJobs):
            job.data.send_soon()


async def start_reminders(
    application: Application[Any, Any, Any, Any, Any, Any],  # any bot's: the engine needs only its bot and jobs
    *,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock | None = None,
    config: EngineConfig = EngineConfig(),
    renderers: Renderers | None = None,
) -> ReminderEngine:
    """Call from post_init: plans what is missing, then schedules the sweep (the first runs at start-up,
    sending the downtime's backlog as one digest per unit) and the wake-ups. `renderers`: the texts of the
    queued messages that are not reminders (handlers/notices.py). Returns the engine."""
    if application.job_queue is None:
        raise RuntimeError('reminders need the JobQueue: install "python-telegram-bot[job-queue]"')
    if not isinstance(application.bot.rate_limiter, TelegramRateLimiter):
        log.warning("the bot has no TelegramRateLimiter: reminders are sent without per-chat limits")
    engine = ReminderEngine(
        session_factory=session_factory,
        bot=application.bot,
        settings=settings,
        clock=clock or SystemClock(),
        config=config,
        renderers=renderers,
    )
    # The database process starts (a second or two: a fresh interpreter) while this one plans.
    _, planned = await asyncio.gather(engine.start(), engine.plan_all())
    log.info("reminders planned: %s milestones, %s rows written", planned.milestones, planned.rows_written)
    ReminderJobs(engine, application.job_queue).start()
    return engine
