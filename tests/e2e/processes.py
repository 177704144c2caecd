"""Real bot processes (`python -m bot run`) against the emulator, and a crowd of registered units for them.

Shared by the e2e fixtures and by the tests that run several processes, kill them or inject faults.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import make_engine, make_sessionmaker
from bot.models import Assignment, Member, Membership, Milestone, Plan, ReminderDelivery, Role, Unit, UnitKind
from bot.schema import upgrade_to_head
from bot.settings import PROJECT_ROOT
from sandbox import EmulatorClient, EmulatorServer, TgUser
from tests.waiting import FAILURE_BOUND

TOKEN = "12345:sandbox-token"
SEEDED_AT = datetime(2020, 1, 1, tzinfo=UTC)


def bot_env(emu: EmulatorServer, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a bot process talking to `emu` (never to Telegram) on `database_url`."""
    return {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emu.api_base_url,
            "TELEGRAM_API_FILE_URL": emu.file_base_url, "DATABASE_URL": database_url, "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1", **extra}


@dataclass
class BotProcess:
    """One `python -m bot run …` process, its output in `log_path`."""

    env: dict[str, str]
    log_path: Path
    args: tuple[str, ...] = ("run",)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> BotProcess:
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen([sys.executable, "-m", "bot", *self.args], cwd=PROJECT_ROOT,
                                            env=self.env, stdout=log_file, stderr=subprocess.STDOUT)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def assert_running(self) -> None:
        assert self.running, f"the bot process ended:\n{self.log()[-4000:]}"

    def kill(self) -> None:
        """`kill -9`: no shutdown code runs, claims and connections are left as they are."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def stop(self, timeout: float = 15) -> None:
        """SIGTERM, as systemd or Docker would, then SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, timeout)
        except subprocess.TimeoutExpired:
            self.kill()


async def wait_for_menu(client: EmulatorClient, *processes: BotProcess, timeout: float = FAILURE_BOUND) -> None:
    """Until a bot has started: it sets its command menu in post_init, the Vietnamese list and then the English
    one (waiting for the first alone raced a test that reads the second)."""
    async def menu_set() -> bool:
        for process in processes:
            process.assert_running()
        return {entry["language_code"] for entry in await client.commands()} >= {None, "en"}

    await client.wait_for(menu_set, timeout=timeout, message="the bot never set its command menu")


async def poll_until(read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool], *processes: BotProcess,
                     timeout: float, what: str, every: float = 0.01) -> Any:
    """Reads `read()` every `every` seconds until `done(value)`; returns that value. Fails with the bot's log if a
    process ended or time ran out. (For what the database says: the emulator's `wait_for` wakes on its own
    changes only, and the last database write comes after the last message.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = await read()
        if done(value):
            return value
        for process in processes:
            process.assert_running()
        if time.monotonic() > deadline:
            logs = "\n".join(process.log()[-3000:] for process in processes)
            raise AssertionError(f"not within {timeout}s: {what} (last: {value})\n{logs}")
        await asyncio.sleep(every)


def job_runs(log: str, job: str) -> int:
    """How many runs of the JobQueue job named `job` a bot's log shows finished (APScheduler logs each at INFO)."""
    return sum(1 for line in log.splitlines() if f'Job "{job} (' in line and line.endswith("executed successfully"))


async def until_job_runs(log: Callable[[], str], job: str, more: int, *processes: BotProcess) -> None:
    """Until the bot has finished `more` runs of `job` after this call: a check that nothing more happens then
    runs after the bot had its chances, however slowly it gets them, instead of after some seconds."""
    target = job_runs(log(), job) + more
    await poll_until(lambda: _read(log), lambda text: job_runs(text, job) >= target, *processes,
                     timeout=FAILURE_BOUND, what=f"{more} more runs of {job}", every=0.1)


async def _read(log: Callable[[], str]) -> str:
    return log()


@dataclass(frozen=True)
class Crowd:
    """`size` units under one root, each with one registered secretary and one open item of milestone `code`."""

    code: str
    secretaries: dict[int, str]  # chat id -> unit code

    @property
    def chat_ids(self) -> list[int]:
        return sorted(self.secretaries)


