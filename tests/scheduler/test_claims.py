"""Claims are leases on the real clock: a dead worker's come back after the timeout even while the plan's clock
stands still (FAKE_NOW in the sandbox and the e2e tests), and a live worker renews its own."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import ReminderDelivery
from bot.settings import Settings
from bot.timeutil import FixedClock, SystemClock
from scheduler.compose import compose_batch
from scheduler.dispatcher import Dispatcher
from scheduler.engine import EngineConfig, ReminderEngine
from scheduler.ladder import Audience
from scheduler.outbox import claim_deliveries
from tests.scheduler.conftest import FakeSleep
from tests.scheduler.factories import Factory
from tests.scheduler.transport import RecordingRequest, make_bot

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime(2020, 5, 12, 8, 0, tzinfo=VN)  # d3 of a milestone due on Friday 15/05/2020
CHATS = list(range(9101, 9107))

async def crowd(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(session_factory) as session:
        await Factory(session).units_with_secretaries(CHATS, milestone="M05", due=date(2020, 5, 15))


async def compose_now(session_factory: async_sessionmaker[AsyncSession], settings: Settings, now: datetime) -> None:
    async with session_scope(session_factory) as session:
        await compose_batch(session, audience=Audience.unit, now=now, settings=settings)


async def deliveries(session_factory: async_sessionmaker[AsyncSession]) -> list[ReminderDelivery]:
    async with session_factory() as session:
        return list((await session.execute(select(ReminderDelivery).order_by(ReminderDelivery.id))).scalars())


async def test_a_dead_workers_claims_come_back_after_the_timeout_while_the_plan_clock_stands_still(
    make_engine: Callable[..., ReminderEngine],
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    lease: FixedClock,
    transport: RecordingRequest,
) -> None:
    await crowd(session_factory)
    engine = make_engine(config=EngineConfig(claim_timeout=timedelta(seconds=30)))
    await engine.plan_all()
    clock.set(MORNING)
    await compose_now(session_factory, settings, clock.now())
    # A worker claims every row, then dies before sending anything (kill -9).
    async with session_scope(session_factory) as session:
        dead = await claim_deliveries(
            session, worker_id="dead", now=clock.now(), lease_now=lease.now(),
            stale_before=lease.now() - timedelta(seconds=30), limit=100,
        )
    assert len(dead) == len(CHATS)

    await engine.sweep()
    lease.advance(timedelta(seconds=29))
    await engine.sweep()
    assert transport.delivered() == []  # not stale yet: the dead worker might still be sending

    lease.advance(timedelta(seconds=2))
    report = await engine.sweep()
    assert clock.now() == MORNING  # the plan's clock never moved
    assert report.dispatched.sent == len(CHATS)
    assert sorted(call.chat_id for call in transport.delivered()) == CHATS
    rows = await deliveries(session_factory)
    assert {row.status for row in rows} == {"sent"}
    assert {row.claimed_by for row in rows} == {engine.worker_id}
    assert {row.attempts for row in rows} == {2}


@dataclass
class SlowRequest(RecordingRequest):
    """Telegram answering every message after `delay` real seconds."""

    delay: float = 0.0

    async def do_request(self, url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            await asyncio.sleep(self.delay)
        return await super().do_request(url, method, request_data, **kwargs)


async def test_a_live_worker_keeps_its_claims_past_the_timeout(
    make_engine: Callable[..., ReminderEngine],
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
) -> None:
    """Real time here: a slow Telegram holds each message past the claim timeout, and half of them wait their
    turn in the queue as long again; the claims are renewed, so another process never takes them."""
    await crowd(session_factory)
    timeout = timedelta(seconds=0.2)
    slow = SlowRequest(delay=0.5)
    live = make_engine(bot=make_bot(slow), config=EngineConfig(claim_timeout=timeout, concurrency=3), worker_id="live",
                       lease_clock=SystemClock())
    await live.plan_all()
    clock.set(MORNING)
    sweep = asyncio.create_task(live.sweep())
    for _ in range(500):
        if [row.claimed_by for row in await deliveries(session_factory)] == ["live"] * len(CHATS):
            break
        await asyncio.sleep(0.01)

    other = RecordingRequest()
    rival = Dispatcher(
        session_factory=session_factory, bot=make_bot(other), settings=settings, clock=clock, worker_id="rival",
        claim_timeout=timeout, sleep=FakeSleep(), lease_clock=SystemClock(),
    )
    while not sweep.done():  # another process sweeps all along
        await rival.run()
        await asyncio.sleep(0.05)
    report = await sweep

    assert other.delivered() == []
    assert report.dispatched.sent == len(CHATS)
    assert Counter(call.chat_id for call in slow.delivered()) == Counter(CHATS)
    assert {row.claimed_by for row in await deliveries(session_factory)} == {"live"}
