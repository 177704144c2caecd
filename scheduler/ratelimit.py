"""A rate limiter for python-telegram-bot that keeps under Telegram's limits for every message the bot sends.

Limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
≤ 30 messages per second overall, ≤ 1 per second in one chat, ≤ 20 per minute in one group. PTB's own
`AIORateLimiter` has no per-chat limit and retries nothing by default, hence this one.

Each limit is a sliding window over the instants requests were *answered*, a request still unanswered
counting as inside every window. Telegram counts a message when it handles it, which is before we get the
answer, so however late a request left here (a busy event loop, a slow connection) and however fast the next
one travels, Telegram never sees more in its window than this limiter allowed in its own. The overall window
also spaces requests evenly (1/30 s apart) rather than in bursts, and every window is stretched by `margin`
(5 % by default): about 28.5 messages/s at most.

Replies first: a message the bot sends on its own (the outbox passes `rate_limit_args=Retries(bulk=True)`)
gives way to every reply waiting for the overall budget, so a user's /tiendo during a national 08:00 wave waits
for about one slot, not behind the wave. Replies are few and a person waits for each; bulk sends catch up.

A 429 answer holds its chat for its `retry_after`, and every bulk send with it (the wait may be the bot's as a
whole: the wave backs off); a reply to another chat still goes, within the overall pace. It is re-raised for
the caller to retry, unless `max_retries` (or a request's `rate_limit_args`) asks this limiter to.

A network error, a timeout or a 5xx answer (Telegram's front end restarting, a dropped connection) is retried
`network_retries` times after a short backoff (0.5 s, then doubled), so a command's reply survives a blip
instead of being lost: the user asked once and would otherwise get nothing. A timed-out request may already
have been handled, so its retry may show a reply twice: Telegram's own trade-off, and the lesser evil.
getUpdates is left alone (PTB's updater has its own backoff), and so is a 400 (it would fail again).
A request's `rate_limit_args` may be an int (retries of 429s) or a `scheduler.delivery.Retries`; the outbox
passes `Retries(bulk=True)` (no retries: its delivery retries itself and accounts for every try).

Install it on the Application so handler replies and reminders share one budget:

    ApplicationBuilder().token(...).rate_limiter(TelegramRateLimiter()).build()

Memory is bounded: a chat's window is dropped once it has been quiet for longer than its period.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right, insort
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from scheduler.delivery import Retries, retry_after_seconds

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
JSONDict = dict[str, Any]


class SlidingWindow:
    """At most `limit` requests in any `period` seconds, counted by when they were answered.

    Optionally paced `min_gap` seconds apart on average, with a theoretical arrival time (GCRA): a sender
    that wakes a little late does not push every later slot back, so the rate stays at 1/min_gap.
    """

    __slots__ = ("_answered", "_in_flight", "_next_slot", "_paused_until", "limit", "min_gap", "period")

    def __init__(self, limit: int, period: float, *, min_gap: float = 0.0) -> None:
        self.limit = limit
        self.period = period
        self.min_gap = min_gap
        self._answered: list[float] = []  # sorted answer instants still inside the window
        self._in_flight = 0
        self._next_slot = float("-inf")
        self._paused_until = float("-inf")

    def pause_until(self, instant: float) -> None:
        """Nothing more fits before `instant` (Telegram answered 429)."""
        self._paused_until = max(self._paused_until, instant)

    def wait_time(self, now: float) -> float:
        """Seconds until one more request fits (0 when it fits now)."""
        del self._answered[: bisect_right(self._answered, now - self.period)]
        paced = max(self._next_slot - self.min_gap / 2 - now,  # half a gap of tolerance for late wake-ups
                    self._paused_until - now, 0.0)
        excess = self._in_flight + len(self._answered) - self.limit + 1
        if excess <= 0:
            return paced
        if excess > len(self._answered):  # the window is full of unanswered requests: wait for an answer
            return max(paced, self.min_gap or 0.01)
        return max(paced, self._answered[excess - 1] + self.period - now)

    def start(self, now: float) -> None:
        self._in_flight += 1
        if self.min_gap:
            self._next_slot = max(self._next_slot, now) + self.min_gap

    def finish(self, now: float) -> None:
        self._in_flight -= 1
        insort(self._answered, now)

    def is_idle(self, now: float) -> bool:
        return (not self._in_flight and (not self._answered or self._answered[-1] <= now - self.period)
                and self._paused_until <= now)


class TelegramRateLimiter(BaseRateLimiter[int | Retries]):
    """Overall, per-chat and per-group sliding windows, replies before bulk sends, pauses after a 429, retries of
    network blips."""

    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        per_chat_per_second: int = 1,
        group_per_minute: int = 20,
        margin: float = 0.05,
        max_retries: int = 0,
        network_retries: int = 3,
        network_backoff: float = 0.5,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        stretch = 1.0 + margin
        # Evenly spaced, not in bursts of 30: a burst reaches Telegram spread by connection set-up and
        # queueing, and the next second's first message could then land inside Telegram's window.
        self._overall = SlidingWindow(overall_per_second, stretch, min_gap=stretch / overall_per_second)
        self._chat_limit = (per_chat_per_second, 1.0 * stretch)
        self._group_limit = (group_per_minute, 60.0 * stretch)
        self._chats: dict[int | str, SlidingWindow] = {}
        self._groups: dict[int | str, SlidingWindow] = {}
        self._bulk_paused_until = 0.0
        self._replies_waiting = 0  # replies that fit but for the overall window: bulk sends give way to them
        self._max_retries = max_retries
        self._network_retries = network_retries
        self._network_backoff = network_backoff
        self._clock = clock
        self._sleep = sleep

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def pause(self, seconds: float, chat_id: int | str | None = None) -> None:
        """Holds `chat_id` and every bulk send for `seconds` (Telegram answered 429)."""
        until = self._clock() + seconds
        self._bulk_paused_until = max(self._bulk_paused_until, until)
        if chat_id is not None:
            self._windows_for(chat_id, self._clock())[1].pause_until(until)

    @asynccontextmanager
    async def slot(self, chat_id: int | str, *, bulk: bool = False) -> AsyncIterator[None]:
        """Holds one message's place in every window from before it is sent until its answer. A `bulk` message
        (sent on the bot's own account) waits while a reply waits for the overall window."""
        while True:
            now = self._clock()
            overall, *own = windows = self._windows_for(chat_id, now)
            # The chat's own limits first: a reply that must wait for its chat does not hold the others back.
            wait = max([window.wait_time(now) for window in own] + ([self._bulk_paused_until - now] if bulk else []))
            if wait > 0:
                await self._sleep(wait)
                continue
            wait = overall.wait_time(now)
            if bulk and self._replies_waiting:
                wait = max(wait, overall.min_gap or 0.01)  # a reply takes the next slot: look again after it
            if wait <= 0:
                break
            if bulk:
                await self._sleep(wait)
                continue
            self._replies_waiting += 1
            try:
                await self._sleep(wait)
            finally:
                self._replies_waiting -= 1
        for window in windows:
            window.start(now)
        try:
            yield
        finally:
            answered = self._clock()
            for window in windows:
                window.finish(answered)

    async def acquire(self, chat_id: int | str, *, bulk: bool = False) -> None:
        """Waits until one more message to `chat_id` fits, and counts it as sent and answered at once."""
        async with self.slot(chat_id, bulk=bulk):
            pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Retries | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        retries = self._retries(endpoint, rate_limit_args)
        floods = failures = 0
        while True:
            try:
                if chat_id is None:  # getUpdates, answerCallbackQuery ... are not messages to a chat
                    return await callback(*args, **kwargs)
                async with self.slot(_chat_key(chat_id), bulk=retries.bulk):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.pause(retry_after_seconds(exc) + 0.1, None if chat_id is None else _chat_key(chat_id))
                if floods >= retries.flood:
                    raise
                floods += 1
            except BadRequest:  # a NetworkError subclass, but permanent
                raise
            except NetworkError:  # connection errors, TimedOut, 5xx
                if failures >= retries.network:
                    raise
                failures += 1
                await self._sleep(self._network_backoff * 2 ** (failures - 1))

    def _retries(self, endpoint: str, rate_limit_args: int | Retries | None) -> Retries:
        if isinstance(rate_limit_args, Retries):
            return rate_limit_args
        flood = self._max_retries if rate_limit_args is None else rate_limit_args
        return Retries(flood=flood, network=0 if endpoint == "getUpdates" else self._network_retries)

    def _windows_for(self, chat_id: int | str, now: float) -> list[SlidingWindow]:
        if len(self._chats) > 4096:  # forget quiet chats: memory stays flat however many chats there are
            self._chats = {key: w for key, w in self._chats.items() if not w.is_idle(now)}
            self._groups = {key: w for key, w in self._groups.items() if not w.is_idle(now)}
        windows = [self._overall, self._chats.setdefault(chat_id, SlidingWindow(*self._chat_limit))]
        if _is_group(chat_id):
            windows.append(self._groups.setdefault(chat_id, SlidingWindow(*self._group_limit)))
        return windows


def _chat_key(chat_id: object) -> int | str:
    if isinstance(chat_id, int):
        return chat_id
    try:
        return int(str(chat_id))  # PTB may hand the chat id as text
    except ValueError:
        return str(chat_id)


def _is_group(chat_id: int | str) -> bool:
    # Private chats have positive ids; groups, supergroups and channels negative ones or an @username.
    return isinstance(chat_id, str) or chat_id < 0
