"""CLI: invite prints a deep link, milestones prints per-milestone progress, run without a token explains."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.settings import PROJECT_ROOT, get_settings

SAMPLE = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")


def test_invite_and_milestones(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "nhacviec_bot")
    get_settings.cache_clear()
    database = ["--database-url", database_url]
    runner = CliRunner()
    try:
        assert runner.invoke(app, [*database, "import", SAMPLE]).exit_code == 0
        invite = runner.invoke(app, [*database, "invite", "HU-DIENBIEN", "--role", "supervisor"])
        assert invite.exit_code == 0, invite.output
        assert invite.stdout.startswith("https://t.me/nhacviec_bot?start=")
        assert runner.invoke(app, [*database, "invite", "NOPE"]).exit_code == 1
        table = runner.invoke(app, [*database, "milestones"])
        assert table.exit_code == 0, table.output
        assert table.stdout.splitlines()[0].startswith("TU: 0/232")
        assert any(line.strip().startswith("M16") and "0/15" in line for line in table.stdout.splitlines())
    finally:
        get_settings.cache_clear()


def test_run_without_token_says_how(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "run"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN" in result.output and "make sandbox" in result.output
    assert os.environ.get("TELEGRAM_BOT_TOKEN") is None