async def seed_crowd(factory: async_sessionmaker[AsyncSession], emu: EmulatorServer, *, size: int, due: date,
                     code: str = "M90", first_chat_id: int = 700_000) -> Crowd:
    """Rows straight into the database (as many imports and /start redemptions would leave them), and a
    private chat with the bot opened in the emulator for every secretary."""
    async with factory() as session:
        root = Unit(code="CROWD", name="Ban chỉ đạo thử tải", kind=UnitKind.province_committee)
        session.add(root)
        await session.flush()
        root.path = f"/{root.id}/"
        units = [Unit(code=f"CROWD-{n:05d}", name=f"Đảng bộ thử {n}", kind=UnitKind.grassroots,
                      parent_id=root.id, depth=1) for n in range(size)]
        session.add_all(units)
        await session.flush()
        plan = Plan(code=f"KH-{code}", title="Kế hoạch thử tải", created_at=SEEDED_AT, updated_at=SEEDED_AT)
        session.add(plan)
        await session.flush()
        milestone = Milestone(plan_id=plan.id, code=code, title=f"Báo cáo thử tải {code}", due_date=due,
                              created_at=SEEDED_AT, updated_at=SEEDED_AT)
        session.add(milestone)
        await session.flush()
        secretaries: dict[int, str] = {}
        members = []
        for n, unit in enumerate(units):
            unit.path = f"{root.path}{unit.id}/"
            chat_id = first_chat_id + n
            secretaries[chat_id] = unit.code
            members.append(Member(telegram_user_id=chat_id, chat_id=chat_id, full_name=f"Thư ký {n}",
                                  created_at=SEEDED_AT))
            session.add(Assignment(milestone_id=milestone.id, unit_id=unit.id))
        session.add_all(members)
        await session.flush()
        session.add_all(Membership(member_id=member.id, unit_id=unit.id, role=Role.secretary, created_at=SEEDED_AT)
                        for member, unit in zip(members, units, strict=True))
        await session.commit()
    # A few requests at a time: thousands at once starve httpx's connection pool (PoolTimeout).
    gate = asyncio.Semaphore(32)

    async def open_chat(chat_id: int) -> None:
        async with gate:
            await emu.client.open_private_chat(TgUser(chat_id, f"Thư ký {chat_id}"))

    await asyncio.gather(*(open_chat(chat_id) for chat_id in secretaries))
    return Crowd(code=code, secretaries=secretaries)


async def sent_to(client: EmulatorClient, chat_ids: list[int], marker: str) -> dict[int, int]:
    """How many messages containing `marker` the bot got accepted in each chat (Telegram's side)."""
    calls = await client.calls("sendMessage")
    wanted = set(chat_ids)
    counts = dict.fromkeys(chat_ids, 0)
    for call in calls:
        chat_id = call.get("chat_id")
        if call.get("ok") and chat_id in wanted and marker in str(call["params"].get("text", "")):
            counts[chat_id] += 1
    return counts


async def delivery_counts(factory: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Deliveries per status in the database (pending, sending, sent, failed, cancelled)."""
    async with factory() as session:
        rows = await session.execute(select(ReminderDelivery.status, func.count()).group_by(ReminderDelivery.status))
        return {status: count for status, count in rows.all()}


def summary(counts: dict[int, int]) -> dict[str, Any]:
    """Counts per chat → how many chats got 0, 1, 2 … messages."""
    histogram: dict[int, int] = {}
    for value in counts.values():
        histogram[value] = histogram.get(value, 0) + 1
    return {"chats": len(counts), "by_count": dict(sorted(histogram.items()))}


@dataclass
class CrowdWorld:
    """A migrated database with a crowd seeded in it, and an emulator where the crowd's chats are open."""

    url: str
    factory: async_sessionmaker[AsyncSession]
    emu: EmulatorServer
    crowd: Crowd


@asynccontextmanager
async def crowd_world(test_databases: Any, folder: Path, *, size: int, due: date) -> AsyncIterator[CrowdWorld]:
    url = test_databases.new(folder / "bot.db")
    engine = make_engine(url)
    try:
        await upgrade_to_head(engine)
        factory = make_sessionmaker(engine)
        async with EmulatorServer(port=0) as emu:
            crowd = await seed_crowd(factory, emu, size=size, due=due)
            yield CrowdWorld(url=url, factory=factory, emu=emu, crowd=crowd)
    finally:
        await engine.dispose()
        test_databases.drop(url)
