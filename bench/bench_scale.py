"""Benchmark of plan import, /tiendo and /baocao at national scale, on SQLite and PostgreSQL (prints numbers).

    make bench-scale                                             # starts the test PostgreSQL server, runs both
    .venv/bin/python bench/bench_scale.py                        # both backends, 3 plans (~30 minutes on 2 cores)
    .venv/bin/python bench/bench_scale.py --plans 1              # one plan, as before plans existed
    .venv/bin/python bench/bench_scale.py --backend sqlite
    .venv/bin/python bench/bench_scale.py --backend postgres --postgres-url postgresql+asyncpg://…/any
    .venv/bin/python bench/bench_scale.py --keep /tmp/scale      # keep the databases ...
    .venv/bin/python bench/bench_scale.py tiendo baocao --keep /tmp/scale   # ... and measure them again
    .venv/bin/python bench/bench_scale.py import --backend sqlite --reminders  # import as the CLI, reminders too

PostgreSQL: the server of `scripts/postgres.sh start` (its `url`; start it first) unless --postgres-url names
another; the benchmark creates its own database `bench_scale` there and drops it afterwards (kept with --keep).

The data (bench/national.py): 60,000 units (root → 63 provinces → 693 districts → 59,243 grassroots units) and
--plans plans of national size (default 3): each a plan file listing the whole tree, with its own code
(VN-BENCH, VN-BENCH-2, …) and the same milestone codes M01–M20, each given to every grassroots unit (1,184,860
assignments a plan). Parts, each in a fresh process (as the CLI and the bot are):
* import   — each plan file in turn as `nhacviec import` does it: the stored tree read (`standing_units`), the
             file checked against it (`read_plan`), `run_import` into the migrated database; a later plan must
             add no unit, change no stored unit and leave the earlier plans' rows as they were (checked, not
             timed). Then plan 1 again (nothing changes). `--reminders` adds the CLI's re-planning of reminders
             in the same transaction (the engine's own figure: bench_reminders.py).
             Then progress as on 1 June 2020, set in bulk over every plan: M01–M05 due (80 % done on time, 8 %
             done late, 4 % awaiting acceptance on M04, the rest still open: ~33,000 late items a plan), 15 %
             of the later ones done early. PostgreSQL is then vacuumed and analysed, as autovacuum would;
             SQLite is left without statistics, as the bot leaves it.
* tiendo   — `/tiendo` with no argument as handlers/progress.py answers it (its `overview` and first page: the
             plan labels, `unit_items` or `subtree_progress`, the texts and buttons) for (a) a grassroots
             secretary, (b) a district supervisor, (c) the top supervisor (the root: 60,000 units). A session per
             query (as per update; `load_access` is not timed), a different unit each time for (a) and (b);
             median and p95 of --queries runs after a few warm-ups. Targets: p95 ≤ 20 / 100 / 500 ms.
* baocao   — /baocao for a province (every active plan): `gather_report`, the workbook's bytes and the chart's
             PNG, as handlers/reports.py does; the median of three provinces.
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
from datetime import datetime, time as clock_time, timedelta
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
PLAN_CODE = "VN-BENCH"  # plan 1; the others are VN-BENCH-2, VN-BENCH-3 …
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


async def _fingerprint(session, plan_ids: list[int]) -> list[object]:  # type: ignore[no-untyped-def]
    """What a later plan's import must leave as it was: every unit, and these plans with their milestones and
    assignments (aggregates over the assignments: millions of rows)."""
    from sqlalchemy import case, func, select
    from sqlmodel import col

    from bot.models import Assignment, AssignmentState, Milestone, Plan, Unit

    tables = {model: model.__table__.c for model in (Unit, Plan, Milestone)}  # type: ignore[attr-defined]
    units = (await session.execute(select(*tables[Unit]).order_by(Unit.id))).all()
    plans = (await session.execute(select(*tables[Plan]).where(col(Plan.id).in_(plan_ids)).order_by(Plan.id))).all()
    milestones = (await session.execute(select(*tables[Milestone]).where(col(Milestone.plan_id).in_(plan_ids))
                                        .order_by(Milestone.id))).all()
    of_plans = select(Milestone.id).where(col(Milestone.plan_id).in_(plan_ids))
    assignments = (await session.execute(
        select(func.count(), func.sum(Assignment.id), func.sum(Assignment.unit_id), func.sum(Assignment.milestone_id),
               func.sum(case((col(Assignment.active).is_(True), 1), else_=0)), func.count(Assignment.confirmed_at),
               func.count(Assignment.reported_at), func.count(Assignment.note),
               func.count(Assignment.due_date_override),
               func.sum(case((Assignment.state == AssignmentState.open, 1), else_=0)))
        .where(col(Assignment.milestone_id).in_(of_plans)))).one()
    return [hash(tuple(tuple(row) for row in units)), len(units), [tuple(row) for row in plans],
            [tuple(row) for row in milestones], [int(value or 0) for value in assignments]]


async def case_import(url: str, plan_files: list[Path], reminders: bool) -> dict[str, object]:
    """Each plan file in turn as `nhacviec import` does it (the stored tree read, the file checked against it,
    imported in one transaction), then the first again. A later plan must leave the earlier ones' units and rows
    exactly as they were."""
    from sqlalchemy import select, text

    from bot.db import make_engine, make_sessionmaker, session_scope
    from bot.models import Plan
    from bot.plans import read_plan, run_import
    from bot.plans.standing import standing_units
    from bot.schema import upgrade_to_head
    from bot.timeutil import FixedClock
    from scheduler import replan_after_import

    engine = make_engine(url)
    await upgrade_to_head(engine)
    factory = make_sessionmaker(engine)
    after = replan_after_import(settings=_settings(url), clock=FixedClock(IMPORTED_AT)) if reminders else None
    result: dict[str, object] = {}
    runs = [(f"plan{number}", plan_file) for number, plan_file in enumerate(plan_files, 1)]
    for run, plan_file in [*runs, ("again", plan_files[0])]:
        async with factory() as session:
            earlier = list((await session.execute(select(Plan.id).order_by(Plan.id))).scalars())
            before = await _fingerprint(session, earlier) if earlier and run != "again" else None
        started = time.perf_counter()
        async with factory() as session:
            known = await standing_units(session)
        check = read_plan(plan_file, known=known)
        assert check.plan is not None, check.problems[:5]
        checked = time.perf_counter()
        report = await run_import(session_factory=factory, plan=check.plan, now=IMPORTED_AT, after=after)
        done = time.perf_counter()
        result[run] = {"check_s": round(checked - started, 1), "write_s": round(done - checked, 1),
                       "total_s": round(done - started, 1), "units_added": len(report.units_added),
                       "assignments_added": report.assignments_added, "changed": report.changed,
                       "units_touched": report.units_touched or bool(report.units_kept) or bool(report.reordered)}
        if before is not None:
            async with factory() as session:
                result[run]["earlier_intact"] = await _fingerprint(session, earlier) == before  # type: ignore[index]
        del check, known, report
    async with session_scope(factory) as session:
        result["states"] = await apply_progress(session)
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load, done now rather than in the middle of the measurements.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE unit, plan, milestone, assignment"))
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
    """/tiendo with no argument as handlers/progress.py answers it: its `overview` (every service call and text
    the handler makes, the plan labels included) and the first page, one session per query."""
    from types import SimpleNamespace

    from sqlalchemy import select
    from sqlmodel import col

    from bot.access import Access
    from bot.db import make_engine, make_sessionmaker
    from bot.i18n import translator
    from bot.members import UnitRole
    from bot.models import Member, Role, Unit
    from bot.plan_views import view_labels
    from bot.progress import StatusRules, subtree_progress, unit_items
    from bot.schema import upgrade_to_head
    from bot.timeutil import FixedClock
    from handlers.common import Request
    from handlers.progress import overview, page_of

    engine = make_engine(url)
    await upgrade_to_head(engine)  # as the bot starts: a kept database follows the schema (not timed)
    factory = make_sessionmaker(engine)
    rules, t = StatusRules(tz=VN), translator("vi")
    # What the handler reads from its context: the clock and the status rules.
    context = SimpleNamespace(clock=FixedClock(NOW), services=SimpleNamespace(rules=rules))
    member = Member(id=1, telegram_user_id=1, chat_id=1, full_name="bench", created_at=NOW)
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

    def asker(units: list[Unit], role: Role) -> Callable[[], Awaitable[object]]:
        """The next unit's member sends /tiendo (what `load_access` gives the handler: the member, one role)."""
        async def run() -> object:
            access = Access(telegram_user_id=1, member=member, roles=[UnitRole(unit=units.pop(), role=role)])
            async with factory() as session:
                view = await overview(Request(session=session, access=access, t=t), context)  # type: ignore[arg-type]
            return page_of(view, 0)
        return run

    result: dict[str, object] = {}
    result["secretary"] = _summary(await _latencies(asker(samples["secretary"], Role.secretary), queries))
    result["district"] = _summary(await _latencies(asker(samples["district"], Role.supervisor), queries))
    result["top"] = _summary(await _latencies(asker(samples["top"], Role.supervisor), queries))
    # What was shown, from one unit of each kind (not timed).
    async with factory() as session:
        items = await unit_items(session=session, unit_id=units[chosen["secretary"][0]].id,  # type: ignore[arg-type]
                                 now=NOW, rules=rules)
        sizes: dict[str, int] = {"secretary": len(items), "plans": len(await view_labels(session=session)) or 1}
        for kind in ("district", "top"):
            progress = await subtree_progress(session=session, root=units[chosen[kind][0]], now=NOW, rules=rules)
            sizes[kind] = sum(p.total for p in progress)
            sizes[f"{kind}_late"] = sum(p.late for p in progress)
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


