"""The sweep's database work in a process of its own (`EngineConfig(database_process=True)`, the bot's default):
the same messages, each once, the same rows; a database process that dies is replaced by the next sweep."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Reminder, ReminderDelivery
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler.engine import EngineConfig, ReminderEngine
from scheduler.store import OutboxStore
from scheduler.store_process import ProcessStore, make_store
from tests.scheduler.factories import Factory
from tests.scheduler.transport import RecordingRequest
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = 6
FIRST_CHAT = 8000
MORNING = datetime(2020, 5, 8, 8, 0, tzinfo=VN)  # M01's 7-days-before step, for every unit


@pytest.fixture
async def engine(make_engine: Callable[..., ReminderEngine],
                 session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[ReminderEngine]:
    async with session_scope(session_factory) as session:
        await Factory(session).units_with_secretaries([FIRST_CHAT + n for n in range(UNITS)], milestone="M01",
                                                      due=date(2020, 5, 15))
    engine = make_engine(config=EngineConfig(database_process=True))
    yield engine
    await engine.close()


def database_process(bot: psutil.Process | None = None) -> psutil.Process:
    """The bot's (this process's, unless given) spawned worker — not multiprocessing's resource tracker, also a
    child."""
    (child,) = [process for process in (bot or psutil.Process()).children()
                if "--multiprocessing-fork" in process.cmdline()]
    return child


async def test_a_morning_goes_out_once_from_the_database_process(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await engine.start()
    assert database_process().pid != os.getpid()
    await engine.plan_all()
    clock.set(MORNING)

    report = await engine.sweep()
    again = await engine.sweep()

    assert (report.composed.digests, report.dispatched.sent, again.dispatched.sent) == (UNITS, UNITS, 0)
    assert Counter(call.chat_id for call in transport.delivered()) == {FIRST_CHAT + n: 1 for n in range(UNITS)}
    assert all("M01" in call.params["text"] for call in transport.delivered())  # rendered there
    async with session_factory() as session:
        deliveries = (await session.execute(select(ReminderDelivery))).scalars().all()
        sent = (await session.execute(select(Reminder).where(Reminder.status == "sent"))).scalars().all()
    assert sorted(row.status for row in deliveries) == ["sent"] * UNITS  # recorded there
    assert sorted(row.chat_id for row in sent) == [FIRST_CHAT + n for n in range(UNITS)]


async def test_a_database_process_that_died_is_replaced_and_nothing_is_lost(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
) -> None:
    await engine.start()
    await engine.plan_all()
    clock.set(MORNING)
    dead = database_process()
    os.kill(dead.pid, signal.SIGKILL)
    dead.wait(timeout=60)

    with pytest.raises(Exception) as failure:  # the sweep fails (the bot logs it); nothing was claimed
        await engine.sweep()
    assert failure.errisinstance(BrokenProcessPool) or failure.group_contains(BrokenProcessPool)
    report = await engine.sweep()  # the next one starts a new process

    assert database_process().pid != dead.pid
    assert report.dispatched.sent == UNITS
    assert Counter(call.chat_id for call in transport.delivered()) == {FIRST_CHAT + n: 1 for n in range(UNITS)}


def test_a_database_in_this_process_memory_is_worked_on_here(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings,
) -> None:
    def store(url: str, *, in_process: bool = False) -> object:
        return make_store(session_factory=session_factory, settings=settings.model_copy(update={"database_url": url}),
                          worker_id="w", renderers=None, in_process=in_process)

    assert isinstance(store("sqlite+aiosqlite://"), OutboxStore)
    assert isinstance(store("sqlite+aiosqlite:///:memory:"), OutboxStore)
    assert isinstance(store("sqlite+aiosqlite:////tmp/x.db"), ProcessStore)
    assert isinstance(store("sqlite+aiosqlite:////tmp/x.db", in_process=True), OutboxStore)
    assert isinstance(store("postgresql+asyncpg://u@127.0.0.1/db"), ProcessStore)


BOT_KILLED_OUTRIGHT = """
import asyncio, sys
from bot.settings import Settings
from scheduler.store_process import ProcessStore

async def main() -> None:
    store = ProcessStore(settings=Settings(_env_file=None, database_url=sys.argv[1]), worker_id="w", renderers=None)
    await store.start()
    print("started", flush=True)
    await asyncio.Event().wait()  # until killed

if __name__ == "__main__":
    asyncio.run(main())
"""


async def test_the_database_process_ends_when_the_bot_is_killed_outright(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "bot_killed.py"
    script.write_text(BOT_KILLED_OUTRIGHT)
    bot = await asyncio.create_subprocess_exec(sys.executable, str(script), settings.database_url,
                                               stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    assert bot.stdout is not None
    assert await bot.stdout.readline() == b"started\n"
    worker = database_process(psutil.Process(bot.pid))

    bot.kill()  # SIGKILL: nothing of the bot's runs after it
    await bot.wait()

    await eventually(lambda: _alive(worker), lambda alive: not alive, "the database process ending")


async def _alive(process: psutil.Process) -> bool:
    return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
