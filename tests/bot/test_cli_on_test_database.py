"""The CLI's import / units / report on the suite's database (PostgreSQL under `make test-postgres`).

tests/bot/test_cli.py, test_cli_bot_commands.py, test_plans_import.py and test_report_workbook.py drive the CLI
against their own SQLite file; this runs the same paths on whichever backend the suite is testing.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.settings import PROJECT_ROOT, Settings

SAMPLE = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")


def test_import_reimport_units_report(database_url: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Before the plan's first reminder: health would rightly report reminders due and unsent otherwise.
    monkeypatch.setenv("FAKE_NOW", "2019-09-02T09:00:00+07:00")
    monkeypatch.setattr("bot.cli.get_settings", lambda: Settings(_env_file=None))  # uncached: reads FAKE_NOW
    runner = CliRunner()
    database = ["--database-url", database_url]

    first = runner.invoke(app, [*database, "import", SAMPLE])
    assert first.exit_code == 0, first.output
    assert "Mốc: thêm 28, sửa 0, ngừng theo dõi 0, khôi phục 0." in first.stdout.splitlines()

    again = runner.invoke(app, [*database, "import", SAMPLE])
    assert (again.exit_code, again.stdout) == (0, "Kế hoạch DB-CT35-2019: đã nhập.\nKhông có thay đổi.\n")

    units = runner.invoke(app, [*database, "units"])
    assert units.exit_code == 0, units.output
    assert "HU-DIENBIEN" in units.stdout

    out = tmp_path / "bao-cao.xlsx"
    report = runner.invoke(app, [*database, "report", "--unit", "tu", "--out", str(out)])
    assert report.exit_code == 0, report.output
    assert "28 mốc, 25 đơn vị" in report.stdout
    assert out.stat().st_size > 0

    health = runner.invoke(app, [*database, "health"])
    assert health.exit_code == 0, health.output
