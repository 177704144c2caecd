"""The JobQueue side: start_reminders plans and registers one sweep; one wake-up job at a time; no pickling."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, ApplicationBuilder

from bot.db import session_scope
from bot.models import Reminder
from bot.settings import Settings
from bot.timeutil import FixedClock, SystemClock
from scheduler.engine import SWEEP_JOB, WAKE_JOB, ReminderEngine, ReminderJobs, start_reminders
from scheduler.ratelimit import TelegramRateLimiter
from tests.scheduler.factories import Factory
from tests.scheduler.transport import TOKEN, RecordingRequest


def application(transport: RecordingRequest) -> Application:  # type: ignore[type-arg]
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .request(transport)
        .get_updates_request(transport)
        .rate_limiter(TelegramRateLimiter())
        .build()
    )


async def test_start_reminders_plans_and_registers_one_sweep(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    transport: RecordingRequest,
) -> None:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        await f.milestone("M01", date(2020, 5, 15), units=[await f.unit("XA")])
    app = application(transport)
    engine = await start_reminders(app, session_factory=session_factory, settings=settings, clock=clock)
    assert isinstance(engine, ReminderEngine)
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Reminder)) == 5
    assert app.job_queue is not None
    (job,) = app.job_queue.jobs()
    assert job.name == SWEEP_JOB
    assert job.job.misfire_grace_time is None and job.job.coalesce is True  # a late sweep is never dropped
    assert job.job.trigger.interval == timedelta(minutes=1)
    assert transport.calls == []  # nothing is sent before the application starts


async def test_one_wake_up_job_at_a_time(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, transport: RecordingRequest
) -> None:
    app = application(transport)
    assert app.job_queue is not None
    engine = ReminderEngine(session_factory=session_factory, bot=app.bot, settings=settings, clock=SystemClock())
    jobs = ReminderJobs(engine, app.job_queue)
    await app.initialize()
    await app.job_queue.start()
    try:
        jobs.start(first=3600)
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
        jobs.arm(soon)
        jobs.arm(soon)
        jobs.arm(soon + timedelta(minutes=5))
        wakes = app.job_queue.get_jobs_by_name(WAKE_JOB)
        assert [job.next_t for job in wakes] == [soon + timedelta(minutes=5)]
        assert wakes[0].job.misfire_grace_time is None
        jobs.arm(None)
        assert app.job_queue.get_jobs_by_name(WAKE_JOB) == ()
        assert [job.name for job in app.job_queue.jobs()] == [SWEEP_JOB]
        assert app.job_queue.scheduler._jobstores.keys() == {"default"}  # the in-memory store, nothing pickled
        assert type(app.job_queue.scheduler._jobstores["default"]).__name__ == "MemoryJobStore"
    finally:
        await app.job_queue.stop(wait=False)
        await app.shutdown()


async def test_a_frozen_clock_wakes_after_the_interval_not_at_a_past_instant(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, transport: RecordingRequest
) -> None:
    # FAKE_NOW (tests, the sandbox) freezes the engine in 2020 while the JobQueue runs in the present: the
    # 08:00 wake-up of 2020 must not fire at once (and re-arm itself in a loop), but after the same interval.
    frozen = FixedClock(datetime(2020, 5, 12, 2, 0, tzinfo=UTC))
    app = application(transport)
    assert app.job_queue is not None
    jobs = ReminderJobs(ReminderEngine(session_factory=session_factory, bot=app.bot, settings=settings,
                                       clock=frozen), app.job_queue)
    await app.initialize()
    await app.job_queue.start()
    try:
        when = frozen.now() + timedelta(hours=23)
        before = datetime.now(UTC)
        jobs.arm(when)
        jobs.arm(when)
        (wake,) = app.job_queue.get_jobs_by_name(WAKE_JOB)
        assert wake.data == when
        assert before + timedelta(hours=23) <= wake.next_t <= datetime.now(UTC) + timedelta(hours=23)
    finally:
        await app.job_queue.stop(wait=False)
        await app.shutdown()
