"""The sweep's database work — composing, claiming, loading and recording — behind one small interface, so it can
run in this process (`OutboxStore`) or in a process of its own (`scheduler.store_process.ProcessStore`).

Every call takes the instants it needs as values (the plan's `now`, the lease clock's `lease_now`): the store
keeps no clock, so the same calls mean the same thing in either process.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.settings import Settings
from bot.workdays import WorkingCalendar
from scheduler.compose import ComposeResult, compose_batch
from scheduler.delivery import SendOutcome
from scheduler.ladder import Audience
from scheduler.notices import Renderers
from scheduler.outbox import Outgoing, Views, claim_deliveries, load_outgoing, load_views, record_outcomes, renew_claims

Recorded = tuple[Outgoing, SendOutcome | None]


class Store(Protocol):
    async def compose(self, *, audience: Audience, now: datetime, oldest: datetime | None, max_audiences: int,
                      calendar: WorkingCalendar | None) -> ComposeResult: ...

    async def take(self, *, now: datetime, lease_now: datetime, stale_before: datetime, limit: int,
                   prompt_only: bool, round_id: int) -> tuple[list[int], list[Outgoing]]: ...

    async def record(self, recorded: list[Recorded], *, now: datetime, lease_now: datetime) -> None: ...

    async def renew(self, delivery_ids: list[int], *, lease_now: datetime) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class OutboxStore:
    """The work done here, on `session_factory`: one write transaction at a time (SQLite has one writer, and
    claims, outcomes and renewals that overlap wait on its lock in sleeps of several ms each)."""

    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], settings: Settings, worker_id: str,
                 renderers: Renderers | None = None) -> None:
        self._session_factory = session_factory
        self._settings = settings
        self._worker_id = worker_id
        self._renderers = renderers or {}
        self._writing = asyncio.Lock()
        self._views: tuple[int, Views] | None = None  # the round they were read for

    async def compose(self, *, audience: Audience, now: datetime, oldest: datetime | None, max_audiences: int,
                      calendar: WorkingCalendar | None) -> ComposeResult:
        async with self._writing, session_scope(self._session_factory) as session:
            return await compose_batch(session, audience=audience, now=now, settings=self._settings, oldest=oldest,
                                       max_audiences=max_audiences, calendar=calendar)

    async def take(self, *, now: datetime, lease_now: datetime, stale_before: datetime, limit: int,
                   prompt_only: bool, round_id: int) -> tuple[list[int], list[Outgoing]]:
        """Claims up to `limit` deliveries and renders them; `round_id` names the dispatcher's round, whose
        messages share their views (read once a round)."""
        async with self._writing, session_scope(self._session_factory) as session:
            ids = await claim_deliveries(session, worker_id=self._worker_id, now=now, lease_now=lease_now,
                                         stale_before=stale_before, limit=limit, prompt_only=prompt_only)
        if not ids:
            return [], []
        async with self._session_factory() as session:
            if self._views is None or self._views[0] != round_id:
                self._views = (round_id, await load_views(session))
            outgoing = await load_outgoing(session, delivery_ids=ids, now=now, settings=self._settings,
                                           renderers=self._renderers, views=self._views[1])
        return ids, outgoing

    async def record(self, recorded: list[Recorded], *, now: datetime, lease_now: datetime) -> None:
        async with self._writing, session_scope(self._session_factory) as session:
            await record_outcomes(session, recorded, worker_id=self._worker_id, now=now, lease_now=lease_now)

    async def renew(self, delivery_ids: list[int], *, lease_now: datetime) -> None:
        async with self._writing, session_scope(self._session_factory) as session:
            await renew_claims(session, worker_id=self._worker_id, delivery_ids=delivery_ids, lease_now=lease_now)

    async def start(self) -> None:
        """Nothing to start: the work runs in the caller's process."""

    async def close(self) -> None:
        """Nothing of its own to close: the session factory's engine is its owner's."""
