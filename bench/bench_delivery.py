"""Benchmark of reminder delivery against the project's Bot API emulator (prints numbers; not a test).

    .venv/bin/python bench/bench_delivery.py                      # free, limits and load (~6 minutes on 2 cores)
    .venv/bin/python bench/bench_delivery.py free --messages 10000 --rounds 2
    .venv/bin/python bench/bench_delivery.py free --backend postgres
    .venv/bin/python bench/bench_delivery.py limits load
    .venv/bin/python bench/bench_delivery.py free --profile /tmp/engine.prof   # cProfile of the engine's rounds

Parts (the emulator, `python -m sandbox.emulator`, runs in its own process, as Telegram would):
* free   — Telegram's limits off, `BENCH_CONCURRENCY` (default 8) messages in flight, same emulator, same run:
           the engine (a sweep: composing `--messages` reminders, one per unit and secretary, then sending them)
           against a bare python-telegram-bot loop sending the very same messages (texts and buttons taken from
           the engine's calls) to the same chats with `send_message`. Rounds alternate engine and bare loop on a
           fresh copy of the database; printed: both rates, the ratio (target ≥ 0.8), and the load average. The
           engine has its database process, as the bot runs it; `--in-process` compares it without.
* limits — the engine with the bot's TelegramRateLimiter and the emulator's flood limits on: messages/s
           between the first and the last accepted send, the most accepted in any one second (emulator's clock),
           429 answers. Target ≥ 27/s sustained, never above 30 in a second, zero 429.
* load   — the real bot (`python -m bot run`, FAKE_NOW on a Monday 08:00) starts with `--messages` reminders due
           (default 2,000: ~70 s under the limits); once the first has gone out, 50 of those secretaries each send
           /tiendo at a random moment within 10 s. Printed: the time from each /tiendo reaching the emulator to
           the bot's answer reaching it (p50 / p95 / max; target p95 ≤ 1 s), and how long the wave took.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_reminders import (  # noqa: E402  (the same dataset and emulator helpers)
    CONCURRENCY,
    TOKEN,
    _add_secretaries,
    _max_in_window,
    _open_chats,
    _settings,
    _sustained_rate,
    copy_to_postgres,
    emulator_process,
)
from bench.bench_scale import _on_server, postgres_server_url  # noqa: E402
from bench.national import generate_tree  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PLAN_NOW = datetime(2020, 5, 4, 6, 0, tzinfo=VN)  # every step of the generated milestone still ahead
SEND_AT = datetime(2020, 5, 11, 8, 0, tzinfo=VN)  # a Monday: the 7-days-before step of M01 for every unit
FIRST_CHAT = 500000  # bench_reminders._open_chats numbers the users from here
ASKERS = 50  # users sending /tiendo during the load run
ASK_WITHIN = 10.0  # seconds


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


# -- the dataset ----------------------------------------------------------------------------------------


def make_dataset(folder: Path, messages: int, chat_ids: list[int]) -> Path:
    """`messages` grassroots units with one secretary each (their chats opened in the emulator) and one milestone."""
    path = folder / "delivery.db"
    generate_tree(path, provinces=10, districts_per_province=10, grassroots=messages, milestones=1)
    _add_secretaries(path, chat_ids)
    return path


class Databases:
    """A fresh copy of the dataset for each engine round: a SQLite file, or a PostgreSQL database cloned from a
    template (`bench_delivery_template`, dropped at the end)."""

    def __init__(self, source: Path, backend: str, postgres_url: str | None) -> None:
        self.source = source
        self.backend = backend
        self.server = postgres_server_url(postgres_url) if backend == "postgres" else ""
        self._made: list[str] = []

    def prepare(self) -> None:
        if self.backend != "postgres":
            return
        _on_server(self.server, 'DROP DATABASE IF EXISTS "bench_delivery_template" WITH (FORCE)',
                   'CREATE DATABASE "bench_delivery_template"')
        asyncio.run(copy_to_postgres(self.source, self._url("bench_delivery_template"),
                                     tables=("unit", "plan", "milestone", "assignment", "member", "membership")))

    def fresh(self, number: int) -> str:
        if self.backend != "postgres":
            copy = self.source.with_name(f"round-{number}.db")
            shutil.copyfile(self.source, copy)
            return str(copy)
        name = f"bench_delivery_{number}"
        _on_server(self.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                   f'CREATE DATABASE "{name}" TEMPLATE "bench_delivery_template"')
        self._made.append(name)
        return self._url(name)

    def drop(self) -> None:
        if self.backend == "postgres":
            _on_server(self.server, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                                      for name in [*self._made, "bench_delivery_template"]))

    def _url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.server).set(database=name).render_as_string(hide_password=False)


# -- the engine and the bare loop -------------------------------------------------------------------------


def make_bot(emu: Any, *, limits: bool) -> Any:
    from telegram.ext import ExtBot
    from telegram.request import HTTPXRequest

    from scheduler.ratelimit import TelegramRateLimiter

    return ExtBot(TOKEN, base_url=f"{emu.base_url}/bot", request=HTTPXRequest(connection_pool_size=CONCURRENCY),
                  rate_limiter=TelegramRateLimiter() if limits else None)


async def run_engine(emu: Any, url: str, *, limits: bool, profile: Any = None, process: bool = True) -> dict[str, Any]:
    """Plans, then one timed sweep (compose + send) of the engine, as the bot runs it."""
    from bot.db import make_engine, make_sessionmaker, session_scope
    from bot.timeutil import FixedClock
    from scheduler.engine import EngineConfig, ReminderEngine
    from scheduler.planner import plan_all

    settings = _settings(url)
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    async with session_scope(factory) as session:
        await plan_all(session, settings=settings, clock=FixedClock(PLAN_NOW))
    await emu.set_rate_limit(limits)
    bot = make_bot(emu, limits=limits)
    await bot.initialize()
    reminders = ReminderEngine(session_factory=factory, bot=bot, settings=settings, clock=FixedClock(SEND_AT),
                               config=EngineConfig(concurrency=CONCURRENCY, database_process=process))
    await reminders.start()  # as the bot starts it with itself: its database process is up before a morning
    first_call = await _last_call(emu)
    if profile is not None:
        profile.enable()
    started = time.perf_counter()
    report = await reminders.sweep()
    seconds = time.perf_counter() - started
    if profile is not None:
        profile.disable()
    await reminders.close()
    await bot.shutdown()
    await engine.dispose()
    calls = await emu.calls("sendMessage", after=first_call)
    return {"sent": report.dispatched.sent, "seconds": seconds, "calls": calls,
            "composed": report.composed.deliveries}


async def run_bare(emu: Any, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The same messages through python-telegram-bot's `send_message`, CONCURRENCY at a time, nothing else."""
    from telegram import InlineKeyboardMarkup, LinkPreviewOptions
    from telegram.constants import ParseMode

    await emu.set_rate_limit(False)
    bot = make_bot(emu, limits=False)
    await bot.initialize()
    queue = iter(messages)
    no_preview = LinkPreviewOptions(is_disabled=True)
    sent = 0

    async def worker() -> None:
        nonlocal sent
        for params in queue:
            markup = params.get("reply_markup")
            await bot.send_message(chat_id=params["chat_id"], text=params["text"], parse_mode=ParseMode.HTML,
                                   reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
                                   link_preview_options=no_preview)
            sent += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    seconds = time.perf_counter() - started
    await bot.shutdown()
    return {"sent": sent, "seconds": seconds}


