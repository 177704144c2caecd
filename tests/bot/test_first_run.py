"""`make run` loads the sample units and plans into an empty database only: a live database is never touched.

The command under test is the one the Makefile's `run` target runs (read with `make -n`), with the bot itself
replaced by a no-op: what matters is what it does to the database before it starts.
"""

from __future__ import annotations

import asyncio
import shlex
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.db import make_engine, make_sessionmaker
from bot.models import Assignment, Event, Membership, Milestone, Plan, Reminder, Unit
from bot.settings import PROJECT_ROOT, Settings

OWN_UNITS = ("units:\n  - {code: SO-NV, name: Sở Nội vụ, kind: other, "
             "children: [{code: P-TCCB, name: Phòng Tổ chức, kind: other}]}\n")
OWN_PLAN = ("plan: {code: KH-SO, title: Kế hoạch của Sở}\nmilestones:\n"
            "  - {code: M01, title: Báo cáo quý, due: 31/03/2027, units: [P-TCCB]}\n")


def make_run_arguments() -> list[str]:
    """The arguments the Makefile gives `nhacviec` in its `run` target."""
    shown = subprocess.run(["make", "-n", "-s", "run"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    line = next(line for line in shown.stdout.splitlines() if "nhacviec run" in line)
    words = shlex.split(line)
    return words[words.index("run"):]


def snapshot(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    async def main() -> dict[str, list[tuple[object, ...]]]:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                found = {}
                for model in (Plan, Unit, Milestone, Assignment, Membership, Reminder, Event):
                    columns = model.__table__.columns  # type: ignore[attr-defined]
                    found[model.__tablename__] = [tuple(row) for row in (await session.execute(  # type: ignore[attr-defined]
                        select(*columns).order_by(columns.id))).all()]
                return found
        finally:
            await engine.dispose()

    return asyncio.run(main())


@pytest.fixture
def make_run(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Runs the Makefile's `run` command against the test database; the bot does not actually start."""
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setenv("FAKE_NOW", "2026-12-02T09:00:00+07:00")
    monkeypatch.setattr("bot.cli.get_settings", lambda: Settings(_env_file=None))
    monkeypatch.setattr("bot.app.startup_problem", lambda settings, webhook: None)
    started: list[str] = []
    monkeypatch.setattr("bot.app.run", lambda settings, **kwargs: started.append(settings.database_url))
    runner = CliRunner()
    arguments = make_run_arguments()
    assert "--if-empty" in arguments

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, ["--database-url", database_url, *(args or arguments)])
        assert result.exit_code == 0, result.output
        return result

    invoke.started = started  # type: ignore[attr-defined]
    return invoke


def test_make_run_twice_leaves_an_offices_own_database_as_it_was(make_run, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    units, plan = tmp_path / "don-vi.yaml", tmp_path / "ke-hoach.yaml"
    units.write_text(OWN_UNITS, encoding="utf-8")
    plan.write_text(OWN_PLAN, encoding="utf-8")
    make_run("units", "import", str(units))
    make_run("import", str(plan))
    before = snapshot(database_url)

    for _ in range(2):
        result = make_run()
        assert "Cơ sở dữ liệu đã có đơn vị hoặc kế hoạch: không nhập các tệp mẫu." in result.stderr
        assert snapshot(database_url) == before
    assert len(make_run.started) == 2  # and the bot did start, each time


def test_the_first_make_run_loads_the_units_and_both_sample_plans(make_run, database_url: str) -> None:  # type: ignore[no-untyped-def]
    first = make_run()
    assert "Tệp đơn vị plans/units-dien-bien.yaml: đã nhập." in first.stderr
    loaded = snapshot(database_url)
    assert [row[1] for row in loaded["plan"]] == ["DB-CT35-2019", "DB-MAU-2027"]
    assert any(row[5] == "pending" for row in loaded["reminder"])  # the current plan has reminders ahead
    make_run()
    assert snapshot(database_url) == loaded
