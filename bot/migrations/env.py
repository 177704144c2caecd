"""Alembic environment: runs migrations on the async engine named by the settings (or -x url=...)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bot import models  # noqa: F401  (registers the tables)
from bot.db import make_engine
from bot.settings import get_settings
from bot.tally import ensure as ensure_tally

target_metadata = SQLModel.metadata


def _database_url() -> str:
    explicit = context.get_x_argument(as_dictionary=True).get("url") or context.config.attributes.get("url")
    return explicit or get_settings().database_url


def _configure(connection: Connection) -> None:
    # SQLite cannot ALTER most things in place: batch mode rebuilds the table instead.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        # A migration that rebuilt `assignment` (SQLite's batch mode) left it without the tally's triggers.
        ensure_tally(connection)


async def _run_online() -> None:
    engine = make_engine(_database_url())
    async with engine.connect() as async_connection:
        await async_connection.run_sync(_configure)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (live_connection := context.config.attributes.get("connection")) is not None:
    _configure(live_connection)  # called from bot.schema inside the application's own event loop
else:
    asyncio.run(_run_online())