async def _last_call(emu: Any) -> int:
    calls = await emu.calls()
    return max((call["seq"] for call in calls), default=0)


def part_free(options: argparse.Namespace, folder: Path) -> None:
    asyncio.run(_free(options, folder))


async def _free(options: argparse.Namespace, folder: Path) -> None:
    profile = None
    if options.profile:
        import cProfile

        profile = cProfile.Profile()
    async with emulator_process() as emu:
        chat_ids = await _open_chats(emu, options.messages)
        databases = Databases(make_dataset(folder, options.messages, chat_ids), options.backend, options.postgres_url)
        await asyncio.to_thread(databases.prepare)  # its own event loop: PostgreSQL's copy runs on asyncpg
        try:
            ratios = []
            print(f"free [{options.backend}]: {options.messages:,} messages a round, {CONCURRENCY} in flight, "
                  f"load average {load_average()}")
            for number in range(1, options.rounds + 1):
                engine = await run_engine(emu, await asyncio.to_thread(databases.fresh, number), limits=False,
                                          profile=profile, process=not options.in_process)
                messages = [call["params"] for call in engine["calls"] if call["ok"]]
                assert engine["sent"] == len(messages) == options.messages, (engine["sent"], len(messages))
                bare = await run_bare(emu, messages)
                engine_rate, bare_rate = engine["sent"] / engine["seconds"], bare["sent"] / bare["seconds"]
                ratios.append(engine_rate / bare_rate)
                print(f"  round {number}: engine {engine_rate:.0f} msg/s ({engine['seconds']:.1f} s, compose and "
                      f"send), bare PTB loop {bare_rate:.0f} msg/s ({bare['seconds']:.1f} s): ratio "
                      f"{ratios[-1]:.2f}; load average {load_average()}")
            print(f"  ratio engine / bare loop: median {statistics.median(ratios):.2f} (target ≥ 0.8)")
        finally:
            await asyncio.to_thread(databases.drop)
    if profile is not None:
        profile.dump_stats(options.profile)
        print(f"  profile of the engine's sweeps: {options.profile}")


