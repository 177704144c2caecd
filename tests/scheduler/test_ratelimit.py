"""The rate limiter on a fake monotonic clock: overall pace, one per second per chat, 20 a minute per group."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import RetryAfter

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
