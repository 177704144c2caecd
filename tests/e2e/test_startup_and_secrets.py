"""The real bot process (`python -m bot run`) at its start and at LOG_LEVEL=DEBUG.

* A token the Bot API refuses (the emulator answers 401 to any token but its own) and a Bot API nobody answers
  (a closed loopback port) each get one sentence in Vietnamese, the same in English, and exit 2 — not hundreds
  of lines of traceback with the token in them.
* At DEBUG, python-telegram-bot logs the Bot API URL and setWebhook's parameters, httpx every request URL: in
  polling and in webhook mode, through a conversation and a stop, nothing the process prints carries the token
  or the webhook secret.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import API_UNREACHABLE, TOKEN_REJECTED
from bot.settings import PROJECT_ROOT
from sandbox import EmulatorClient, EmulatorServer
from tests.e2e.conftest import ADMIN, NOW, SECRETARY, prepare_database
from tests.e2e.processes import TOKEN, BotProcess, bot_env, wait_for_menu
from tests.e2e.webhooks import PATH, SECRET, free_port, wait_for_webhook, webhook_env

REJECTED_TOKEN = "99999:not-this-bots-token_0123456789"
TOKEN_SECRET = TOKEN.split(":", 1)[1]  # what must never be printed (the id before the colon is public)


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run_until_exit(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", "run"], cwd=PROJECT_ROOT, env=env,
                                   capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_token_the_bot_api_refuses_is_one_clear_sentence_and_exit_2(tmp_path: Path, level: str) -> None:
    async with EmulatorServer(port=0, token=TOKEN) as emu:
        done = await run_until_exit(bot_env(emu, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                                            TELEGRAM_BOT_TOKEN=REJECTED_TOKEN, LOG_LEVEL=level))
        calls = await emu.client.calls("getMe")
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert calls and all(call["status"] == 401 for call in calls)  # it did ask, and was refused
    assert REJECTED_TOKEN.split(":", 1)[1] not in output
    assert "Traceback" not in output
    if level == "INFO":
        assert (done.stdout, done.stderr.strip()) == ("", TOKEN_REJECTED)
    else:  # the debug lines, then the same two sentences
        assert done.stderr.rstrip().endswith(TOKEN_REJECTED), output
    vietnamese, english = TOKEN_REJECTED.splitlines()
    assert "TELEGRAM_BOT_TOKEN" in vietnamese and "kiểm tra" in vietnamese and "check" in english


async def test_an_unreachable_bot_api_is_one_clear_sentence_and_exit_2(tmp_path: Path) -> None:
    port = closed_port()
    done = await run_until_exit({**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "INFO",
                                 "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                                 "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
                                 "TELEGRAM_API_FILE_URL": f"http://127.0.0.1:{port}/file/bot"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert (done.stdout, done.stderr.strip()) == ("", API_UNREACHABLE.format(address=f"http://127.0.0.1:{port}"))
    assert "kết nối mạng" in done.stderr and "network connection" in done.stderr


@asynccontextmanager
async def debug_bot(test_databases: Any, folder: Path, *,
                    webhook: bool) -> AsyncIterator[tuple[EmulatorClient, BotProcess, dict[str, str]]]:
    """A bot process at LOG_LEVEL=DEBUG on a database with the sample plan; yields the emulator's client, the
    process (stopped by SIGTERM on leaving) and the invite codes."""
    url = test_databases.new(folder / "bot.db")
    factory, invites = await prepare_database(url, {})
    try:
        async with EmulatorServer(port=0) as emu:
            port = free_port()
            extra = webhook_env(port=port, public_url=f"http://127.0.0.1:{port}/{PATH}") if webhook else {}
            bot = BotProcess(env=bot_env(emu, url, LOG_LEVEL="DEBUG", ADMIN_IDS=str(ADMIN.id), FAKE_NOW=NOW.isoformat(),
                                         **extra), log_path=folder / "bot.log").start()
            try:
                await wait_for_menu(emu.client, bot)
                if webhook:
                    await wait_for_webhook(emu.client, bot)
                yield emu.client, bot, invites
            finally:
                await bot.stop()
    finally:
        await factory.kw["bind"].dispose()
        test_databases.drop(url)


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_debug_logs_never_carry_the_token_or_the_webhook_secret(test_databases: Any, tmp_path: Path,
                                                                      webhook: bool) -> None:
    async with debug_bot(test_databases, tmp_path, webhook=webhook) as (client, bot, invites):
        await client.send_command(SECRETARY, "start", invites["secretary"])
        assert "Đã đăng ký" in (await client.wait_for_bot_messages(SECRETARY.id, timeout=15))[0]["text"]
        await client.send_command(SECRETARY, "tiendo")
        assert "M03" in (await client.wait_for_bot_messages(SECRETARY.id, timeout=15))[0]["text"]  # page 1 of the list
    assert bot.process is not None and bot.process.returncode is not None
    log = bot.log()
    assert TOKEN_SECRET not in log and SECRET not in log
    # What used to carry them is still logged, masked: the Bot API URL (PTB, httpx), setWebhook's parameters.
    assert f"Set Bot API URL: {bot.env['TELEGRAM_API_BASE_URL']}12345:***" in log
    assert "HTTP Request: POST " in log and "/bot12345:***/sendMessage" in log
    if webhook:
        assert "`setWebhook`" in log and "'secret_token': '***'" in log
    else:
        assert "/bot12345:***/getUpdates" in log
