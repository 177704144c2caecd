"""The sweep's database work in a process of its own (`ProcessStore`), or in this one (`make_store`'s choice).

Why: a morning's wave is CPU-bound in Python. Beside the sends themselves (python-telegram-bot, httpx), composing,
claiming, rendering and recording cost ~0.6 ms of CPU a message (bench/bench_delivery.py), and a process runs
Python on one core at a time. In a second process that work runs on another core, and the bot's own process
spends its CPU on the sends and on its replies to users.

The process is spawned (a fork of a process with a running event loop and threads is unsafe) when first needed,
runs one call at a time — one writer, as `OutboxStore`'s lock gives in process — in an event loop of its own, and
ends with the engine (`close`). Calls carry values only (instants, ids, rendered messages, outcomes): what it
claims, renders and records means the same as in process. If it dies, the call in flight fails (the sweep logs
it; the next one starts a new process): its claims go stale and are taken back, as after any crash.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import make_engine, make_sessionmaker
from bot.logs import configure_logging
from bot.settings import Settings
from bot.workdays import WorkingCalendar
from scheduler.compose import ComposeResult
from scheduler.ladder import Audience
from scheduler.notices import Renderers
from scheduler.outbox import Outgoing
from scheduler.store import OutboxStore, Recorded, Store

PARENT_CHECK_SECONDS = 1.0


def make_store(*, session_factory: async_sessionmaker[AsyncSession], settings: Settings, worker_id: str,
               renderers: Renderers | None, in_process: bool) -> Store:
    """A `ProcessStore` unless asked for work in process or the database lives in this process's memory."""
    if in_process or in_memory(settings.database_url):
        return OutboxStore(session_factory=session_factory, settings=settings, worker_id=worker_id,
                           renderers=renderers)
    return ProcessStore(settings=settings, worker_id=worker_id, renderers=renderers)


def in_memory(database_url: str) -> bool:
    url = make_url(database_url)
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


class ProcessStore:
    def __init__(self, *, settings: Settings, worker_id: str, renderers: Renderers | None) -> None:
        self._setup = (settings, worker_id, dict(renderers or {}), os.getpid())
        self._pool: ProcessPoolExecutor | None = None

    async def compose(self, *, audience: Audience, now: datetime, oldest: datetime | None, max_audiences: int,
                      calendar: WorkingCalendar | None) -> ComposeResult:
        result: ComposeResult = await self._call("compose", audience=audience, now=now, oldest=oldest,
                                                 max_audiences=max_audiences, calendar=calendar)
        return result

    async def take(self, *, now: datetime, lease_now: datetime, stale_before: datetime, limit: int,
                   prompt_only: bool, round_id: int) -> tuple[list[int], list[Outgoing]]:
        taken: tuple[list[int], list[Outgoing]] = await self._call(
            "take", now=now, lease_now=lease_now, stale_before=stale_before, limit=limit, prompt_only=prompt_only,
            round_id=round_id)
        return taken

    async def record(self, recorded: list[Recorded], *, now: datetime, lease_now: datetime) -> None:
        await self._call("record", recorded, now=now, lease_now=lease_now)

    async def renew(self, delivery_ids: list[int], *, lease_now: datetime) -> None:
        await self._call("renew", delivery_ids, lease_now=lease_now)

    async def start(self) -> None:
        """Starts the process now rather than at the first call (a morning's first message should not wait)."""
        await self._call("ping")

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(pool, _close)
        except BrokenProcessPool:
            pass  # already gone
        await asyncio.to_thread(pool.shutdown, wait=True)

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start, initargs=self._setup)
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _run, method, args, kwargs)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = None  # the next call starts a new process
            pool.shutdown(wait=False)
            raise


# -- in the database process ---------------------------------------------------------------------------------

class _Worker:
    def __init__(self, settings: Settings, worker_id: str, renderers: Renderers) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine: AsyncEngine = make_engine(settings.database_url)
        self.store = OutboxStore(session_factory=make_sessionmaker(self.engine), settings=settings,
                                 worker_id=worker_id, renderers=renderers)


_worker: _Worker | None = None


def _start(settings: Settings, worker_id: str, renderers: Renderers, parent: int) -> None:
    global _worker
    configure_logging(settings)
    _worker = _Worker(settings, worker_id, renderers)
    threading.Thread(target=_end_with, args=(parent,), name="parent-watch", daemon=True).start()


def _end_with(parent: int) -> None:
    """A bot process killed outright (kill -9, out of memory) closes nothing: its database process would wait
    for calls forever. It ends once it has been handed to another parent."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _run(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    assert _worker is not None, "started by the pool's initializer"
    if method == "ping":
        return None
    return _worker.loop.run_until_complete(getattr(_worker.store, method)(*args, **kwargs))


def _close() -> None:
    if _worker is not None:
        _worker.loop.run_until_complete(_worker.engine.dispose())
        _worker.loop.close()
