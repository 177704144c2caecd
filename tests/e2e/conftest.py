"""The real bot process (`python -m bot run`) against the Bot API emulator, one per test module.

The bot's clock is frozen with FAKE_NOW so statuses are deterministic: 2020-05-12 09:00 in Hà Nội time,
three days before M16 (due Friday 15/05/2020) and after M15 (31/03/2020).
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import models  # noqa: F401
from bot.db import make_engine, make_sessionmaker
from bot.invites import create_invite, redeem_invite
from bot.members import get_or_create_member
from bot.models import Role
from bot.plans.importer import import_plan
from bot.plans.standing import standing_units
from bot.plans.validate import read_plan
from bot.schema import upgrade_to_head
from bot.settings import PROJECT_ROOT
from bot.units import get_unit_by_code
from sandbox import EmulatorClient, EmulatorServer, TgUser
from tests.e2e.processes import BotProcess, bot_env, wait_for_menu
from tests.e2e.webhooks import PATH, free_port, wait_for_webhook, webhook_env

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
SECRETARY = TgUser(1001, "Lan", username="lan_hu")
SUPERVISOR = TgUser(1002, "Hùng", username="hung_tu")
OTHER = TgUser(1003, "Minh", username="minh_tg")
ADMIN = TgUser(900001, "Quản trị")
STRANGER = TgUser(1009, "Khách")


@dataclass
class BotRun:
    emu: EmulatorServer
    client: EmulatorClient
    session_factory: async_sessionmaker[AsyncSession]
    invites: dict[str, str]  # name -> invite code
    process: subprocess.Popen[bytes]
    log_path: Path
    webhook_port: int | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


async def prepare_database(url: str, registered: dict[str, TgUser], extra_plans: tuple[Path, ...] = ()
                           ) -> tuple[async_sessionmaker[AsyncSession], dict[str, str]]:
    """The sample plan (then `extra_plans`, in order) imported, and invites for the test users."""
    engine = make_engine(url)
    await upgrade_to_head(engine)
    factory = make_sessionmaker(engine)
    invites: dict[str, str] = {}
    async with factory() as session:
        for path in (PROJECT_ROOT / "plans" / "dien-bien-2019.yaml", *extra_plans):
            plan = read_plan(path, known=await standing_units(session)).plan  # may name the units stored
            assert plan is not None, path
            await import_plan(session=session, plan=plan, now=NOW)
        for name, code, role in [("secretary", "HU-DIENBIEN", Role.secretary), ("supervisor", "TU", Role.supervisor),
                                 ("other", "HU-TUANGIAO", Role.secretary)]:
            unit = await get_unit_by_code(session=session, code=code)
            assert unit is not None
            invites[name] = (await create_invite(session=session, unit=unit, role=role, now=NOW, ttl_days=7)).code
            if name in registered:  # joined before the bot (re)started, as after a downtime
                user = registered[name]
                member = await get_or_create_member(session=session, telegram_user_id=user.id, chat_id=user.id,
                                                    full_name=user.first_name, username=user.username, now=NOW)
                redeemed = await redeem_invite(session=session, code=invites[name], member=member, now=NOW)
                assert redeemed.failure is None
        await session.commit()
    return factory, invites


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  test_databases: Any) -> AsyncIterator[BotRun]:
    """A module may set `BOT_ENV = {...}` (extra settings for the bot process), `REGISTERED = {invite name:
    user}` (users who redeemed their invite before the bot started) and `WEBHOOK = True` (the bot serves a
    webhook on a free port, registered with the emulator, instead of polling; `BotRun.webhook_port`), and
    `EXTRA_PLANS = (path, ...)` (plan files imported after the sample plan, before the bot starts)."""
    folder = tmp_path_factory.mktemp("e2e")
    url = test_databases.new(folder / "bot.db")  # SQLite file, or a PostgreSQL database (TEST_DATABASE_URL)
    factory, invites = await prepare_database(url, getattr(request.module, "REGISTERED", {}),
                                              tuple(getattr(request.module, "EXTRA_PLANS", ())))
    async with EmulatorServer(port=0) as emu:
        for user in getattr(request.module, "REGISTERED", {}).values():
            await emu.client.open_private_chat(user)  # they pressed Start in Telegram back then
        webhook_port = free_port() if getattr(request.module, "WEBHOOK", False) else None
        webhook = webhook_env(port=webhook_port, public_url=f"http://127.0.0.1:{webhook_port}/{PATH}") \
            if webhook_port else {}
        env = bot_env(emu, url, **{"ADMIN_IDS": str(ADMIN.id), "FAKE_NOW": NOW.isoformat(), **webhook,
                                   **getattr(request.module, "BOT_ENV", {})})
        bot = BotProcess(env=env, log_path=folder / "bot.log").start()
        assert bot.process is not None
        run = BotRun(emu=emu, client=emu.client, session_factory=factory, invites=invites, process=bot.process,
                     log_path=bot.log_path, webhook_port=webhook_port)
        try:
            await wait_for_menu(emu.client, bot)
            if webhook_port:
                await wait_for_webhook(emu.client, bot)
            yield run
        finally:
            await bot.stop()
            await factory.kw["bind"].dispose()
            test_databases.drop(url)

