"""Delivery against a recording Bot API transport: 429, 5xx, 403, migrated groups, bad chats, restarts."""

from __future__ import annotations

import asyncio
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import ExtBot

from bot.db import session_scope
from bot.models import Member, ReminderDelivery, Unit
from bot.timeutil import FixedClock
from scheduler.delivery import Result, RetryPolicy, send_rendered
from scheduler.engine import EngineConfig, ReminderEngine
from scheduler.failures import list_failures
from scheduler.outbox import MAX_ATTEMPTS, RETRY_DELAYS
from scheduler.ratelimit import TelegramRateLimiter
from scheduler.render import Button, RenderedMessage
from scheduler.states import FailureReason
from tests.scheduler.conftest import FakeSleep, ManualLeaseClock
from tests.scheduler.factories import Factory
from tests.scheduler.test_ratelimit import FakeTime
from tests.scheduler.timeline import sweep_at
from tests.scheduler.transport import (
    TOKEN,
    RecordingRequest,
    blocked,
    chat_not_found,
    make_bot,
    migrated,
    server_error,
    too_many_requests,
)
from tests.waiting import eventually

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime(2020, 5, 12, 8, 0, tzinfo=VN)  # d3 of a milestone due on Friday 15/05/2020
SECRETARY, SUPERVISOR, GROUP = 8001, 8100, -4001


async def one_unit(session_factory: async_sessionmaker[AsyncSession], *, chat_id: int = SECRETARY) -> Unit:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        district = await f.unit("HU", name="Huyện ủy Mường Chà")
        unit = await f.unit("XA", name="Đảng ủy xã Sa Lông", parent=district)
        await f.secretary(unit, chat_id=chat_id, name="Lò Văn Chiến")
        await f.supervisor(district, chat_id=SUPERVISOR, name="Giàng A Dế")
        await f.milestone("M05", date(2020, 5, 15), units=[unit])
        return unit


async def delivery_rows(session_factory: async_sessionmaker[AsyncSession]) -> list[ReminderDelivery]:
    async with session_factory() as session:
        return list((await session.execute(select(ReminderDelivery).order_by(ReminderDelivery.id))).scalars())


