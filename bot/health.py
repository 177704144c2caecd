"""`nhacviec health`: what a monitor needs to know, read from the database only (never written, never migrated).

* the database answers, and its schema is at Alembic's head;
* there is something to remind: units, and items not done yet in a plan still followed (an empty database — a
  wrong DATABASE_URL, a plan never imported — or a finished plan reminds nobody, and a monitor must hear it);
* the reminder engine's state, read by a probe the engine hands in (scheduler/health.py: the domain knows no
  engine).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Executable, column, func, inspect, literal_column, select, table, true
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from bot.db import make_engine
from bot.models import Assignment, AssignmentState, Milestone, Unit
from bot.settings import Settings

CONNECT_TIMEOUT = 10.0


class EngineState(Protocol):
    """All the report needs of the engine's state to say healthy or not."""

    @property
    def stalled(self) -> bool: ...


S = TypeVar("S", bound=EngineState)
# Reads the engine's state on the open connection, given the tables that exist (None: the engine has no tables).
EngineProbe = Callable[[AsyncConnection, set[str]], Awaitable[S | None]]


@dataclass(frozen=True)
class Workload:
    units: int = 0  # units followed (active)
    open_items: int = 0  # assignments not done, of milestones still followed, in plans not closed

    @property
    def nothing_to_remind(self) -> bool:
        return self.units == 0 or self.open_items == 0


@dataclass(frozen=True)
class HealthReport(Generic[S]):
    reachable: bool
    error: str | None = None
    backend: str = ""
    current_revision: str | None = None
    head_revision: str | None = None
    scheduler: S | None = None
    workload: Workload | None = None
    checked_at: datetime | None = None

    @property
    def migrated(self) -> bool:
        return self.current_revision is not None and self.current_revision == self.head_revision

    @property
    def nothing_to_remind(self) -> bool:
        return self.workload is not None and self.workload.nothing_to_remind

    @property
    def healthy(self) -> bool:
        return (self.reachable and self.migrated and not (self.scheduler and self.scheduler.stalled)
                and not self.nothing_to_remind)


async def workload(connection: AsyncConnection, *, with_plans: bool) -> Workload:
    async def scalar(statement: Executable) -> int:
        return int((await connection.execute(statement)).scalar() or 0)

    open_items = (select(func.count()).select_from(Assignment)
                  .join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                  .where(col(Assignment.active) == true(), col(Assignment.state) != AssignmentState.done,
                         col(Milestone.active) == true()))
    if with_plans:  # a closed plan is never reminded again
        plan = table("plan", column("id"), column("status"))
        open_items = open_items.join(plan, plan.c.id == literal_column("milestone.plan_id")).where(
            plan.c.status == "active")
    return Workload(units=await scalar(select(func.count()).select_from(Unit).where(col(Unit.active) == true())),
                    open_items=await scalar(open_items))


async def check_health(settings: Settings, *, now: datetime,
                       engine_probe: EngineProbe[S] | None = None) -> HealthReport[S]:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.schema import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        if not Path(url.database).is_file():  # connecting would create an empty file
            return HealthReport(reachable=False, backend=backend, head_revision=head,
                                error=f"không có tệp {url.database}")
    engine = make_engine(settings.database_url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            connection = await engine.connect()
        try:
            def revision_and_tables(sync_connection: Connection) -> tuple[str | None, set[str], bool]:
                current = MigrationContext.configure(sync_connection).get_current_revision()
                inspector = inspect(sync_connection)
                tables = set(inspector.get_table_names())
                plans = "plan" in tables and any(
                    c["name"] == "plan_id" for c in inspector.get_columns("milestone"))
                return current, tables, plans

            current, tables, with_plans = await connection.run_sync(revision_and_tables)
            report: HealthReport[S] = HealthReport(reachable=True, backend=backend, current_revision=current,
                                                   head_revision=head, checked_at=now)
            if not report.migrated:
                return report
            state = await engine_probe(connection, tables) if engine_probe is not None else None
            return HealthReport(reachable=True, backend=backend, current_revision=current, head_revision=head,
                                scheduler=state, workload=await workload(connection, with_plans=with_plans),
                                checked_at=now)
        finally:
            await connection.close()
    except Exception as error:  # noqa: BLE001  (any failure to reach the database is the answer)
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return HealthReport(reachable=False, backend=backend, head_revision=head, error=message)
    finally:
        await engine.dispose()
