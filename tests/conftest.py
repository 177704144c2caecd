"""Shared fixtures: a real SQLite database per test (a file, like production), settings, a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import models  # noqa: F401  (registers the tables)
from bot.db import make_engine, make_sessionmaker
from bot.schema import upgrade_to_head
from bot.i18n import compile_catalogs
from bot.settings import Settings
from bot.timeutil import FixedClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Messages are read from compiled .mo files, as in production (`make install` compiles them too)."""
    compile_catalogs()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token="12345:test-token",
        database_url=database_url,
        admin_ids=[900001],
    )


@pytest.fixture
async def session_factory(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(settings.database_url)
    await upgrade_to_head(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2020, 5, 4, 9, 0, tzinfo=VN))
