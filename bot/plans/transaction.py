"""An import (a plan, a units file) runs in a transaction of its own: committed, or rolled back once its report is
made (a dry run), so `--dry-run` reports exactly what the real import would do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class Report(Protocol):
    dry_run: bool


R = TypeVar("R", bound=Report)


async def in_own_transaction(session_factory: async_sessionmaker[AsyncSession],
                             work: Callable[[AsyncSession], Awaitable[R]], *, dry_run: bool) -> R:
    """`work`'s report; what `work` wrote is committed, or rolled back when `dry_run` (or when it raised)."""
    async with session_factory() as session:
        try:
            report = await work(session)
        except BaseException:
            await session.rollback()
            raise
        if dry_run:
            await session.rollback()
            report.dry_run = True
        else:
            await session.commit()
    return report
