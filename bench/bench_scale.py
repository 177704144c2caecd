"""Benchmark of plan import, /tiendo and /baocao at national scale, on SQLite and PostgreSQL (prints numbers).

    make bench-scale                                             # starts the test PostgreSQL server, runs both
    .venv/bin/python bench/bench_scale.py                        # both backends (~4 minutes on 2 cores)
    .venv/bin/python bench/bench_scale.py --backend sqlite
    .venv/bin/python bench/bench_scale.py --backend postgres --postgres-url postgresql+asyncpg://…/any
    .venv/bin/python bench/bench_scale.py --keep /tmp/scale      # keep the databases ...
    .venv/bin/python bench/bench_scale.py tiendo baocao --keep /tmp/scale   # ... and measure them again
    .venv/bin/python bench/bench_scale.py import --backend sqlite --reminders  # import as the CLI, reminders too

PostgreSQL: the server of `scripts/postgres.sh start` (its `url`; start it first) unless --postgres-url names
another; the benchmark creates its own database `bench_scale` there and drops it afterwards (kept with --keep).

The data (bench/national.py): 60,000 units (root → 63 provinces → 693 districts → 59,243 grassroots units),
20 milestones each given to every grassroots unit (1,184,860 assignments), written as a plan file and imported.
Parts, each in a fresh process (as the CLI and the bot are):
* import   — `read_plan` (YAML, validation) then `run_import` into a migrated, empty database, as
             `nhacviec import` does; then the same file again (nothing changes). `--reminders` adds the CLI's
             re-planning of reminders in the same transaction (the engine's own figure: bench_reminders.py).
             Then progress as on 1 June 2020, set in bulk: M01–M05 due (80 % done on time, 8 % done late,
             4 % awaiting acceptance on M04, the rest still open: ~33,000 late items nationally), 15 % of
             the later ones done early. PostgreSQL is then vacuumed and analysed, as autovacuum would; SQLite
             is left without statistics, as the bot leaves it.
* tiendo   — what /tiendo runs for (a) a grassroots secretary: `unit_items` + the unit's text; (b) a district
             supervisor: `subtree_progress` + the subtree's text; (c) the top supervisor: the same for the root
             (60,000 units). A session per query (as per update), a different unit each time for (a) and (b);
             median and p95 of --queries runs after a few warm-ups. Targets: p95 ≤ 20 / 100 / 500 ms.
* baocao   — /baocao for a province: `gather_report`, the workbook's bytes and the chart's PNG, as
             handlers/reports.py does; the median of three provinces.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.national import national_units, plan_yaml  # noqa: E402  (the national dataset of bench_reminders)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
IMPORTED_AT = datetime(2020, 4, 1, 9, 0, tzinfo=VN)  # before every due date
NOW = datetime(2020, 6, 1, 9, 0, tzinfo=VN)  # M01–M05 due (18/05 … 30/05), M06 on 02/06
TOKEN = "12345:bench-token"
PG_DATABASE = "bench_scale"
TARGETS_MS = {"secretary": 20, "district": 100, "top": 500}
PARTS = ("import", "tiendo", "baocao")
WARMUP = 5


# -- the progress snapshot ----------------------------------------------------------------------------------


async def apply_progress(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Deterministic states for 1 June 2020, set in bulk: per milestone a few UPDATEs over slices of units."""
    from sqlalchemy import func, select, update

    from bot.models import Assignment, AssignmentState, Milestone

    milestones = (await session.execute(select(Milestone.id, Milestone.due_date, Milestone.requires_acceptance)
                                        .order_by(Milestone.id))).all()
    for milestone_id, due, two_step in milestones:
        deadline = datetime.combine(due, clock_time(17, 0), VN)
        if deadline < NOW:
            slices = [(0, 80, {"state": AssignmentState.done, "confirmed_at": deadline - timedelta(days=2)}),
                      (80, 88, {"state": AssignmentState.done,
                                "confirmed_at": min(deadline + timedelta(days=1), NOW)})]
            if two_step:
                slices.append((88, 92, {"state": AssignmentState.reported,
                                        "reported_at": deadline - timedelta(days=1)}))
        else:
            slices = [(0, 15, {"state": AssignmentState.done, "confirmed_at": NOW - timedelta(days=1)})]
        # A unit's "dice" for this milestone: 0..99, the same on every backend.
        dice = (Assignment.unit_id * 7919 + milestone_id * 104729) % 100
        for low, high, values in slices:
            await session.execute(update(Assignment).where(Assignment.milestone_id == milestone_id,
                                                           dice >= low, dice < high).values(**values))
    counts = (await session.execute(select(Assignment.state, func.count()).group_by(Assignment.state))).all()
    return dict(sorted((str(getattr(state, "value", state)), int(count)) for state, count in counts))


