"""Scheduler fixtures: a recording Bot, an engine on the shared database/clock fixtures, a fake sleep, and a
lease clock (the real time claims and retries are timed on, apart from the plan's clock)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler.engine import EngineConfig, ReminderEngine
from tests.scheduler.transport import RecordingRequest, make_bot


class FakeSleep:
    """Records the waits asked for and returns at once: retries and backoffs cost no time in tests."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


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
def lease() -> FixedClock:
    """The real time of the processes (claims, retry waits): years away from the plan's clock, as in the sandbox."""
    return FixedClock(datetime(2031, 3, 1, 12, 0, tzinfo=timezone.utc))


@pytest.fixture
def make_engine(
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    settings: Settings,
    clock: FixedClock,
    lease: FixedClock,
    sleep: FakeSleep,
) -> Callable[..., ReminderEngine]:
    def build(**kwargs: object) -> ReminderEngine:
        options: dict[str, object] = dict(
            session_factory=session_factory, bot=bot, settings=settings, clock=clock, sleep=sleep, config=EngineConfig(),
            lease_clock=lease,
        )
        options.update(kwargs)
        return ReminderEngine(**options)  # type: ignore[arg-type]

    return build


@pytest.fixture
def engine(make_engine: Callable[..., ReminderEngine]) -> ReminderEngine:
    return make_engine()
