"""Shared fixtures: a real database per test, settings, a fixed clock.

The database is a SQLite file per test (like production's default), or, when TEST_DATABASE_URL names a
PostgreSQL server (`make test-postgres`), a fresh PostgreSQL database per test: cloned with
`CREATE DATABASE … TEMPLATE` from one template migrated once per session, and dropped after the test.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import models  # noqa: F401  (registers the tables)
from bot.db import make_engine, make_sessionmaker
from bot.i18n import compile_catalogs
from bot.schema import upgrade_to_head
from bot.settings import Settings
from bot.timeutil import FixedClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def _run_in_own_loop(coroutine: Any) -> Any:
    """Runs a coroutine to completion on a private event loop (callable from sync or async fixtures alike)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class DatabaseProvider:
    """Hands out one empty, migrated database per test (SQLite file, or PostgreSQL clone of a template)."""

    def __init__(self, server_url: str | None) -> None:
        self.server: URL | None = make_url(server_url) if server_url else None
        if self.server is not None and self.server.get_backend_name() != "postgresql":
            raise pytest.UsageError(f"TEST_DATABASE_URL must be a postgresql+asyncpg URL, not {server_url}")
        self.prefix = f"nv_test_{os.getpid()}_"
        self.template = f"{self.prefix}template"
        self._numbers = itertools.count(1)

    @property
    def backend(self) -> str:
        return "postgresql" if self.server is not None else "sqlite"

    def _admin(self, *statements: str) -> None:
        import asyncpg

        assert self.server is not None
        server = self.server

        async def run() -> None:
            connection = await asyncpg.connect(host=server.host or "127.0.0.1", port=server.port or 5432,
                                               user=server.username, password=server.password,
                                               database=server.database or "postgres")
            try:
                for statement in statements:
                    await connection.execute(statement)
            finally:
                await connection.close()

        _run_in_own_loop(run())

    def _url_for(self, name: str) -> str:
        assert self.server is not None
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _drop_leftovers(self) -> None:
        """Drops databases left by an earlier run that was killed (its process is gone)."""
        import asyncpg

        assert self.server is not None
        server = self.server

        async def names() -> list[str]:
            connection = await asyncpg.connect(host=server.host or "127.0.0.1", port=server.port or 5432,
                                               user=server.username, password=server.password,
                                               database=server.database or "postgres")
            try:
                rows = await connection.fetch(r"SELECT datname FROM pg_database WHERE datname LIKE 'nv\_test\_%'")
                return [row["datname"] for row in rows]
            finally:
                await connection.close()

        stale = []
        for name in _run_in_own_loop(names()):
            pid = name.split("_")[2]
            if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
                stale.append(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if stale:
            self._admin(*stale)

    def start(self) -> None:
        if self.server is None:
            return
        self._drop_leftovers()
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)', f'CREATE DATABASE "{self.template}"')

        async def migrate() -> None:
            engine = make_engine(self._url_for(self.template))
            try:
                await upgrade_to_head(engine)
            finally:
                await engine.dispose()

        _run_in_own_loop(migrate())

    def stop(self) -> None:
        if self.server is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')

    def new(self, sqlite_path: Path, *, empty: bool = False) -> str:
        """A URL to a fresh database: the SQLite file at this path (not yet created), or a new PostgreSQL
        database — already migrated (a copy of the template) unless `empty`."""
        if self.server is None:
            return f"sqlite+aiosqlite:///{sqlite_path}"
        name = f"{self.prefix}{next(self._numbers)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{"template0" if empty else self.template}"')
        return self._url_for(name)

    def drop(self, url: str) -> None:
        if self.server is None:
            return
        name = make_url(url).database
        assert name and name.startswith(self.prefix)
        import asyncpg

        # FORCE ends the test's own connections, but the role may not end an autovacuum worker that happens to be
        # in the database (a superuser's process): such a worker is brief, so the drop is tried again.
        for attempt in range(100):
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except asyncpg.exceptions.InsufficientPrivilegeError:
                if attempt == 99:
                    raise
                time.sleep(0.1)


def pytest_report_header(config: pytest.Config) -> str:
    if TEST_DATABASE_URL:
        return f"database: PostgreSQL ({make_url(TEST_DATABASE_URL).render_as_string(hide_password=True)})"
    return "database: SQLite (a file per test); set TEST_DATABASE_URL for PostgreSQL"


@pytest.fixture(scope="session")
def test_databases() -> Iterator[DatabaseProvider]:
    databases = DatabaseProvider(TEST_DATABASE_URL or None)
    databases.start()
    yield databases
    databases.stop()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Messages are read from compiled .mo files, as in production (`make install` compiles them too)."""
    compile_catalogs()


@pytest.fixture
def database_url(tmp_path: Path, test_databases: DatabaseProvider) -> Iterator[str]:
    url = test_databases.new(tmp_path / "test.db")
    yield url
    test_databases.drop(url)


@pytest.fixture
def empty_database_url(tmp_path: Path, test_databases: DatabaseProvider) -> Iterator[str]:
    """A database with no tables at all, on the suite's backend."""
    url = test_databases.new(tmp_path / "empty.db", empty=True)
    yield url
    test_databases.drop(url)


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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "database: uses the database of the pass (also without test_databases)")
    config.addinivalue_line("markers", "postgresql_only: what only a PostgreSQL deployment does (several processes)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs only what touches a database: the rest (documents, buttons, fuzzing, the calendar,
    LibreOffice) does not depend on the backend, ran in the SQLite pass, and would cost CI its time twice; and the
    SQLite pass leaves out what only PostgreSQL deployments do. Deselected, not skipped: nothing is counted as
    passing that did not run."""
    if not TEST_DATABASE_URL:
        sqlite_only = [item for item in items if not item.get_closest_marker("postgresql_only")]
        if len(sqlite_only) < len(items):
            config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("postgresql_only")])
            items[:] = sqlite_only
        return
    keep, drop = [], []
    for item in items:
        uses_database = "test_databases" in getattr(item, "fixturenames", ()) or item.get_closest_marker("database")
        (keep if uses_database else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