# -- cases (each run in its own subprocess) ------------------------------------------------------------------


def _settings(url: str):  # type: ignore[no-untyped-def]
    from bot.settings import Settings

    return Settings(_env_file=None, telegram_bot_token=TOKEN, database_url=url)


async def case_import(url: str, plan_file: Path, reminders: bool) -> dict[str, object]:
    from sqlalchemy import text

    from bot.db import make_engine, make_sessionmaker, session_scope
    from bot.plans import read_plan, run_import
    from bot.schema import upgrade_to_head
    from bot.timeutil import FixedClock
    from scheduler import replan_after_import

    engine = make_engine(url)
    await upgrade_to_head(engine)
    factory = make_sessionmaker(engine)
    after = replan_after_import(settings=_settings(url), clock=FixedClock(IMPORTED_AT)) if reminders else None
    result: dict[str, object] = {}
    for run in ("first", "again"):
        started = time.perf_counter()
        check = read_plan(plan_file)
        assert check.plan is not None, check.problems[:5]
        checked = time.perf_counter()
        report = await run_import(session_factory=factory, plan=check.plan, now=IMPORTED_AT, after=after)
        done = time.perf_counter()
        result[run] = {"check_s": round(checked - started, 1), "write_s": round(done - checked, 1),
                       "total_s": round(done - started, 1), "units_added": len(report.units_added),
                       "assignments_added": report.assignments_added, "changed": report.changed}
        del check, report
    async with session_scope(factory) as session:
        result["states"] = await apply_progress(session)
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load, done now rather than in the middle of the measurements.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE unit, milestone, assignment"))
    await engine.dispose()
    return result


async def _latencies(run: Callable[[], Awaitable[object]], count: int) -> list[float]:
    for _ in range(WARMUP):
        await run()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)], 1),
            "max_ms": round(ordered[-1], 1)}


async def case_tiendo(url: str, queries: int) -> dict[str, object]:
    """The service calls and texts of handlers/progress.py (`overview`), one session per query."""
    from sqlalchemy import select
    from sqlmodel import col

    from bot.db import make_engine, make_sessionmaker
    from bot.i18n import translator
    from bot.models import Unit
    from bot.progress import StatusRules, item_rates, rates_of, subtree_progress, unit_items
    from handlers.render import paginate, subtree_lines, unit_lines

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    rules, t = StatusRules(tz=VN), translator("vi")
    picker, count = random.Random(2020), queries + WARMUP

    def turns(ids: list[int]) -> list[int]:
        """`count` of these ids in a random order, each once before any comes again."""
        order = picker.sample(ids, k=len(ids))
        return [order[i % len(order)] for i in range(count)]

    async with factory() as session:
        ids_by_depth: dict[int, list[int]] = {}
        for unit_id, depth in (await session.execute(select(Unit.id, Unit.depth).order_by(Unit.id))).all():
            ids_by_depth.setdefault(depth, []).append(unit_id)
        chosen = {"secretary": turns(ids_by_depth[3]), "district": turns(ids_by_depth[2]),
                  "top": turns(ids_by_depth[0])}
        # Only the units people are bound to (the handler has them from `load_access`): a process holding all
        # 60,000 as ORM objects would spend its time in the garbage collector walking them, which the bot does not.
        wanted = {unit_id for ids in chosen.values() for unit_id in ids}
        units = {unit.id: unit for unit in (await session.execute(
            select(Unit).where(col(Unit.id).in_(wanted)))).scalars()}
    samples = {kind: [units[unit_id] for unit_id in ids] for kind, ids in chosen.items()}
    sizes: dict[str, int] = {}

    def secretary(units: list[Unit]) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            unit = units.pop()
            async with factory() as session:
                items = await unit_items(session=session, unit_id=unit.id,  # type: ignore[arg-type]
                                         now=NOW, rules=rules)
            sizes["secretary"] = len(items)
            return paginate(unit_lines(t, unit, items, item_rates(items)))
        return run

    def supervisor(kind: str, units: list[Unit]) -> Callable[[], Awaitable[object]]:
        async def run() -> object:
            root = units.pop()
            async with factory() as session:
                progress = await subtree_progress(session=session, root=root, now=NOW, rules=rules)
            sizes[kind] = sum(p.total for p in progress)
            sizes[f"{kind}_late"] = sum(len(p.late_units) for p in progress)
            return paginate(subtree_lines(t, root, progress, rates_of(progress)))
        return run

    result: dict[str, object] = {}
    result["secretary"] = _summary(await _latencies(secretary(samples["secretary"]), queries))
    result["district"] = _summary(await _latencies(supervisor("district", samples["district"]), queries))
    result["top"] = _summary(await _latencies(supervisor("top", samples["top"]), queries))
    result["sizes"] = sizes
    await engine.dispose()
    return result


