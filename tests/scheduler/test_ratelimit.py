"""The rate limiter on a fake monotonic clock: overall pace, one per second per chat, 20 a minute per group;
replies before bulk sends; 429 pauses, and retries of network blips."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from scheduler.delivery import BULK, CALLER_RETRIES
from scheduler.ratelimit import TelegramRateLimiter


class FakeTime:
    """A monotonic clock that sleeping moves forward (tests take no real time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + 0.0005  # waking a little late, as real event loops do


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def limiter(fake_time: FakeTime) -> TelegramRateLimiter:
    return TelegramRateLimiter(clock=fake_time, sleep=fake_time.sleep)


def most_in_any_window(stamps: list[float], window: float) -> int:
    return max(sum(1 for other in stamps if stamp <= other < stamp + window) for stamp in stamps)


async def test_overall_pace_stays_under_thirty_per_second_yet_above_twenty_seven(
    limiter: TelegramRateLimiter, fake_time: FakeTime
) -> None:
    stamps = []
    for chat in range(600):
        await limiter.acquire(10_000 + chat)
        stamps.append(fake_time.now)
    assert most_in_any_window(stamps, 1.0) <= 30
    assert (len(stamps) - 1) / (stamps[-1] - stamps[0]) >= 27


async def test_one_message_per_second_in_a_chat(limiter: TelegramRateLimiter, fake_time: FakeTime) -> None:
    stamps = []
    for _ in range(5):
        await limiter.acquire(42)
        stamps.append(fake_time.now)
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(stamps))


async def test_twenty_per_minute_in_a_group(limiter: TelegramRateLimiter, fake_time: FakeTime) -> None:
    stamps = []
    for _ in range(25):
        await limiter.acquire(-100123)
        stamps.append(fake_time.now)
    assert most_in_any_window(stamps, 60.0) <= 20
    assert stamps[20] - stamps[0] >= 60.0


async def test_a_429_holds_its_chat_and_the_bulk_sends_but_not_a_reply_elsewhere(
    limiter: TelegramRateLimiter, fake_time: FakeTime
) -> None:
    async def refused(*_: Any, **__: Any) -> bool:
        raise RetryAfter(5)

    with pytest.raises(RetryAfter):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 1}, None)
    refused_at = fake_time.now
    await limiter.acquire(2)  # another user's reply: they are not kept waiting for chat 1's flood wait
    assert fake_time.now - refused_at < 0.1
    await limiter.acquire(3, bulk=True)  # the bot's own sends back off: the wait may be the whole bot's
    assert fake_time.now - refused_at >= 5

    with pytest.raises(RetryAfter):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 1}, None)
    refused_at = fake_time.now
    await limiter.acquire(1)  # the chat itself waits it out, a reply too
    assert fake_time.now - refused_at >= 5


async def test_retries_when_asked_and_leaves_non_chat_calls_alone(
    limiter: TelegramRateLimiter, fake_time: FakeTime
) -> None:
    answers: list[object] = [RetryAfter(1), {"ok": True}]

    async def flaky(*_: Any, **__: Any) -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 1}, 2) == {"ok": True}
    start = fake_time.now
    for _ in range(100):  # getUpdates, answerCallbackQuery ...: no chat, no wait
        await limiter.process_request(flaky_ok, (), {}, "getUpdates", {}, None)
    assert fake_time.now == start


async def flaky_ok(*_: Any, **__: Any) -> bool:
    return True


async def test_windows_count_from_the_answer_so_a_slow_request_cannot_bunch_up(
    limiter: TelegramRateLimiter, fake_time: FakeTime
) -> None:
    async with limiter.slot(42):
        fake_time.now += 2.0  # the request was slow: Telegram may have handled it only just now
    answered = fake_time.now
    await limiter.acquire(42)
    assert fake_time.now - answered >= 1.0


def answering(*answers: object) -> Callable[..., Coroutine[Any, Any, Any]]:
    """A Bot API call that raises or returns each answer in turn, and counts its tries."""
    queue = list(answers)

    async def call(*_: Any, **__: Any) -> Any:
        call.tries += 1  # type: ignore[attr-defined]
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    call.tries = 0  # type: ignore[attr-defined]
    return call


async def test_a_reply_survives_a_5xx_and_a_timeout(limiter: TelegramRateLimiter, fake_time: FakeTime) -> None:
    call = answering(NetworkError("Bad Gateway"), TimedOut(), {"ok": True})
    start = fake_time.now
    assert await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None) == {"ok": True}
    assert call.tries == 3  # type: ignore[attr-defined]
    assert fake_time.now - start >= 0.5 + 1.0  # backoff


