"""Time helpers: UTC storage, local dates for people, and an injectable clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = UTC


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""


class LeaseClock(Clock, Protocol):
    """A clock one can also wait on: claims are renewed after waits on the same time they are stamped with,
    so a test that drives it decides when a renewal runs."""

    async def sleep(self, seconds: float) -> None:
        """Returns once `seconds` have passed on this clock."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FixedClock:
    """A clock tests move by hand: whole months of a plan run in milliseconds."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = as_utc(instant)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("naive datetime: give it a time zone")
    return instant.astimezone(UTC)


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def days_between(start: date, end: date) -> int:
    """Calendar days from start to end (negative when end is earlier); month ends count right."""
    return (end - start).days
