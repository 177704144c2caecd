"""Waiting in tests without real-time margins: a test waits for an event or a condition, and the bound on that
wait is reached only when the test fails, however busy the machine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

# Real seconds before a wait that never ends is reported as a failure: never a margin that decides a pass.
FAILURE_BOUND = 120.0

T = TypeVar("T")


async def eventually(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], what: str) -> T:
    """Reads `read()` until `done(value)`, then returns the value; fails only after FAILURE_BOUND seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FAILURE_BOUND
    while not done(value := await read()):
        if loop.time() > deadline:
            raise AssertionError(f"not within {FAILURE_BOUND} s: {what} (last: {value!r})")
        await asyncio.sleep(0.01)
    return value
