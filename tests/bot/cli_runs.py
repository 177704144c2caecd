"""Running the command line in tests: `nhacviec …` on the test's database at a frozen instant, and reading that
database back in between (the CLI runs its own event loops, so these tests are sync)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from click.testing import Result
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import app
from bot.db import make_engine, make_sessionmaker
from bot.settings import Settings

T = TypeVar("T")
Invoke = Callable[..., Result]


def cli_at(now: str, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """`invoke("import", "plan.yaml", input="y\\n")` runs `nhacviec` on `database_url` with FAKE_NOW=`now`."""
    monkeypatch.setenv("FAKE_NOW", now)
    monkeypatch.setattr("bot.cli.get_settings", lambda: Settings(_env_file=None))  # uncached: reads FAKE_NOW
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, **kwargs: Any) -> Result:
        return runner.invoke(app, ["--database-url", database_url, *args], input=input, **kwargs)

    return invoke


def in_database(database_url: str, body: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Runs `body` in a session of its own event loop."""
    async def main() -> T:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await body(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())
