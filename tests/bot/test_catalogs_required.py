"""Without its compiled Vietnamese catalogs the bot refuses to start (CLI `run` and bot.app.run), clearly, in both
languages, rather than speak its English message ids; an installed package's own catalogs come first."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import i18n
from bot.app import CATALOGS_MISSING, run
from bot.cli import app
from bot.settings import Settings

MISSING = "vi/LC_MESSAGES/bot.mo, vi/LC_MESSAGES/handlers.mo, vi/LC_MESSAGES/scheduler.mo"


@pytest.fixture
def catalogs_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Points the catalog lookup at given folders (a checkout's locales/, an installed package's)."""
    def point(checkout: Path, packaged: Path) -> None:
        monkeypatch.setattr(i18n, "LOCALES_DIR", checkout)
        monkeypatch.setattr(i18n, "PACKAGED_LOCALES_DIR", packaged)
        i18n.translator.cache_clear()

    yield point
    monkeypatch.undo()
    i18n.translator.cache_clear()


def test_cli_run_refuses_without_the_vietnamese_catalogs(tmp_path: Path, catalogs_at) -> None:  # type: ignore[no-untyped-def]
    catalogs_at(tmp_path / "locales", tmp_path / "site-packages" / "bot" / "locales")  # neither exists
    result = CliRunner().invoke(app, ["--database-url", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", "run"],
                                env={"TELEGRAM_BOT_TOKEN": "12345:test-token"})
    assert result.exit_code == 2, result.output
    assert result.output.strip() == CATALOGS_MISSING.format(files=MISSING)
    vietnamese, english = result.output.strip().splitlines()
    assert "Thiếu bản dịch tiếng Việt" in vietnamese and "make catalogs" in vietnamese
    assert "Vietnamese catalogs are missing" in english
    assert not (tmp_path / "bot.db").exists()  # refused before anything was done


def test_bot_run_refuses_without_the_vietnamese_catalogs(tmp_path: Path, catalogs_at, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run() installs its own; put it back afterwards
    checkout = tmp_path / "locales" / "vi" / "LC_MESSAGES"
    checkout.mkdir(parents=True)
    (checkout / "bot.mo").write_bytes((Path(i18n.LOCALES_DIR) / "vi" / "LC_MESSAGES" / "bot.mo").read_bytes())
    catalogs_at(tmp_path / "locales", tmp_path / "nowhere")  # one of three domains compiled
    with pytest.raises(SystemExit) as stopped:
        run(Settings(_env_file=None, telegram_bot_token="12345:test-token"), session_factory=None)  # type: ignore[arg-type]
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip() == CATALOGS_MISSING.format(
        files="vi/LC_MESSAGES/handlers.mo, vi/LC_MESSAGES/scheduler.mo")


def test_an_installed_packages_catalogs_are_read_first(tmp_path: Path, catalogs_at) -> None:  # type: ignore[no-untyped-def]
    """As a wheel installs them: compiled into bot/locales/, with no checkout around."""
    packaged = tmp_path / "site-packages" / "bot" / "locales"
    shutil.copytree(i18n.LOCALES_DIR, packaged, ignore=shutil.ignore_patterns("*.mo"))
    i18n.compile_catalogs(packaged)
    catalogs_at(tmp_path / "no-checkout", packaged)
    assert i18n.compiled_locales_dir() == packaged
    assert i18n.missing_catalogs() == []
    assert i18n.translator("vi")("Show progress") == "Xem tiến độ công việc"