def part_limits(options: argparse.Namespace, folder: Path) -> None:
    asyncio.run(_limits(options, folder))


async def _limits(options: argparse.Namespace, folder: Path) -> None:
    async with emulator_process() as emu:
        chat_ids = await _open_chats(emu, options.messages)
        databases = Databases(make_dataset(folder, options.messages, chat_ids), options.backend, options.postgres_url)
        await asyncio.to_thread(databases.prepare)  # its own event loop: PostgreSQL's copy runs on asyncpg
        try:
            print(f"limits [{options.backend}]: {options.messages:,} messages, load average {load_average()}")
            result = await run_engine(emu, await asyncio.to_thread(databases.fresh, 1), limits=True)
        finally:
            await asyncio.to_thread(databases.drop)
    accepted = sorted(call["time"] for call in result["calls"] if call["ok"])
    print(f"  sent {result['sent']:,} in {result['seconds']:.1f} s: {_sustained_rate(accepted):.1f} msg/s sustained "
          f"(target ≥ 27), at most {_max_in_window(accepted, 1.0)} in any second (≤ 30), "
          f"{sum(1 for call in result['calls'] if call['status'] == 429)} answers 429 (0); "
          f"load average {load_average()}")


# -- the load run: the real bot, a wave of reminders and 50 users asking /tiendo --------------------------


def part_load(options: argparse.Namespace, folder: Path) -> None:
    asyncio.run(_load(options, folder))


async def _load(options: argparse.Namespace, folder: Path) -> None:
    from sandbox import EmulatorServer, TgUser

    rng = random.Random(options.seed)
    async with EmulatorServer(port=0) as emu:
        client = emu.client
        chat_ids = await _open_chats(client, options.messages)
        database = await migrated_dataset(folder, options.messages, chat_ids)
        await client.set_rate_limit(True)
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emu.api_base_url,
               "TELEGRAM_API_FILE_URL": emu.file_base_url, "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
               "FAKE_NOW": SEND_AT.isoformat(), "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
        log = (folder / "bot.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            print(f"load: {options.messages:,} reminders due at start-up, {ASKERS} users ask /tiendo within "
                  f"{ASK_WITHIN:.0f} s of the first; load average {load_average()}")
            wave_start = await _first_reminder(client, process)
            askers = rng.sample(chat_ids, ASKERS)
            delays = sorted(rng.uniform(0, ASK_WITHIN) for _ in askers)
            asked = await asyncio.gather(*(_ask(client, TgUser(chat_id, f"Bí thư {chat_id - FIRST_CHAT}"), delay)
                                           for chat_id, delay in zip(askers, delays, strict=True)))
            answers, sample = await _answers(client, dict(asked), process)
            wave_end = await _wave_end(client, options.messages, process)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()
    waits = sorted(answers.values())
    p95 = waits[max(0, round(0.95 * len(waits)) - 1)]
    print(f"  /tiendo answered in p50 {statistics.median(waits):.2f} s, p95 {p95:.2f} s (target ≤ 1 s), "
          f"max {waits[-1]:.2f} s; the wave: {options.messages:,} reminders in {wave_end - wave_start:.1f} s; "
          f"load average {load_average()}")
    print(f"  an answer begins: {sample[:100]!r}")