async def case_baocao(url: str) -> dict[str, object]:
    """handlers/reports.py `baocao` for three provinces: data, workbook bytes, chart PNG."""
    from sqlalchemy import select

    from bot.db import make_engine, make_sessionmaker
    from bot.i18n import translator
    from bot.models import Unit
    from bot.progress import StatusRules
    from bot.reports.chart import chart_png
    from bot.reports.data import gather_report
    from bot.reports.workbook import workbook_bytes

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    rules, t = StatusRules(tz=VN), translator("vi")
    async with factory() as session:
        provinces = list((await session.execute(select(Unit).where(Unit.depth == 1).order_by(Unit.id))).scalars())
    parts: dict[str, list[float]] = {"data_s": [], "workbook_s": [], "chart_s": [], "total_s": []}
    cells = 0
    for province in (provinces[0], provinces[len(provinces) // 2], provinces[-1]):
        started = time.perf_counter()
        async with factory() as session:
            data = await gather_report(session=session, root=province, now=NOW, rules=rules)
        gathered = time.perf_counter()
        workbook_bytes(data, t, VN)
        written = time.perf_counter()
        chart_png(data, t)
        drawn = time.perf_counter()
        for name, seconds in (("data_s", gathered - started), ("workbook_s", written - gathered),
                              ("chart_s", drawn - written), ("total_s", drawn - started)):
            parts[name].append(seconds)
        cells = len(data.cells)
    await engine.dispose()
    return {"cells": cells, **{name: round(statistics.median(values), 2) for name, values in parts.items()}}


# -- databases --------------------------------------------------------------------------------------------


def postgres_server_url(given: str | None) -> str:
    if given:
        return given
    return subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "url"], check=True, capture_output=True,
                          text=True).stdout.strip()


def _on_server(url: str, *statements: str) -> str:
    """Runs statements over asyncpg on the database of `url`; returns the first column of the last one's row."""
    import asyncpg
    from sqlalchemy.engine import make_url

    server = make_url(url)

    async def run() -> str:
        connection = await asyncpg.connect(host=server.host or "127.0.0.1", port=server.port or 5432,
                                           user=server.username, password=server.password,
                                           database=server.database or "postgres")
        try:
            value = None
            for statement in statements:
                value = await connection.fetchval(statement)
            return str(value)
        finally:
            await connection.close()

    return asyncio.run(run())


# -- driver ---------------------------------------------------------------------------------------------


def run_case(*args: str) -> dict[str, Any]:
    """One case in a fresh interpreter, as the CLI and the bot run (no memory or GC left from the last case)."""
    completed = subprocess.run([sys.executable, __file__, "_case", *args], capture_output=True, text=True)
    if completed.returncode:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"case {args[0]} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(backend: str, url: str, plan_file: Path, options: argparse.Namespace) -> None:
    say = functools.partial(print, f"[{backend}]", flush=True)
    if "import" in options.parts:
        imported = run_case("import", url, str(plan_file), "1" if options.reminders else "0")
        first, again = imported["first"], imported["again"]
        say(f"import: {first['units_added']:,} units, {first['assignments_added']:,} assignments in "
            f"{first['total_s']} s (read + validate {first['check_s']} s, write {first['write_s']} s)"
            + (", reminders re-planned" if options.reminders else ""))
        say(f"re-import, nothing changed ({not again['changed']}): {again['total_s']} s "
            f"(read + validate {again['check_s']} s, write {again['write_s']} s)")
        say(f"progress on {NOW:%d/%m/%Y}: " + ", ".join(f"{n:,} {state}" for state, n in imported["states"].items()))
    if "tiendo" in options.parts:
        measure_tiendo(say, url, options)
    if "baocao" in options.parts:
        report = run_case("baocao", url)
        say(f"/baocao one province ({report['cells']:,} cells): {report['total_s']} s "
            f"(data {report['data_s']} s, workbook {report['workbook_s']} s, chart {report['chart_s']} s)")


