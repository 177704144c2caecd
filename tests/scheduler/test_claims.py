"""Claims are leases on the real clock: a dead worker's come back after the timeout even while the plan's clock
stands still (FAKE_NOW in the sandbox and the e2e tests), and a live worker renews its own. The tests drive that
clock (`lease`): no outcome here depends on the machine's speed."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import ReminderDelivery
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler.compose import compose_batch
from scheduler.dispatcher import Dispatcher, DispatchStats
from scheduler.engine import EngineConfig, ReminderEngine
from scheduler.ladder import Audience
from scheduler.outbox import claim_deliveries
from scheduler.store import OutboxStore
from tests.scheduler.conftest import FakeSleep, ManualLeaseClock
from tests.scheduler.factories import Factory
from tests.scheduler.transport import RecordingRequest, make_bot
from tests.waiting import FAILURE_BOUND, eventually

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
    lease: ManualLeaseClock,
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
class HeldRequest(RecordingRequest):
    """Telegram holding every message until the test lets it answer (`answer`): as slow as the test wants, at
    no real time."""

    arrived: int = 0  # sendMessage requests received, answered or not
    gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(0))

    async def do_request(self, url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        if url.lower().endswith("/sendmessage"):  # Bot API method names are case-insensitive
            self.arrived += 1
            await self.gate.acquire()
        return await super().do_request(url, method, request_data, **kwargs)

    def answer(self, count: int) -> None:
        for _ in range(count):
            self.gate.release()


async def test_a_live_worker_keeps_its_claims_past_the_timeout(
    make_engine: Callable[..., ReminderEngine],
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: FixedClock,
    lease: ManualLeaseClock,
) -> None:
    """A slow Telegram holds each message for three claim timeouts, and half of them wait their turn in the
    queue as long again; the claims are renewed, so another process sweeping all along never takes them.

    The lease clock is driven: each step is a renewal period, and the rival sweeps only once the live worker
    has renewed, so the outcome is the same on any machine, however busy."""
    await crowd(session_factory)
    timeout = timedelta(seconds=30)
    slow = HeldRequest()
    live = make_engine(bot=make_bot(slow), config=EngineConfig(claim_timeout=timeout, concurrency=3), worker_id="live")
    other = RecordingRequest()
    rival = Dispatcher(
        store=OutboxStore(session_factory=session_factory, settings=settings, worker_id="rival"),
        bot=make_bot(other), clock=clock, claim_timeout=timeout, sleep=FakeSleep(), lease_clock=lease,
    )
    await live.plan_all()
    clock.set(MORNING)

    async def quiet(arrived: int, sent: int) -> None:
        """Until the live worker waits: `arrived` messages at Telegram, `sent` recorded, its renewer asleep."""
        async def state() -> tuple[int, int, int]:
            rows = await deliveries(session_factory)
            return slow.arrived, sum(row.status == "sent" for row in rows), lease.asleep()
        await eventually(state, lambda now: now == (arrived, sent, 1), "the live worker waiting")

    async def rival_sweeps_past_the_timeout() -> None:
        for step in range(9):  # three timeouts, in renewal periods: unrenewed, the claims go stale at step 4
            lease.advance(timeout / 3)
            await lease.until_asleep()  # woken, the live worker's renewer has renewed and waits again
            assert await rival.run() == DispatchStats(), f"the rival took claims at step {step + 1}"

    sweep = asyncio.create_task(live.sweep())
    try:
        await quiet(arrived=3, sent=0)  # three messages at Telegram, three in the queue
        rows = await deliveries(session_factory)
        assert [(row.status, row.claimed_by) for row in rows] == [("sending", "live")] * len(CHATS)
        await rival_sweeps_past_the_timeout()
        slow.answer(3)
        await quiet(arrived=6, sent=3)  # the queued three have waited as long, now at Telegram in turn
        await rival_sweeps_past_the_timeout()
        slow.answer(3)
        async with asyncio.timeout(FAILURE_BOUND):
            report = await sweep
    finally:
        sweep.cancel()

    assert other.delivered() == []
    assert report.dispatched.sent == len(CHATS)
    assert Counter(call.chat_id for call in slow.delivered()) == Counter(CHATS)
    rows = await deliveries(session_factory)
    assert {(row.status, row.claimed_by, row.attempts) for row in rows} == {("sent", "live", 1)}  # never taken back
