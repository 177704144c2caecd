"""Brings a database to the current schema with Alembic (the one place the schema is created)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "bot" / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Runs every pending migration on this engine's database."""

    def upgrade(connection: Connection) -> bool:
        """Migrates; True when a migration ran."""
        before = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return MigrationContext.configure(connection).get_current_revision() != before

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite's batch mode rebuilds a table others point at (copy, drop, rename): with foreign keys on, the
            # drop fails. SQLite switches them only outside a transaction: off before, checked, on again after.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            async with connection.begin():
                migrated = await connection.run_sync(upgrade)
                if migrated and sqlite and (await connection.exec_driver_sql("PRAGMA foreign_key_check")).first():
                    raise RuntimeError("a migration left rows pointing at rows that do not exist")
        finally:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()
