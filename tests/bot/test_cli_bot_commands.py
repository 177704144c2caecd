"""CLI: invite prints a deep link, milestones prints per-milestone progress, run without a token or webhook
settings explains."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import PROJECT_ROOT, Settings, get_settings

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


def run_with_env(tmp_path: Path, monkeypatch, env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env here
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "run", *args])
    finally:
        get_settings.cache_clear()


def test_webhook_mode_needs_its_url_and_secret(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    token = {"TELEGRAM_BOT_TOKEN": "12345:sandbox-token"}
    no_url = run_with_env(tmp_path, monkeypatch, token, "--webhook")
    assert no_url.exit_code == 2
    assert "WEBHOOK_URL" in no_url.output and "Chế độ webhook" in no_url.output
    # WEBHOOK_URL alone chooses webhook mode, and then the secret is required: no unauthenticated endpoint.
    no_secret = run_with_env(tmp_path, monkeypatch, {**token, "WEBHOOK_URL": "https://bot.example.vn/telegram"})
    assert no_secret.exit_code == 2
    assert "WEBHOOK_SECRET_TOKEN" in no_secret.output
    assert not (tmp_path / "x.db").exists()  # refused before touching the database


def test_webhook_secret_must_be_what_telegram_accepts(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET_TOKEN"):
        Settings(webhook_secret_token="có dấu và khoảng trắng")
    assert Settings(webhook_secret_token="", webhook_url=" ").webhook_secret_token is None
    assert Settings(webhook_path="/telegram/").webhook_path == "telegram"