def measure_tiendo(say: Callable[..., None], url: str, options: argparse.Namespace) -> None:
    tiendo = run_case("tiendo", url, str(options.queries))
    sizes = tiendo["sizes"]
    for kind, label in (("secretary", "secretary, one grassroots unit"), ("district", "district supervisor"),
                        ("top", "top supervisor, the whole tree")):
        figures = tiendo[kind]
        detail = (f"{sizes[kind]} items" if kind == "secretary"
                  else f"{sizes[kind]:,} assignments, {sizes[kind + '_late']:,} late units named")
        say(f"/tiendo {label} ({detail}): median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms "
            f"(target ≤ {TARGETS_MS[kind]} ms)")


def measure_all(folder: Path, backends: list[str], server: str | None, pg_url: str | None,
                options: argparse.Namespace) -> None:
    fresh = "import" in options.parts
    plan_file = folder / "national.yaml"
    if fresh:
        started = time.perf_counter()
        units = national_units(provinces=63, districts_per_province=11, grassroots=options.grassroots)
        plan_file.write_text(plan_yaml(units, milestones=options.milestones, two_step_every=4), encoding="utf-8")
        print(f"plan file: {len(units):,} units, {options.milestones} milestones, "
              f"{plan_file.stat().st_size / 2**20:.1f} MB, written in {time.perf_counter() - started:.1f} s")
    for backend in backends:
        if backend == "sqlite":
            path = folder / "scale.db"
            if fresh:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            measure(backend, f"sqlite+aiosqlite:///{path}", plan_file, options)
        else:
            assert server is not None and pg_url is not None
            if fresh:
                _on_server(server, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)',
                           f'CREATE DATABASE "{PG_DATABASE}"')
            try:
                measure(backend, pg_url, plan_file, options)
            finally:
                if not options.keep:
                    _on_server(server, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", default=list(PARTS), metavar="PART",
                        help=f"what to measure, of {', '.join(PARTS)} (default: all); without import, the "
                             "databases kept by --keep")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--grassroots", type=int, default=59_243, help="grassroots units (60,000 units in all)")
    parser.add_argument("--milestones", type=int, default=20)
    parser.add_argument("--queries", type=int, default=200, help="queries per /tiendo case")
    parser.add_argument("--reminders", action="store_true", help="re-plan reminders in the import, as the CLI does")
    parser.add_argument("--postgres-url", help="a server to create the database on (default: scripts/postgres.sh)")
    parser.add_argument("--keep", help="folder for the plan file and the SQLite database, kept with the "
                                       "PostgreSQL database (default: temporary, dropped)")
    options = parser.parse_args()
    if unknown := set(options.parts) - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    fresh = "import" in options.parts
    if not fresh and not options.keep:
        parser.error("without import, --keep must name the folder of an earlier run")
    folder = Path(options.keep or tempfile.mkdtemp(prefix="bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgres"] if options.backend == "both" else [options.backend]
    server = postgres_server_url(options.postgres_url) if "postgres" in backends else None
    pg_url = None
    if server is not None:
        from sqlalchemy.engine import make_url

        pg_url = make_url(server).set(database=PG_DATABASE).render_as_string(hide_password=False)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
          + (f", PostgreSQL {_on_server(server, 'SHOW server_version')}" if server else ""))
    try:
        measure_all(folder, backends, server, pg_url, options)
    finally:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def _case(argv: list[str]) -> None:
    kind, url = argv[0], argv[1]
    if kind == "import":
        result = asyncio.run(case_import(url, Path(argv[2]), argv[3] == "1"))
    elif kind == "tiendo":
        result = asyncio.run(case_tiendo(url, int(argv[2])))
    else:
        result = asyncio.run(case_baocao(url))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_case":
        _case(sys.argv[2:])
    else:
        sys.exit(main())