async def test_network_retries_are_few_and_leave_bad_requests_and_get_updates_alone(
    limiter: TelegramRateLimiter,
) -> None:
    call = answering(*[NetworkError("Internal Server Error (500)")] * 4)
    with pytest.raises(NetworkError):
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert call.tries == 4  # type: ignore[attr-defined]

    call = answering(BadRequest("Bad Request: message text is empty"))
    with pytest.raises(BadRequest):
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert call.tries == 1  # type: ignore[attr-defined]

    call = answering(TimedOut())
    with pytest.raises(TimedOut):  # PTB's updater retries getUpdates with its own backoff
        await limiter.process_request(call, (), {}, "getUpdates", {}, None)
    assert call.tries == 1  # type: ignore[attr-defined]


async def test_a_caller_that_retries_itself_gets_no_retries_from_the_limiter(
    fake_time: FakeTime,
) -> None:
    limiter = TelegramRateLimiter(max_retries=3, clock=fake_time, sleep=fake_time.sleep)
    for chat_id, error in ((1, NetworkError("Bad Gateway")), (2, RetryAfter(2))):
        call = answering(error, {"ok": True})
        before = fake_time.now
        with pytest.raises(type(error)):
            await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, CALLER_RETRIES)
        assert call.tries == 1  # type: ignore[attr-defined]
        assert fake_time.now - before < 0.1  # no backoff either (only the overall pace): the caller decides
    before = fake_time.now
    await limiter.acquire(3, bulk=True)
    assert fake_time.now - before >= 1.9  # the 429 still held the bulk sends


class VirtualTime:
    """A monotonic clock for concurrent senders: each sleeper wakes in turn, in the order of its wake-up time (ties:
    in the order they fell asleep), the clock jumping to it; the senders' calls take no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Until every task is done: lets the woken task run to its next sleep, then wakes the next sleeper."""
        while not all(task.done() for task in tasks):
            for _ in range(5):  # a woken sender runs to its next sleep (or its end) in one step; a few to be sure
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            assert self._sleepers, "a sender waits for something other than the clock"
            wake, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            woken.set_result(None)
        for task in tasks:
            task.result()  # a sender's failure is the test's


async def test_a_reply_goes_before_the_bulk_sends_waiting_for_the_overall_budget() -> None:
    """Eight outbox senders (the dispatcher's concurrency) keep the overall budget full; a user's /tiendo reply
    arrives and takes the next slot: answered in the time the limits allow for one message, not behind them."""
    clock = VirtualTime()
    limiter = TelegramRateLimiter(clock=clock, sleep=clock.sleep)
    sent: list[tuple[str, float]] = []

    def send(label: str) -> Callable[..., Coroutine[Any, Any, bool]]:
        async def call(*_: Any, **__: Any) -> bool:
            sent.append((label, clock.now))
            return True
        return call

    async def sender(number: int) -> None:
        for message in range(10):
            chat = 10_000 + number * 100 + message
            await limiter.process_request(send(f"bulk {chat}"), (), {}, "sendMessage", {"chat_id": chat}, BULK)

    asked: list[float] = []

    async def user_asks() -> None:
        await clock.sleep(1.0)  # a second into the wave: every sender is waiting for the overall pace
        asked.append(clock.now)
        await limiter.process_request(send("reply"), (), {}, "sendMessage", {"chat_id": 42}, None)

    await clock.run([asyncio.create_task(sender(n)) for n in range(8)] + [asyncio.create_task(user_asks())])
    after_question = [label for label, at in sent if at >= asked[0]]
    assert after_question[0] == "reply"
    assert len(sent) == 81 and most_in_any_window([at for _, at in sent], 1.0) <= 30  # the pace still holds


async def test_a_reply_waiting_for_its_own_chat_holds_no_bulk_send() -> None:
    """A user's second reply waits out its chat's one message a second; the bulk sends use that second."""
    clock = VirtualTime()
    limiter = TelegramRateLimiter(clock=clock, sleep=clock.sleep)
    sent: list[str] = []

    async def call(label: str) -> bool:
        sent.append(label)
        return True

    async def replies() -> None:
        for _ in range(2):
            await limiter.process_request(call, ("reply",), {}, "sendMessage", {"chat_id": 42}, None)

    async def sender(number: int) -> None:
        for message in range(10):
            chat = 10_000 + number * 100 + message
            await limiter.process_request(call, ("bulk",), {}, "sendMessage", {"chat_id": chat}, BULK)

    await clock.run([asyncio.create_task(replies())] + [asyncio.create_task(sender(n)) for n in range(4)])
    first, second = [n for n, label in enumerate(sent) if label == "reply"]
    assert second - first > 20  # about a second's worth of bulk sends between the two replies