def measure(backend: str, url: str, plan_files: list[Path], options: argparse.Namespace) -> None:
    say = functools.partial(print, f"[{backend}]", flush=True)
    if "import" in options.parts:
        imported = run_case("import", url, "1" if options.reminders else "0", *map(str, plan_files))
        for number in range(1, len(plan_files) + 1):
            run = imported[f"plan{number}"]
            intact = ("" if number == 1 else
                      f"; units untouched: {not run['units_touched']}, earlier plans intact: {run['earlier_intact']}")
            say(f"import plan {number}: {run['units_added']:,} units, {run['assignments_added']:,} assignments in "
                f"{run['total_s']} s (read + validate {run['check_s']} s, write {run['write_s']} s)"
                + (", reminders re-planned" if options.reminders else "") + intact)
        again = imported["again"]
        say(f"re-import plan 1, nothing changed ({not again['changed']}): {again['total_s']} s "
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
    say(f"/tiendo with {sizes['plans']} active plan(s):")
    for kind, label in (("secretary", "secretary, one grassroots unit"), ("district", "district supervisor"),
                        ("top", "top supervisor, the whole tree")):
        figures = tiendo[kind]
        detail = (f"{sizes[kind]} items" if kind == "secretary"
                  else f"{sizes[kind]:,} assignments, {sizes[kind + '_late']:,} late units")
        say(f"/tiendo {label} ({detail}): median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms "
            f"(target ≤ {TARGETS_MS[kind]} ms)")


def measure_all(folder: Path, backends: list[str], server: str | None, pg_url: str | None,
                options: argparse.Namespace) -> None:
    fresh = "import" in options.parts
    # Plans of national size, one after another: each lists the whole tree (the later ones change nothing in
    # it) and gives the same milestone codes M01… to every grassroots unit; plan 1 is the one-plan benchmark's.
    codes = [PLAN_CODE] + [f"{PLAN_CODE}-{number}" for number in range(2, options.plans + 1)]
    plan_files = [folder / f"national-{number}.yaml" for number in range(1, options.plans + 1)]
    if fresh:
        started = time.perf_counter()
        units = national_units(provinces=63, districts_per_province=11, grassroots=options.grassroots)
        for code, plan_file in zip(codes, plan_files, strict=True):
            plan_file.write_text(plan_yaml(units, milestones=options.milestones, two_step_every=4, code=code),
                                 encoding="utf-8")
        print(f"plan files: {options.plans} × ({len(units):,} units, {options.milestones} milestones, "
              f"{plan_files[0].stat().st_size / 2**20:.1f} MB), written in {time.perf_counter() - started:.1f} s")
    for backend in backends:
        if backend == "sqlite":
            path = folder / "scale.db"
            if fresh:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            measure(backend, f"sqlite+aiosqlite:///{path}", plan_files, options)
        else:
            assert server is not None and pg_url is not None
            if fresh:
                _on_server(server, f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)',
                           f'CREATE DATABASE "{PG_DATABASE}"')
            try:
                measure(backend, pg_url, plan_files, options)
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
    parser.add_argument("--milestones", type=int, default=20, help="milestones per plan")
    parser.add_argument("--plans", type=int, default=3, help="active plans of national size, imported in turn "
                                                             "(default 3; 1 is the benchmark before plans)")
    parser.add_argument("--queries", type=int, default=200, help="queries per /tiendo case")
    parser.add_argument("--reminders", action="store_true", help="re-plan reminders in the import, as the CLI does")
    parser.add_argument("--postgres-url", help="a server to create the database on (default: scripts/postgres.sh)")
    parser.add_argument("--keep", help="folder for the plan file and the SQLite database, kept with the "
                                       "PostgreSQL database (default: temporary, dropped)")
    options = parser.parse_args()
    if unknown := set(options.parts) - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if options.plans < 1:
        parser.error("--plans must be at least 1")
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
        result = asyncio.run(case_import(url, [Path(name) for name in argv[3:]], argv[2] == "1"))
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
