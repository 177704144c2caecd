"""The rate limiter on a fake monotonic clock: overall pace, one per second per chat, 20 a minute per group;
429 pauses, and retries of network blips."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from scheduler.delivery import CALLER_RETRIES
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
    assert all(later - earlier >= 1.0 for earlier, later in zip(stamps, stamps[1:]))


async def test_twenty_per_minute_in_a_group(limiter: TelegramRateLimiter, fake_time: FakeTime) -> None:
    stamps = []
    for _ in range(25):
        await limiter.acquire(-100123)
        stamps.append(fake_time.now)
    assert most_in_any_window(stamps, 60.0) <= 20
    assert stamps[20] - stamps[0] >= 60.0


async def test_a_429_pauses_everyone(limiter: TelegramRateLimiter, fake_time: FakeTime) -> None:
    async def refused(*_: Any, **__: Any) -> bool:
        raise RetryAfter(5)

    with pytest.raises(RetryAfter):
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 1}, None)
    before = fake_time.now
    await limiter.acquire(2)  # another chat waits too: Telegram's flood wait is per bot
    assert fake_time.now - before >= 5


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
    await limiter.acquire(3)
    assert fake_time.now - before >= 1.9  # the 429 still paused everyone
