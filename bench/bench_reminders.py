"""Benchmark of the reminder engine at national scale (prints numbers; not a test).

    .venv/bin/python bench/bench_reminders.py              # everything (several minutes)
    .venv/bin/python bench/bench_reminders.py plan memory  # only some parts
    .venv/bin/python bench/bench_reminders.py delivery --messages 2000

Parts:
* plan     — 60,000 units, 20 milestones each assigned to every grassroots unit (≈ 1.2 M assignments,
             generated with bulk inserts), then `plan_all` timed, then timed again (nothing to do).
             Target: ≤ 60 s. `--backend postgres` (or `both`) copies the same rows into a migrated database
             `bench_reminders` on the server of `scripts/postgres.sh` (or --postgres-url), analysed as
             autovacuum would leave it, and drops it afterwards unless --keep.
* memory   — the bot's resident memory (RSS, psutil) after start-up (plan_all + a sweep + the next wake-up)
             with all of that pending, against the same with ~1,000 pending; each case in a fresh
             subprocess. Target: ≤ 1.5 ×.
* delivery — 10,000 reminders (one per unit, one secretary each) composed and sent to the Bot API
             emulator (`sandbox`), first with Telegram's limits off (messages/s), then with the bot's
             TelegramRateLimiter and the emulator's flood limits on. Target: ≥ 27 messages/s sustained,
             never above 30 in any one-second window (emulator's clock), zero 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sandbox import EmulatorClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKEN = "12345:bench-token"
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))  # messages in flight

from bench.bench_scale import _on_server, postgres_server_url  # noqa: E402  (the suite's PostgreSQL server)
from bench.national import EPOCH, generate_tree  # noqa: E402  (the national dataset, shared with bench_scale)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PLAN_NOW = datetime(2020, 5, 4, 6, 0, tzinfo=VN)  # before every step of the generated plan: all pending
PG_DATABASE = "bench_reminders"
COPIED_TABLES = ("unit", "plan", "milestone", "assignment")  # what generate_tree writes


# -- cases (each run in its own subprocess) -----------------------------------------------------------


def _settings(path: Path | str):  # type: ignore[no-untyped-def]
    """Settings for a SQLite file (a path) or any database (a URL)."""
    from bot.settings import Settings

    url = str(path) if "://" in str(path) else f"sqlite+aiosqlite:///{path}"
    return Settings(_env_file=None, telegram_bot_token=TOKEN, database_url=url)


def _rss_mb() -> float:
    import psutil

    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


async def case_plan(path: Path | str) -> dict[str, object]:
    """`plan_all` on a freshly generated database, then again (idempotent: nothing left to write)."""
    from sqlalchemy import func, select

    from bot.db import make_engine, make_sessionmaker, session_scope
    from bot.models import Reminder
    from bot.timeutil import FixedClock
    from scheduler.periods import create_due_periods
    from scheduler.planner import plan_all

    settings = _settings(path)
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    figures: dict[str, object] = {}
    started = time.perf_counter()  # a periodic milestone's current and next periods, as the first sweep makes them
    async with session_scope(factory) as session:
        periods = await create_due_periods(session, settings=settings, clock=FixedClock(PLAN_NOW))
    figures["periods"] = {"created": len(periods), "seconds": round(time.perf_counter() - started, 1)}
    for run in ("first", "again"):
        if run == "again" and engine.dialect.name == "postgresql":
            # A start-up comes long after the first planning: autovacuum has visited the new rows by then (else
            # the check's first read of each sets its hint bits, a write per page, and measures that instead).
            async with engine.connect() as connection:
                await (await connection.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
                    "VACUUM ANALYZE reminder")
        started = time.perf_counter()
        async with session_scope(factory) as session:
            result = await plan_all(session, settings=settings, clock=FixedClock(PLAN_NOW))
        figures[run] = {"seconds": round(time.perf_counter() - started, 1), "rows": result.rows_written}
    async with session_scope(factory) as session:
        figures["total_rows"] = (await session.execute(select(func.count()).select_from(Reminder))).scalar_one()
    await engine.dispose()
    return {**figures["first"], "again": figures["again"], "periods": figures["periods"],  # type: ignore[dict-item]
            "total_rows": figures["total_rows"],
            "milestones": result.milestones}


async def copy_to_postgres(source: Path, url: str, tables: tuple[str, ...] = COPIED_TABLES) -> None:
    """The tables `generate_tree` wrote into SQLite (or these), copied into a migrated PostgreSQL database and
    analysed."""
    import asyncpg
    from sqlalchemy.engine import make_url

    from bot.db import make_engine
    from bot.models import SQLModel
    from bot.schema import upgrade_to_head

    engine = make_engine(url)
    await upgrade_to_head(engine)
    await engine.dispose()
    target = make_url(url)
    connection = await asyncpg.connect(host=target.host, port=target.port, user=target.username,
                                       password=target.password, database=target.database)
    db = sqlite3.connect(source)
    try:
        for name in tables:
            table = SQLModel.metadata.tables[name]
            cursor = db.execute(f"SELECT * FROM {name} ORDER BY id")
            columns = [column[0] for column in cursor.description]
            convert = [_from_sqlite(table.c[column].type) for column in columns]
            while rows := cursor.fetchmany(200_000):
                records = [tuple(f(value) for f, value in zip(convert, row, strict=True)) for row in rows]
                await connection.copy_records_to_table(name, records=records, columns=columns)
            await connection.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}")
        await connection.execute(f"VACUUM ANALYZE {', '.join(tables)}")  # what autovacuum would do
    finally:
        db.close()
        await connection.close()


def add_reminder_check(path: Path) -> None:
    """The trigger migration 0011 gives a migrated SQLite database (the dataset's tables come from the models)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "reminder_check", ROOT / "bot" / "migrations" / "versions" / "0011_reminder_assignment_check.py")
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db = sqlite3.connect(path)
    db.execute(migration.SQLITE_CHECK)
    db.commit()
    db.close()


def _from_sqlite(column_type: Any) -> Callable[[object], object]:
    """SQLite's value of a column (0/1, ISO text) → what asyncpg's COPY takes for its PostgreSQL type."""
    kind = getattr(column_type, "impl_instance", column_type).python_type  # UTCDateTime → DateTime
    parse: Callable[[Any], object] | None = {bool: bool, datetime: datetime.fromisoformat,
                                             date: date.fromisoformat}.get(kind)
    if parse is None:
        return lambda value: value
    return lambda value: None if value is None else parse(value)


async def case_resident(path: Path) -> dict[str, object]:
    """Start-up as the bot does it (plan_all, a sweep, the next wake-up), then the resident memory."""
    from telegram import Bot

    from bot.db import make_engine, make_sessionmaker
    from bot.timeutil import FixedClock
    from scheduler.engine import ReminderEngine

    settings = _settings(path)
    engine = make_engine(settings.database_url)
    clock = FixedClock(PLAN_NOW.replace(hour=9))  # in the send window, nothing due yet
    reminders = ReminderEngine(
        session_factory=make_sessionmaker(engine), bot=Bot(TOKEN), settings=settings, clock=clock
    )
    baseline = _rss_mb()
    started = time.perf_counter()
    await reminders.plan_all()
    report = await reminders.sweep()
    seconds = time.perf_counter() - started
    pending = await _count_pending(path)
    return {
        "pending": pending,
        "rss_mb": round(_rss_mb(), 1),
        "rss_before_mb": round(baseline, 1),
        "startup_seconds": round(seconds, 1),
        "sent": report.dispatched.sent,
        "next_wake": report.next_wake.isoformat() if report.next_wake else None,
    }


async def _count_pending(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM reminder WHERE status = 'pending'").fetchone()[0]
    finally:
        db.close()


async def case_delivery(path: Path, *, messages: int, limits: bool) -> dict[str, object]:
    """`messages` units with one secretary each and one due item; the engine sends them to the emulator."""
    from telegram.ext import ExtBot
    from telegram.request import HTTPXRequest

    from bot.db import make_engine, make_sessionmaker, session_scope
    from bot.timeutil import FixedClock
    from scheduler.engine import EngineConfig, ReminderEngine
    from scheduler.planner import plan_all
    from scheduler.ratelimit import TelegramRateLimiter

    settings = _settings(path)
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    async with emulator_process() as emu:
        chat_ids = await _open_chats(emu, messages)
        _add_secretaries(path, chat_ids)
        async with session_scope(factory) as session:
            await plan_all(session, settings=settings, clock=FixedClock(PLAN_NOW))
        await emu.set_rate_limit(limits)
        request = HTTPXRequest(connection_pool_size=CONCURRENCY)
        bot = ExtBot(
            TOKEN,
            base_url=f"{emu.base_url}/bot",
            request=request,
            rate_limiter=TelegramRateLimiter() if limits else None,
        )
        await bot.initialize()
        clock = FixedClock(datetime(2020, 5, 11, 8, 0, tzinfo=VN))  # the d7 step of M01 for every unit
        reminders = ReminderEngine(
            session_factory=factory,
            bot=bot,
            settings=settings,
            clock=clock,
            config=EngineConfig(concurrency=CONCURRENCY),
        )
        started = time.perf_counter()
        report = await reminders.sweep()
        seconds = time.perf_counter() - started
        await bot.shutdown()
        calls = await emu.calls("sendMessage")
    await engine.dispose()
    accepted = sorted(call["time"] for call in calls if call["ok"])
    return {
        "limits": limits,
        "messages": report.dispatched.sent,
        "seconds": round(seconds, 1),
        "messages_per_second": round(report.dispatched.sent / seconds, 1),
        "sustained_per_second": round(_sustained_rate(accepted), 1),
        "max_in_any_second": _max_in_window(accepted, 1.0),
        "http_429": sum(1 for call in calls if call["status"] == 429),
    }


@contextlib.asynccontextmanager
async def emulator_process() -> AsyncIterator[EmulatorClient]:
    """The Bot API emulator in its own process, as a real Bot API server would be (not sharing our CPU)."""
    from sandbox import EmulatorClient

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox.emulator",
        "--port",
        "0",
        "--token",
        TOKEN,
        stdout=asyncio.subprocess.PIPE,
        cwd=str(ROOT),
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode().strip()
        async with EmulatorClient(url) as client:
            yield client
    finally:
        process.terminate()
        await process.wait()


async def _open_chats(emu, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    semaphore = asyncio.Semaphore(32)

    async def one(number: int) -> int:
        async with semaphore:
            chat = await emu.open_private_chat({"id": 500000 + number, "first_name": f"Bí thư {number}"})
            return int(chat["id"])

    return list(await asyncio.gather(*(one(number) for number in range(count))))


def _add_secretaries(path: Path, chat_ids: list[int]) -> None:
    db = sqlite3.connect(path)
    units = [row[0] for row in db.execute("SELECT id FROM unit WHERE depth = 3 ORDER BY id LIMIT ?", (len(chat_ids),))]
    db.executemany(
        "INSERT INTO member (id, telegram_user_id, chat_id, full_name, language, active, created_at) "
        "VALUES (?, ?, ?, ?, 'vi', 1, ?)",
        [(n + 1, chat_id, chat_id, f"Bí thư {n}", EPOCH) for n, chat_id in enumerate(chat_ids)],
    )
    db.executemany(
        "INSERT INTO membership (member_id, unit_id, role, created_at) VALUES (?, ?, 'secretary', ?)",
        [(n + 1, unit_id, EPOCH) for n, unit_id in enumerate(units)],
    )
    db.commit()
    db.close()


def _sustained_rate(stamps: list[float]) -> float:
    """Messages per second between the first and the last accepted send."""
    if len(stamps) < 2:
        return float(len(stamps))
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def _max_in_window(stamps: list[float], window: float) -> int:
    best = start = 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# -- driver -------------------------------------------------------------------------------------------


def run_case(*args: str) -> dict[str, object]:
    """Runs one case in a fresh interpreter: memory figures do not leak from one case into another."""
    output = subprocess.run(
        [sys.executable, __file__, "_case", *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _backends(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


def print_plan(backend: str, planned: dict[str, object]) -> None:
    again = planned["again"]
    print(
        f"plan [{backend}]: {planned['rows']:,} reminder rows for {planned['milestones']} milestones "
        f"in {planned['seconds']} s (target ≤ 60 s); again, {again['rows']:,} rows in {again['seconds']} s; "  # type: ignore[index]
        f"{planned['total_rows']:,} rows in the table"
    )
    periods = planned["periods"]
    if periods["created"]:  # type: ignore[index]
        print(f"  periods of the monthly milestone: {periods['created']} created, their reminders planned, "  # type: ignore[index]
              f"in {periods['seconds']} s before that")  # type: ignore[index]


def plan_on_postgres(source: Path, options: argparse.Namespace) -> dict[str, object]:
    """The plan case on a PostgreSQL copy of `source`, in the database `bench_reminders` (dropped unless --keep)."""
    from sqlalchemy.engine import make_url

    server = postgres_server_url(options.postgres_url)
    url = make_url(server).set(database=PG_DATABASE).render_as_string(hide_password=False)
    print(f"PostgreSQL {_on_server(server, 'SHOW server_version')}")
    _on_server(server, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{PG_DATABASE}"')
    try:
        started = time.perf_counter()
        asyncio.run(copy_to_postgres(source, url))
        print(f"data [postgres]: copied and analysed in {time.perf_counter() - started:.1f} s")
        return run_case("plan", url)
    finally:
        if not options.keep:
            _on_server(server, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", default=["plan", "memory", "delivery"])
    parser.add_argument("--grassroots", type=int, default=59_243, help="grassroots units (60,000 units in all)")
    parser.add_argument("--milestones", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--monthly", action="store_true",
                        help="add a monthly milestone over every grassroots unit (its periods made as at start-up)")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite",
                        help="where the plan part runs (memory and delivery: SQLite)")
    parser.add_argument("--postgres-url", help="a server to create the database on (default: scripts/postgres.sh)")
    parser.add_argument("--keep", help="folder to keep the databases in (default: a temporary one); "
                                       "the PostgreSQL database is kept too")
    options = parser.parse_args()
    folder = Path(options.keep or tempfile.mkdtemp(prefix="bench-reminders-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")

    if {"plan", "memory"} & set(options.parts):
        big = folder / "national.db"
        started = time.perf_counter()
        sizes = generate_tree(
            big, provinces=63, districts_per_province=11, grassroots=options.grassroots, milestones=options.milestones,
            monthly=options.monthly,
        )
        generated = time.perf_counter() - started
        add_reminder_check(big)
        print(f"data: {sizes['units']:,} units, {sizes['assignments']:,} assignments, generated in {generated:.1f} s")
        for backend in _backends(options.backend):
            if backend == "sqlite":
                print_plan(backend, run_case("plan", str(big)))
            else:
                print_plan(backend, plan_on_postgres(big, options))
        if "memory" in options.parts:
            small = folder / "small.db"
            generate_tree(small, provinces=1, districts_per_province=1, grassroots=40, milestones=4)
            run_case("plan", str(small))
            few = run_case("resident", str(small))
            many = run_case("resident", str(big))
            ratio = many["rss_mb"] / few["rss_mb"]  # type: ignore[operator]
            print(
                f"memory: {few['pending']:,} pending → {few['rss_mb']} MB; "
                f"{many['pending']:,} pending → {many['rss_mb']} MB "
                f"(× {ratio:.2f}, target ≤ 1.5; start-up with all pending took {many['startup_seconds']} s)"
            )
    if "delivery" in options.parts:
        for limits in (False, True):
            path = folder / f"delivery-{'limited' if limits else 'free'}.db"
            generate_tree(path, provinces=10, districts_per_province=10, grassroots=options.messages, milestones=1)
            sent = run_case("delivery", str(path), str(options.messages), "1" if limits else "0")
            print(f"delivery ({'Telegram limits on' if limits else 'limits off'}): {sent}")
    return 0


def _case(argv: list[str]) -> None:
    kind, path = argv[0], Path(argv[1])
    if kind == "plan":
        result = asyncio.run(case_plan(argv[1] if "://" in argv[1] else path))  # a Path would eat the '//'
    elif kind == "resident":
        result = asyncio.run(case_resident(path))
    else:
        result = asyncio.run(case_delivery(path, messages=int(argv[2]), limits=argv[3] == "1"))
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_case":
        _case(sys.argv[2:])
    else:
        sys.exit(main())
