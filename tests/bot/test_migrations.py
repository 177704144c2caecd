"""Alembic owns the schema: migrating an empty database gives exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from bot.db import make_engine
from bot.schema import upgrade_to_head


async def test_migrations_build_the_models_schema(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)

    def tables(connection):  # type: ignore[no-untyped-def]
        return set(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        assert await connection.run_sync(tables) == set()  # from nothing, on SQLite and on PostgreSQL
    await upgrade_to_head(engine)
    await upgrade_to_head(engine)  # a second run finds nothing to do

    def differences(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
        assert set(SQLModel.metadata.tables) <= await connection.run_sync(tables)
    await engine.dispose()
