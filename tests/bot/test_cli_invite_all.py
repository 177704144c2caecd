"""`nhacviec invite`: one invite per unit into a workbook an office sends out (--all, --under, --kind), role names
as in chat, and the bot's username asked of the Bot API (getMe, here the emulator) when it is not configured."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from bot.botinfo import BotInfoError, bot_username
from bot.cli import app
from bot.db import make_engine, make_sessionmaker
from bot.models import Event, Invite, Role, Unit
from bot.settings import PROJECT_ROOT, Settings, get_settings
from sandbox import EmulatorServer
from tests.bot.services_fixtures import import_sample

SAMPLE = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")
NOW = "2020-05-12T09:00:00+07:00"
TOKEN = "12345:sandbox-token"


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    """Runs `nhacviec …` on the test database, with the bot's username configured and the clock at NOW."""
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "nhacviec_bot")
    monkeypatch.setenv("FAKE_NOW", NOW)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--database-url", database_url, *args])

    assert run("import", SAMPLE).exit_code == 0
    yield run
    get_settings.cache_clear()


def invites_in_database(database_url: str) -> dict[str, tuple[str, Role]]:
    """Invite code -> (unit code, role), read straight from the database."""
    async def read() -> dict[str, tuple[str, Role]]:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                rows = await session.execute(
                    select(Invite.code, Unit.code, Invite.role).join(Unit, Unit.id == Invite.unit_id))
                return {code: (unit, role) for code, unit, role in rows}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def sheet_rows(path: Path) -> list[tuple]:  # type: ignore[type-arg]
    sheet = load_workbook(path).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def test_invite_all_under_a_unit_writes_one_row_per_unit(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "moi.xlsx"
    result = cli("invite", "--all", "--under", "HU-DIENBIEN", "--role", "thu_ky", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{out}: 4 lời mời (thư ký), dùng được đến 09:00 19/05/2020."
    rows = sheet_rows(out)
    assert rows[0] == ("Mã", "Tên đơn vị", "Vai trò", "Đường dẫn mời", "Hạn dùng")
    # The district, then its communes, in the tree's order; each with its own single-use link.
    assert [row[:3] for row in rows[1:]] == [
        ("HU-DIENBIEN", "Huyện ủy Điện Biên", "Thư ký"),
        ("DUX-THANHXUONG", "Đảng ủy xã Thanh Xương", "Thư ký"),
        ("DUX-NOONGLUONG", "Đảng ủy xã Noong Luống", "Thư ký"),
        ("DUX-THANHAN", "Đảng ủy xã Thanh An", "Thư ký"),
    ]
    assert all(row[4] == datetime(2020, 5, 19, 9, 0) for row in rows[1:])  # local time, as the office reads it
    stored = invites_in_database(database_url)
    prefix = "https://t.me/nhacviec_bot?start="
    for code, _name, _role, link, _until in rows[1:]:
        assert link.startswith(prefix) and stored[link[len(prefix):]] == (code, Role.secretary)
    assert len(stored) == 4


def test_invite_all_of_a_kind_as_supervisors(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "giam-sat.xlsx"
    result = cli("invite", "--all", "--kind", "grassroots", "--role", "giám_sát", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = sheet_rows(out)[1:]
    assert rows and all(row[2] == "Giám sát" for row in rows)
    assert {row[0] for row in rows} >= {"DUX-THANHXUONG", "DUX-NOONGLUONG", "DUX-THANHAN"}
    assert not any(row[0].startswith(("HU-", "TU", "BTV")) for row in rows)
    assert {unit for unit, _role in invites_in_database(database_url).values()} == {row[0] for row in rows}
    # The Vietnamese label of a kind works as well as its key.
    again = cli("invite", "--all", "--kind", "Tổ chức cơ sở đảng", "--under", "HU-DIENBIEN", "--out", str(out))
    assert again.exit_code == 0, again.output
    assert len(sheet_rows(out)) == 4


def test_invite_refusals_change_nothing(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "moi.xlsx"
    cases = [
        (("invite", "HU-DIENBIEN", "--role", "admin"), 2, "thu_ky"),
        (("invite", "HU-DIENBIEN", "--all", "--out", str(out)), 2, "--all"),
        (("invite",), 2, "--all"),
        (("invite", "--all"), 2, "--out"),
        (("invite", "HU-DIENBIEN", "--under", "TU"), 2, "--all"),
        (("invite", "--all", "--kind", "xã", "--out", str(out)), 2, "loại đơn vị"),
        (("invite", "--all", "--under", "NOPE", "--out", str(out)), 1, "NOPE"),
        (("invite", "NOPE"), 1, "NOPE"),
    ]
    for args, code, says in cases:
        result = cli(*args)
        assert result.exit_code == code and says in result.output, (args, result.output)
    assert not out.exists()
    assert invites_in_database(database_url) == {}
    # Both spellings of a role, in one place for the CLI and /moi.
    for word in ("giam_sat", "supervisor"):
        made = cli("invite", "HU-DIENBIEN", "--role", word)
        assert made.exit_code == 0 and made.stdout.startswith("https://t.me/nhacviec_bot?start=")
    assert sorted(role for _unit, role in invites_in_database(database_url).values()) == [Role.supervisor] * 2


def test_without_username_nor_token_it_says_what_to_set(database_url: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_USERNAME", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["--database-url", database_url, "invite", "HU-DIENBIEN"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "TELEGRAM_BOT_USERNAME" in result.output and "TELEGRAM_BOT_TOKEN" in result.output


async def test_the_username_comes_from_get_me() -> None:
    async with EmulatorServer(port=0, token=TOKEN, bot_username="vanphong_tu_bot") as emu:
        asked = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=emu.api_base_url)
        assert await bot_username(asked) == "vanphong_tu_bot"
        calls = len(await emu.client.calls("getMe"))
        configured = asked.model_copy(update={"telegram_bot_username": "@dat_san_bot"})
        assert await bot_username(configured) == "dat_san_bot"
        assert len(await emu.client.calls("getMe")) == calls  # configured: nobody is asked
        wrong = Settings(_env_file=None, telegram_bot_token="12345:wrong-token", telegram_api_base_url=emu.api_base_url)
        with pytest.raises(BotInfoError, match="TELEGRAM_BOT_TOKEN") as refused:
            await bot_username(wrong)
        assert "wrong-token" not in str(refused.value)
    gone = Settings(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url=emu.api_base_url)
    with pytest.raises(BotInfoError, match="TELEGRAM_BOT_USERNAME") as unreachable:
        await bot_username(gone)  # the emulator has stopped: nothing listens there now
    assert TOKEN not in str(unreachable.value)


async def test_cli_invite_asks_the_bot_api_for_the_username(session_factory, database_url: str,
                                                           tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        await import_sample(session, datetime.fromisoformat(NOW))
        await session.commit()
    async with EmulatorServer(port=0, token=TOKEN, bot_username="vanphong_tu_bot") as emu:
        env = {name: value for name, value in os.environ.items() if not name.startswith(("TELEGRAM_", "FAKE_NOW"))}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emu.api_base_url)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--database-url", database_url, "invite", "HU-DIENBIEN", "--role", "thu_ky",
            cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        assert len(await emu.client.calls("getMe")) == 1
    link = stdout.decode().strip()
    assert link.startswith("https://t.me/vanphong_tu_bot?start=")
    async with session_factory() as session:
        invite = (await session.execute(select(Invite))).scalars().one()
        assert link.endswith(invite.code) and invite.role == Role.secretary
        assert (await session.execute(select(Event.kind).where(Event.kind == "invite"))).scalars().all() == ["invite"]
