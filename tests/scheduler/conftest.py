"""Scheduler fixtures: a recording Bot, an engine on the shared database/clock fixtures, a fake sleep, and a
lease clock (the real time claims and retries are timed on, apart from the plan's clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.settings import Settings
from bot.timeutil import FixedClock
from handlers.notices import RENDERERS
from scheduler.engine import EngineConfig, ReminderEngine
from tests.scheduler.transport import RecordingRequest, make_bot
from tests.waiting import FAILURE_BOUND


class FakeSleep:
    """Records the waits asked for and returns at once: retries and backoffs cost no time in tests."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class ManualLeaseClock(FixedClock):
    """The lease clock, moved by hand: a wait on it (the claim renewer's) ends only when `advance` or `set` moves
    it far enough, never by itself, so a test decides when renewals run however slow the machine is."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []
        self._new_sleeper = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        entry = (self.now() + timedelta(seconds=seconds), asyncio.get_running_loop().create_future())
        self._sleepers.append(entry)
        self._new_sleeper.set()
        try:
            await entry[1]
        finally:
            self._sleepers.remove(entry)

    def set(self, instant: datetime) -> None:
        super().set(instant)
        self._wake()

    def advance(self, delta: timedelta) -> None:
        super().advance(delta)
        self._wake()

    def _wake(self) -> None:
        for wake_at, future in self._sleepers:
            if wake_at <= self.now() and not future.done():
                future.set_result(None)

    def asleep(self) -> int:
        """How many tasks wait on this clock and have not been woken yet."""
        return sum(not future.done() for _wake_at, future in self._sleepers)

    async def until_asleep(self, count: int = 1) -> None:
        """Returns once `count` tasks wait on this clock: those woken by the last move have done their work
        (a renewal) and wait again. The real-time bound only ends a test that hangs."""
        async with asyncio.timeout(FAILURE_BOUND):
            while self.asleep() < count:
                self._new_sleeper.clear()
                await self._new_sleeper.wait()


@pytest.fixture
def transport() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
def bot(transport: RecordingRequest) -> Bot:
    return make_bot(transport)


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def lease() -> ManualLeaseClock:
    """The real time of the processes (claims, renewals, retry waits): years away from the plan's clock, as in
    the sandbox, and moved only by the test."""
    return ManualLeaseClock(datetime(2031, 3, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def make_engine(
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    settings: Settings,
    clock: FixedClock,
    lease: ManualLeaseClock,
    sleep: FakeSleep,
) -> Callable[..., ReminderEngine]:
    def build(**kwargs: object) -> ReminderEngine:
        options: dict[str, object] = dict(
            session_factory=session_factory, bot=bot, settings=settings, clock=clock, sleep=sleep,
            config=EngineConfig(),
            lease_clock=lease, renderers=RENDERERS,  # what the queued notices say (the bot's own renderers)
        )
        options.update(kwargs)
        return ReminderEngine(**options)  # type: ignore[arg-type]

    return build


@pytest.fixture
def engine(make_engine: Callable[..., ReminderEngine]) -> ReminderEngine:
    return make_engine()
