"""Updates of different chats handled at once, those of one chat one after another, in the order they came.

PTB's plain `concurrent_updates(n)` runs any n updates at once, so a user's second press could overtake the
first (and a 429 wait or a long document held everyone when updates ran one at a time). Here each update
first waits behind the earlier updates of its lane — the chat it came from (a button press: the chat of its
message), or its user when it has no chat — and only then takes one of `max_running` places.

Taking the lane first means a chat with a backlog (a user pressing a button twenty times while their replies
wait out Telegram's one message a second) holds one running place, never all of them. `max_pending` bounds
the updates held in memory at all (PTB's own bound, around the whole thing). A lane exists only while it has
updates: memory does not grow with the number of chats ever seen.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_RUNNING = 64  # handlers running at once (most wait on the database or on Telegram, not on the CPU)
MAX_PENDING = 4096  # updates running or waiting behind their chat's earlier ones


def lane_of(update: object) -> int | None:
    """The chat whose order the update keeps (its user's when it has no chat); None: no order to keep."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:  # a callback query's: the chat of the message it was pressed under
        return update.effective_chat.id
    if update.effective_user is not None:  # inline queries, presses under inline messages
        return update.effective_user.id
    return None


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # FIFO: waiters get it in the order they asked
    updates: int = 0  # holding the lock or waiting for it


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_running: int = MAX_RUNNING, max_pending: int = MAX_PENDING) -> None:
        if not 1 <= max_running <= max_pending:
            raise ValueError("need 1 <= max_running <= max_pending")
        super().__init__(max_pending)
        self._running = asyncio.Semaphore(max_running)
        self._lanes: dict[int, _Lane] = {}

    @property
    def busy_chats(self) -> int:
        """Chats with an update being handled or waiting (their lanes; the others hold no memory)."""
        return len(self._lanes)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: lanes go with their last update."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            async with self._lane(lane_of(update)), self._running:
                await coroutine
        finally:
            if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # cancelled while waiting (the bot stopping): it never ran, and never will

    @asynccontextmanager
    async def _lane(self, key: int | None) -> AsyncIterator[None]:
        """Holds the chat's turn: after its earlier updates, before its later ones."""
        if key is None:
            yield
            return
        # No await between finding the lane and queueing on its lock: updates keep the order they came in.
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        lane.updates += 1
        try:
            async with lane.lock:
                yield
        finally:
            lane.updates -= 1
            if not lane.updates:
                del self._lanes[key]