async def migrated_dataset(folder: Path, messages: int, chat_ids: list[int]) -> Path:
    """The dataset in a database the bot's own migrations made (it refuses tables it does not know)."""
    from bot.db import make_engine
    from bot.schema import upgrade_to_head

    scratch = folder / "scratch.db"
    generate_tree(scratch, provinces=10, districts_per_province=10, grassroots=messages, milestones=1)
    _add_secretaries(scratch, chat_ids)
    path = folder / "load.db"
    path.unlink(missing_ok=True)

    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade_to_head(engine)
    await engine.dispose()
    db = sqlite3.connect(path)
    db.execute("ATTACH DATABASE ? AS source", (str(scratch),))
    for table in ("unit", "plan", "milestone", "assignment", "member", "membership"):
        columns = [row[1] for row in db.execute(f"PRAGMA source.table_info({table})")]
        names = ", ".join(columns)
        db.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM source.{table}")
    db.commit()
    db.close()
    return path


async def _first_reminder(client: Any, process: subprocess.Popen[bytes]) -> float:
    while True:
        if process.poll() is not None:
            raise RuntimeError("the bot process ended; see bot.log")
        sends = [call for call in await client.calls("sendMessage") if call["ok"]]
        if sends:
            return float(min(call["time"] for call in sends))
        await asyncio.sleep(0.05)


async def _ask(client: Any, user: Any, delay: float) -> tuple[int, float]:
    await asyncio.sleep(delay)
    asked_at = time.time()
    await client.send_command(user, "tiendo")
    return user.id, asked_at


async def _answers(client: Any, asked: dict[int, float], process: subprocess.Popen[bytes]
                   ) -> tuple[dict[int, float], str]:
    """Seconds from each /tiendo to the bot's first message in that chat after it that is not a reminder (and the
    first line of one of them, to show what was answered)."""
    deadline = time.monotonic() + 120
    while True:
        answers: dict[int, float] = {}
        sample = ""
        for call in await client.calls("sendMessage"):
            chat = call.get("chat_id")
            if chat in asked and call["ok"] and call["time"] >= asked[chat] and not _is_reminder(call["params"]):
                answers.setdefault(chat, call["time"] + call.get("duration", 0.0) - asked[chat])
                sample = sample or call["params"].get("text", "").splitlines()[0]
        if len(answers) == len(asked):
            return answers, sample
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{len(asked) - len(answers)} /tiendo got no answer; see bot.log")
        await asyncio.sleep(0.2)


def _is_reminder(params: dict[str, Any]) -> bool:
    markup = params.get("reply_markup") or {}
    buttons = [button for row in markup.get("inline_keyboard", []) for button in row]
    return any(str(button.get("callback_data", "")).startswith("done:") for button in buttons) and \
        "/tiendo" not in params.get("text", "")


async def _wave_end(client: Any, messages: int, process: subprocess.Popen[bytes]) -> float:
    while True:
        sends = [call for call in await client.calls("sendMessage") if call["ok"] and _is_reminder(call["params"])]
        if len(sends) >= messages:
            return float(max(call["time"] for call in sends))
        if process.poll() is not None:
            raise RuntimeError("the bot process ended; see bot.log")
        await asyncio.sleep(0.5)


# -- driver ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", default=["free", "limits", "load"])
    parser.add_argument("--messages", type=int, help="reminders (default: 10,000 free, 2,000 limits and load)")
    parser.add_argument("--rounds", type=int, default=2, help="engine / bare-loop rounds of the free part")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", help="a server to create the databases on (default: scripts/postgres.sh)")
    parser.add_argument("--profile", help="write a cProfile of the engine's sweeps (free part) to this file")
    parser.add_argument("--in-process", action="store_true",
                        help="the engine without its database process (DELIVERY_PROCESS=false): free part")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", help="folder for the databases and the bot's log (default: a temporary one)")
    options = parser.parse_args()
    folder = Path(options.keep or tempfile.mkdtemp(prefix="bench-delivery-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")
    for part, default in (("free", 10_000), ("limits", 2_000), ("load", 2_000)):
        if part in options.parts:
            run = argparse.Namespace(**{**vars(options), "messages": options.messages or default})
            {"free": part_free, "limits": part_limits, "load": part_load}[part](run, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