async def test_429_waits_retry_after_and_sends_once(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    sleep: FakeSleep,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await one_unit(session_factory)
    await engine.plan_all()
    transport.fail(SECRETARY, too_many_requests(7))
    report = await sweep_at(engine, clock, MORNING)
    assert report.dispatched.sent == 1
    assert len(transport.texts(SECRETARY)) == 1
    assert 7 in sleep.waits


async def test_5xx_is_retried_with_backoff_then_later_then_given_up_visibly(
    engine: ReminderEngine,
    clock: FixedClock,
    lease: ManualLeaseClock,
    transport: RecordingRequest,
    sleep: FakeSleep,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await one_unit(session_factory)
    await engine.plan_all()
    transport.fail(SECRETARY, server_error(), server_error())
    await sweep_at(engine, clock, MORNING)
    assert len(transport.texts(SECRETARY)) == 1
    assert sleep.waits == [1.0, 2.0]

    # A longer outage: the row goes back to the database and is tried again later, on the real clock (the
    # lease clock): an outage lasts real minutes, whatever day the plan's clock says — which stays frozen here.
    await sweep_at(engine, clock, MORNING.replace(day=13))  # nothing due that day; the 14th has d1
    transport.fail(SECRETARY, *[server_error()] * RetryPolicy().network_attempts * MAX_ATTEMPTS)
    report = await sweep_at(engine, clock, MORNING.replace(day=14))
    assert report.dispatched.retried == 1
    (_first, retried) = await delivery_rows(session_factory)
    assert retried.status == "pending" and retried.next_attempt_at == lease.now() + RETRY_DELAYS[0]
    lease.advance(RETRY_DELAYS[0] - timedelta(seconds=1))
    calls = len(transport.calls)
    await engine.sweep()
    assert len(transport.calls) == calls  # not yet
    frozen = clock.now()
    for _ in range(MAX_ATTEMPTS - 1):  # each retry when it falls due (about ten hours in all)
        (_first, row) = await delivery_rows(session_factory)
        lease.set(row.next_attempt_at)
        await engine.sweep()
    assert clock.now() == frozen
    (_first, given_up) = await delivery_rows(session_factory)
    assert given_up.status == "failed" and given_up.reason == FailureReason.retries_exhausted.value
    assert given_up.attempts == MAX_ATTEMPTS
    async with session_factory() as session:
        (failure,) = await list_failures(session)
    assert failure.reason is FailureReason.retries_exhausted and failure.error == "Bad Gateway"


async def test_403_deactivates_the_member_and_tells_the_supervisor(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await one_unit(session_factory)
    await engine.plan_all()
    transport.permanent[SECRETARY] = blocked()
    await sweep_at(engine, clock, MORNING)
    (notice,) = transport.texts(SUPERVISOR)
    assert "Lò Văn Chiến" in notice and "Đảng ủy xã Sa Lông" in notice and "đã chặn bot" in notice
    async with session_factory() as session:
        active = await session.scalar(select(Member.active).where(Member.chat_id == SECRETARY))
        (failure,) = await list_failures(session)
    assert active is False
    assert failure.reason is FailureReason.blocked and failure.member_name == "Lò Văn Chiến"
    # The next reminders do not knock on the blocked chat again, and the supervisor is told only once.
    attempts = len(transport.calls)
    await sweep_at(engine, clock, MORNING.replace(day=14))
    assert len(transport.calls) == attempts
    assert len(transport.texts(SUPERVISOR)) == 1


async def test_a_migrated_group_is_followed(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await one_unit(session_factory, chat_id=GROUP)
    await engine.plan_all()
    new_chat = -1001234567890
    transport.fail(GROUP, migrated(new_chat))
    await sweep_at(engine, clock, MORNING)
    assert len(transport.texts(new_chat)) == 1
    async with session_factory() as session:
        assert await session.scalar(select(Member.chat_id).where(Member.full_name == "Lò Văn Chiến")) == new_chat
    await sweep_at(engine, clock, MORNING.replace(day=14))
    assert len(transport.texts(new_chat)) == 2
    assert [call.chat_id for call in transport.calls].count(GROUP) == 1  # the old id is not tried again


async def test_a_chat_that_does_not_exist_fails_with_its_reason(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await one_unit(session_factory)
    await engine.plan_all()
    transport.fail(SECRETARY, chat_not_found())
    await sweep_at(engine, clock, MORNING)
    async with session_factory() as session:
        (failure,) = await list_failures(session)
    assert failure.reason is FailureReason.chat_not_found
    assert failure.milestone_codes == ("M05",) and failure.unit_code == "XA"


async def test_a_restart_mid_morning_loses_nothing_and_repeats_only_what_was_in_flight(
    make_engine: Callable[..., ReminderEngine],
    clock: FixedClock,
    lease: ManualLeaseClock,
    session_factory: async_sessionmaker[AsyncSession],
    sleep: FakeSleep,
) -> None:
    chats = list(range(9001, 9013))
    async with session_scope(session_factory) as session:
        await Factory(session).units_with_secretaries(chats, milestone="M05", due=date(2020, 5, 15))

    # The first process sends 5 messages, then 2 more leave but their answers never come: it dies.
    dying = RecordingRequest(hang_after=5)
    first = make_engine(bot=make_bot(dying), config=EngineConfig(concurrency=2), worker_id="first")
    await first.plan_all()
    clock.set(MORNING)
    sweep = asyncio.create_task(first.sweep())

    async def progress() -> tuple[int, int, int]:
        rows = await delivery_rows(session_factory)
        statuses = [row.status for row in rows]
        return statuses.count("sent"), statuses.count("pending"), sum(call.hung for call in dying.calls)

    # It dies once it is still: 5 outcomes recorded, 2 sends hanging, every row claimed (committed claims: no
    # transaction of its own left open for the killing to interrupt, as a kill -9 would release it).
    await eventually(progress, lambda now: now == (5, 0, 2), "5 outcomes recorded, all claimed, 2 sends hanging")
    sweep.cancel()
    await asyncio.gather(sweep, return_exceptions=True)
    in_flight = {call.chat_id for call in dying.calls if call.hung}
    assert len(in_flight) == 2

    # A new process: claims of the dead one are taken back once stale — on the real (lease) clock, while the
    # plan's clock stays frozen at 08:00 as FAKE_NOW keeps it in the sandbox.
    fresh = RecordingRequest()
    second = make_engine(bot=make_bot(fresh), worker_id="second")
    await second.sweep()
    early = Counter(call.chat_id for call in dying.delivered() + fresh.delivered())
    assert max(early.values()) == 1  # the dead process's claims are not stale yet: nothing sent twice
    async with session_factory() as session:
        still_claimed = await session.scalar(
            select(func.count()).where(ReminderDelivery.claimed_by == "first", ReminderDelivery.status == "sending")
        )
    assert still_claimed >= 2
    lease.advance(timedelta(minutes=6))
    await second.sweep()
    assert clock.now() == MORNING
    received = Counter(call.chat_id for call in dying.delivered() + fresh.delivered())
    assert set(received) == set(chats)  # nothing lost
    assert {chat for chat, count in received.items() if count > 1} == in_flight  # repeats: only in flight
    assert {call.chat_id for call in fresh.delivered()} == set(chats) - {
        c.chat_id for c in dying.delivered() if not c.hung
    }


async def test_through_the_rate_limiter_a_reminder_is_retried_by_its_delivery_alone(sleep: FakeSleep) -> None:
    """The limiter retries a reply's 429s and network blips; a reminder's tries are the delivery's to count."""
    transport = RecordingRequest()
    limiter_time = FakeTime()  # the limiter's own waits take no real time either
    limiter = TelegramRateLimiter(max_retries=3, network_retries=2, clock=limiter_time, sleep=limiter_time.sleep)
    bot = ExtBot(TOKEN, request=transport, get_updates_request=transport, rate_limiter=limiter)
    transport.fail(SECRETARY, *[server_error()] * 10)
    async with bot:
        outcome = await send_rendered(bot, chat_id=SECRETARY, message=RenderedMessage("Nhắc việc"), sleep=sleep)
    assert outcome.result is Result.retry
    assert len(transport.calls) == RetryPolicy().network_attempts  # not multiplied by the limiter's retries
    transport.faults.clear()
    transport.fail(SECRETARY, too_many_requests(2))
    async with bot:
        outcome = await send_rendered(bot, chat_id=SECRETARY, message=RenderedMessage("Nhắc việc"), sleep=sleep)
    assert outcome.result is Result.sent
    assert [call.ok for call in transport.calls[-2:]] == [False, True] and 2 in sleep.waits


async def test_a_reminder_arrives_as_html_with_its_buttons_and_no_preview(sleep: FakeSleep) -> None:
    """The engine posts the request itself (it reads only the message id back): what reaches Telegram is what
    `send_message` would send, and python-telegram-bot has nothing to warn about."""
    transport = RecordingRequest()
    bot = make_bot(transport)
    message = RenderedMessage(
        "<b>Nhắc việc</b> — hạn 15/05/2020",
        buttons=((Button("✅ Đã xong", "done:7"), Button("⏳ Xin gia hạn", "ext:7")),
                 (Button("📋 Tiến độ", "list:0"),)),
    )
    async with bot:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            first = await send_rendered(bot, chat_id=SECRETARY, message=message, sleep=sleep)
            second = await send_rendered(bot, chat_id=SECRETARY, message=RenderedMessage("Nhắc việc"), sleep=sleep)
    assert (first.result, first.message_id, second.message_id) == (Result.sent, 1, 2)
    with_buttons, plain = transport.delivered()
    assert with_buttons.params["text"] == message.text and with_buttons.params["parse_mode"] == "HTML"
    assert with_buttons.params["link_preview_options"] == {"is_disabled": True}
    assert with_buttons.params["reply_markup"] == {"inline_keyboard": [
        [{"text": "✅ Đã xong", "callback_data": "done:7"}, {"text": "⏳ Xin gia hạn", "callback_data": "ext:7"}],
        [{"text": "📋 Tiến độ", "callback_data": "list:0"}],
    ]}
    assert "reply_markup" not in plain.params
