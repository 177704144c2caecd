"""The milestone tally (bot/tally.py), kept by triggers, always equals the live counts of the assignments: after the
migration counts what is there, after every write path of the services, after a table rebuild lost the triggers,
and in a database made by `create_all`. The top supervisor's progress read from it is what the units' own items
add up to, and `named` names the first late units in display order while `late` counts all of them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar
from unittest.mock import patch

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import SQLModel, col

from bot import progress as progress_module, tally
from bot.confirmations import accept_assignment, confirm_assignment, return_assignment, undo_confirmation
from bot.db import make_engine
from bot.extensions import approve_extension, request_extension
from bot.models import Assignment, AssignmentState, Milestone, Plan, PlanStatus, Role, Unit
from bot.plans.importer import import_plan
from bot.plans.lifecycle import set_plan_status
from bot.plans.retire import retire_units
from bot.plans.validate import check_plan_text
from bot.progress import MilestoneProgress, StatusRules, subtree_progress, unit_items
from bot.schema import alembic_config, upgrade_to_head
from bot.status import Status
from bot.timeutil import local_today
from bot.units import get_unit_by_code, in_subtree
from tests.bot.services_fixtures import member_with
from tests.conftest import VN

T = TypeVar("T")
NOW = datetime(2020, 5, 4, 9, 0, tzinfo=VN)
RULES = StatusRules(tz=VN)
BEFORE_TALLY = "c7e6a2f3d4b5"  # 0007
# The file order (display order) differs from the codes' order: B before A, 2 before 1.
UNITS = """units:
  - code: TU
    name: Tỉnh ủy
    kind: province_committee
    children:
      - code: HU-B
        name: Huyện ủy B
        kind: district_committee
        children:
          - {code: CS-B2, name: Đảng ủy xã B2, kind: grassroots}
          - {code: CS-B1, name: Đảng ủy xã B1, short_name: Xã B1, kind: grassroots}
          - {code: CS-B3, name: Đảng ủy xã B3, kind: grassroots}
      - code: HU-A
        name: Huyện ủy A
        kind: district_committee
        children:
          - {code: CS-A2, name: Đảng ủy xã A2, kind: grassroots}
          - {code: CS-A1, name: Đảng ủy xã A1, kind: grassroots}
          - {code: CS-A3, name: Đảng ủy xã A3, kind: grassroots}
"""
LEAVES = ("CS-B2", "CS-B1", "CS-B3", "CS-A2", "CS-A1", "CS-A3")
ASSIGNABLE = ("TU", "HU-B", "HU-A", *LEAVES)
# Code → (due, needs acceptance): two due before NOW, one due in two days, one later.
MILESTONES = {"M01": ("20/04/2020", False), "M02": ("30/04/2020", True), "M03": ("06/05/2020", False),
              "M04": ("20/05/2020", True)}
PLANS = ("KH-1", "KH-2")


def plan_of(code: str, milestones: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    lines = [f"plan: {{code: {code}, title: Kế hoạch {code}}}", UNITS.rstrip(), "milestones:"]
    for milestone, units in sorted(milestones.items()):
        due, acceptance = MILESTONES[milestone]
        lines.append(f"  - {{code: {milestone}, title: Việc {milestone}, due: {due}, units: [{', '.join(units)}]"
                     + (", requires_acceptance: true}" if acceptance else "}"))
    check = check_plan_text("\n".join(lines) + "\n", filename=f"{code}.yaml")
    assert check.plan is not None, check.errors
    return check.plan


async def tally_and_live(connection: AsyncConnection | AsyncSession) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """(tally, live counts) as {(milestone id, state): n}, rows of 0 left out."""
    kept = await connection.execute(text("SELECT milestone_id, state, n FROM milestone_tally WHERE n <> 0"))
    live = await connection.execute(text("SELECT milestone_id, CAST(state AS VARCHAR(8)), count(*) FROM assignment "
                                         "WHERE active GROUP BY milestone_id, state"))
    return ({(m, s): n for m, s, n in kept.all()}, {(m, s): n for m, s, n in live.all()})


async def expected_progress(session: AsyncSession, root: Unit, now: datetime) -> dict[int, tuple]:  # type: ignore[type-arg]
    """Per milestone, what the subtree's units' own items add up to (what each secretary sees): total, done,
    reported, late, and the late units' names in display order."""
    units = (await session.execute(select(Unit).where(in_subtree(session, root), col(Unit.active).is_(True))
                                   .order_by(col(Unit.depth), col(Unit.sort_order), col(Unit.code)))).scalars().all()
    found: dict[int, list] = {}  # type: ignore[type-arg]
    for unit in units:
        for item in await unit_items(session=session, unit_id=unit.id, now=now, rules=RULES):  # type: ignore[arg-type]
            counts = found.setdefault(item.milestone_id, [0, 0, 0, []])
            counts[0] += 1
            counts[1] += item.status in (Status.done_on_time, Status.done_late)
            counts[2] += item.status == Status.awaiting
            if item.status == Status.overdue:
                counts[3].append(item.unit_name)
    return {m: (total, done, reported, len(late), late) for m, (total, done, reported, late) in found.items()}


def as_found(progress: list[MilestoneProgress]) -> dict[int, tuple]:  # type: ignore[type-arg]
    return {p.milestone_id: (p.total, p.done, p.reported, p.late, p.late_units) for p in progress}


def first(expected: dict[int, tuple], named: int) -> dict[int, tuple]:  # type: ignore[type-arg]
    return {m: (*counts[:4], counts[4][:named]) for m, counts in expected.items()}


# -- the migration, a rebuilt table, create_all ------------------------------------------------------------------


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _fill_before_tally(connection: Connection) -> None:
    """Rows as revision 0007 holds them: two milestones, assignments in every state, two no longer active."""
    meta = sa.MetaData()
    meta.reflect(connection)
    t0 = datetime(2020, 4, 1, 1, 0)
    connection.execute(meta.tables["unit"].insert(), [
        {"id": n, "code": f"U{n}", "name": f"Đơn vị {n}", "kind": "grassroots", "parent_id": None, "path": f"/{n}/",
         "depth": 0, "sort_order": n, "active": True} for n in range(1, 7)])
    connection.execute(meta.tables["plan"].insert(), [{"id": 1, "code": "KH", "title": "Kế hoạch", "status": "active",
                                                        "created_at": t0, "updated_at": t0}])
    connection.execute(meta.tables["milestone"].insert(), [
        {"id": m, "plan_id": 1, "code": f"M0{m}", "title": "Việc", "due_date": t0.date(), "requires_acceptance": False,
         "sort_order": m, "active": True, "created_at": t0, "updated_at": t0} for m in (1, 2)])
    states = ["done", "done", "reported", "open", "open", "open"]
    connection.execute(meta.tables["assignment"].insert(), [
        {"milestone_id": m, "unit_id": u, "state": states[(u + m) % 6], "active": u != 6 - m}
        for m in (1, 2) for u in range(1, 7)])


async def test_the_migration_counts_what_is_there_and_downgrades_cleanly(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, BEFORE_TALLY)
            await connection.run_sync(_fill_before_tally)
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            kept, live = await tally_and_live(connection)
            assert kept == live and sum(live.values()) == 10
            assert await connection.run_sync(tally.installed) == set(tally.TRIGGERS)
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":  # as upgrade_to_head: SQLite's batch mode rebuilds tables
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await connection.commit()
            await connection.run_sync(_downgrade_to, BEFORE_TALLY)
            assert not await connection.run_sync(lambda sync: sa.inspect(sync).has_table(tally.TABLE))
            indexes = await connection.run_sync(lambda sync: sa.inspect(sync).get_indexes("unit"))
            assert "ix_unit_order" not in {index["name"] for index in indexes}
            assert await connection.run_sync(tally.installed) == set()
            if connection.dialect.name == "postgresql":
                assert (await connection.execute(text(f"SELECT count(*) FROM pg_proc WHERE proname = "
                                                      f"'{tally.FUNCTION}'"))).scalar() == 0
            await connection.execute(text("UPDATE assignment SET state = 'done'"))  # no trigger left to fail
            await connection.commit()
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON" if connection.dialect.name == "sqlite"
                                             else "SELECT 1")
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            kept, live = await tally_and_live(connection)
            assert kept == live and set(state for _m, state in live) == {"done"}
    finally:
        await engine.dispose()


def _rebuild_assignment(connection: Connection) -> None:
    """What a later migration may do: SQLite's batch mode copies `assignment` into a new table (no triggers);
    on PostgreSQL, the triggers dropped."""
    if connection.dialect.name == "sqlite":
        # Other tables' triggers name `assignment` (reminder's check): the legacy rename leaves them be.
        connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
        with Operations(MigrationContext.configure(connection)).batch_alter_table("assignment",
                                                                                   recreate="always"):
            pass
        connection.exec_driver_sql("PRAGMA legacy_alter_table=OFF")
    else:
        tally.uninstall(connection)


async def test_triggers_lost_by_a_table_rebuild_come_back_with_a_true_count(database_url: str) -> None:
    engine = make_engine(database_url)
    await upgrade_to_head(engine)
    async with AsyncSession(engine) as session:
        await import_plan(session=session, plan=plan_of("KH-1", {"M01": list(ASSIGNABLE), "M02": ["HU-A"]}), now=NOW)
        await session.commit()
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        async with connection.begin():
            await connection.run_sync(_rebuild_assignment)
            assert await connection.run_sync(tally.installed) == set()
            await connection.execute(text("UPDATE assignment SET state = 'done' WHERE unit_id IN "
                                          "(SELECT id FROM unit WHERE code LIKE 'CS-%')"))
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()
        kept, live = await tally_and_live(connection)
        assert kept != live  # what the missing triggers would have left
    await upgrade_to_head(engine)  # as every start does
    async with engine.connect() as connection:
        assert await connection.run_sync(tally.installed) == set(tally.TRIGGERS)
        kept, live = await tally_and_live(connection)
        assert kept == live
        await connection.execute(text("UPDATE assignment SET state = 'open'"))
        kept, live = await tally_and_live(connection)
        assert kept == live and set(state for _m, state in live) == {"open"}
        await connection.rollback()
    await engine.dispose()


async def test_a_database_made_by_create_all_keeps_the_tally_too(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)
            assert await connection.run_sync(tally.installed) == set(tally.TRIGGERS)
        async with AsyncSession(engine) as session:
            await import_plan(session=session, plan=plan_of("KH-1", {"M01": list(LEAVES), "M03": ["TU"]}), now=NOW)
            await session.flush()
            await session.execute(sa.update(Assignment).where(col(Assignment.id) % 2 == 0)
                                  .values(state=AssignmentState.done))
            kept, live = await tally_and_live(session)
            assert kept == live and {state for _m, state in live} == {"open", "done"}
            await session.commit()
    finally:
        await engine.dispose()


# -- named: the first few late units, and all counted -------------------------------------------------------------


async def test_named_gives_the_first_late_units_in_display_order_and_counts_them_all(session_factory) -> None:  # type: ignore[no-untyped-def]
    async with session_factory() as session:
        # M01 of the second plan has a lower sort order than the first's, and the first's M01 a larger id.
        await import_plan(session=session, plan=plan_of("KH-1", {"M03": ["TU"]}), now=NOW)
        await import_plan(session=session, plan=plan_of("KH-2", {"M01": list(ASSIGNABLE)}), now=NOW)
        await import_plan(session=session, plan=plan_of("KH-1", {"M01": list(ASSIGNABLE), "M03": ["TU"]}), now=NOW)
        await session.flush()
        boss = await member_with(session, 1, NOW, ("TU", Role.supervisor))
        secretary = await member_with(session, 2, NOW, *((code, Role.secretary) for code in ASSIGNABLE))
        plan_ids = dict((await session.execute(select(col(Plan.code), col(Plan.id)))).all())
        m01 = {plan_ids[code]: (await session.execute(select(col(Milestone.id)).where(
            Milestone.plan_id == plan_ids[code], Milestone.code == "M01"))).scalar_one() for code in PLANS}
        assert m01[plan_ids["KH-1"]] > m01[plan_ids["KH-2"]]

        async def assignment(unit: str, plan: str) -> int:
            found = (select(col(Assignment.id)).join(Unit, col(Unit.id) == col(Assignment.unit_id))
                     .where(col(Unit.code) == unit, col(Assignment.milestone_id) == m01[plan_ids[plan]]))
            return int((await session.execute(found)).scalar_one())

        for unit in ("TU", "CS-B2"):  # done: not late
            await confirm_assignment(session=session, actor=boss, assignment_id=await assignment(unit, "KH-1"),
                                     now=NOW)
        extended = await assignment("HU-B", "KH-1")
        asked = await request_extension(session=session, actor=secretary, assignment_id=extended,
                                        new_date=local_today(NOW, VN) + timedelta(days=5), reason="Chờ họp",
                                        now=NOW, today=local_today(NOW, VN))
        assert asked.extension is not None and asked.extension.id is not None
        await approve_extension(session=session, actor=boss, extension_id=asked.extension.id, now=NOW)
        await retire_units(session=session, units=[await get_unit_by_code(session=session, code="CS-B1")], now=NOW)  # type: ignore[list-item]
        root = await get_unit_by_code(session=session, code="TU")
        assert await progress_module._nearly_whole_tree(session, in_subtree(session, root))  # type: ignore[arg-type]

        expected = {  # display order: depth, then the file's order; the extended, the done and the retired left out
            m01[plan_ids["KH-1"]]: (8, 2, 0, 5, ["Huyện ủy A", "Đảng ủy xã B3", "Đảng ủy xã A2", "Đảng ủy xã A1",
                                                 "Đảng ủy xã A3"]),
            m01[plan_ids["KH-2"]]: (8, 0, 0, 8, ["Tỉnh ủy", "Huyện ủy B", "Huyện ủy A", "Đảng ủy xã B2",
                                                 "Đảng ủy xã B3", "Đảng ủy xã A2", "Đảng ủy xã A1", "Đảng ủy xã A3"]),
        }
        for probe_above in (progress_module.PROBE_ABOVE, 0):  # read and sorted, or walked along the units
            with patch.object(progress_module, "PROBE_ABOVE", probe_above):
                whole = await subtree_progress(session=session, root=root, now=NOW, rules=RULES, named=2)  # type: ignore[arg-type]
                assert [p.milestone_id for p in whole[:2]] == [m01[plan_ids["KH-1"]], m01[plan_ids["KH-2"]]]
                assert {k: v for k, v in as_found(whole).items() if k in expected} == first(expected, 2)
                assert as_found(await subtree_progress(session=session, root=root, now=NOW, rules=RULES,  # type: ignore[arg-type]
                                                       named=None)) == {**as_found(whole), **expected}
                counted = await subtree_progress(session=session, root=root, now=NOW, rules=RULES, named=0)  # type: ignore[arg-type]
                assert {k: v for k, v in as_found(counted).items() if k in expected} == first(expected, 0)
        district = await get_unit_by_code(session=session, code="HU-A")
        below = await subtree_progress(session=session, root=district, now=NOW, rules=RULES, named=3)  # type: ignore[arg-type]
        assert as_found(below)[m01[plan_ids["KH-1"]]] == (4, 0, 0, 4, ["Huyện ủy A", "Đảng ủy xã A2",
                                                                        "Đảng ủy xã A1"])


# -- every write path, generated ------------------------------------------------------------------------------------

MILESTONE_UNITS = st.dictionaries(st.sampled_from(sorted(MILESTONES)),
                                  st.lists(st.sampled_from(ASSIGNABLE), min_size=1, max_size=5, unique=True),
                                  min_size=1)


class TallyMachine(RuleBasedStateMachine):
    """Each example: one transaction on the test's database, rolled back at the end."""

    url = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.now = NOW
        self.retired = 0
        self.run(self._open())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    async def _open(self) -> None:
        self.engine = make_engine(self.url)
        self.connection = await self.engine.connect()
        await self.connection.begin()
        self.session = AsyncSession(bind=self.connection, expire_on_commit=False)

    def teardown(self) -> None:
        async def close() -> None:
            await self.session.close()
            await self.connection.rollback()
            await self.connection.close()
            await self.engine.dispose()

        self.run(close())
        self.loop.close()

    async def _ids(self) -> list[int]:
        ids = (await self.session.execute(select(col(Assignment.id)).order_by(col(Assignment.id)))).scalars()
        return [n for n in ids if n is not None]

    @initialize(first=MILESTONE_UNITS, second=MILESTONE_UNITS)
    def start(self, first: dict[str, list[str]], second: dict[str, list[str]]) -> None:
        async def start() -> None:
            await import_plan(session=self.session, plan=plan_of("KH-1", first), now=self.now)
            await import_plan(session=self.session, plan=plan_of("KH-2", second), now=self.now)
            await self.session.flush()
            self.boss = await member_with(self.session, 1, self.now, ("TU", Role.supervisor))
            self.secretary = await member_with(self.session, 2, self.now,
                                               *((code, Role.secretary) for code in ASSIGNABLE))

        self.run(start())

    @rule(plan=st.sampled_from(PLANS), milestones=MILESTONE_UNITS)
    def reimport(self, plan: str, milestones: dict[str, list[str]]) -> None:
        """Adds, reactivates and deactivates assignments (and milestones) in bulk statements."""
        self.run(import_plan(session=self.session, plan=plan_of(plan, milestones), now=self.now))

    @rule(pick=st.integers(0, 10_000), action=st.sampled_from(["confirm", "undo", "accept", "return"]))
    def write(self, pick: int, action: str) -> None:
        async def write() -> None:
            ids = await self._ids()
            chosen = ids[pick % len(ids)]
            if action == "confirm":
                await confirm_assignment(session=self.session, actor=self.boss, assignment_id=chosen, now=self.now)
            elif action == "undo":
                await undo_confirmation(session=self.session, actor=self.boss, assignment_id=chosen, now=self.now,
                                        undo_minutes=10**6)
            elif action == "accept":
                await accept_assignment(session=self.session, actor=self.boss, assignment_id=chosen, now=self.now)
            else:
                await return_assignment(session=self.session, actor=self.boss, assignment_id=chosen, now=self.now,
                                        reason="Thiếu biên bản")

        self.run(write())

    @rule(pick=st.integers(0, 10_000), days=st.integers(1, 20))
    def extend(self, pick: int, days: int) -> None:
        async def extend() -> None:
            ids = await self._ids()
            today = local_today(self.now, VN)
            asked = await request_extension(session=self.session, actor=self.secretary,
                                            assignment_id=ids[pick % len(ids)], new_date=today + timedelta(days=days),
                                            reason="Chờ họp", now=self.now, today=today)
            if asked.extension is not None:
                await approve_extension(session=self.session, actor=self.boss, extension_id=asked.extension.id,  # type: ignore[arg-type]
                                        now=self.now)

        self.run(extend())

    @rule(leaf=st.sampled_from(LEAVES))
    def retire(self, leaf: str) -> None:
        if self.retired < 2:  # the top supervisor's tree stays "nearly the whole tree" (read from the tally)
            async def retire() -> None:
                unit = await get_unit_by_code(session=self.session, code=leaf)
                if unit is not None and unit.active:
                    await retire_units(session=self.session, units=[unit], now=self.now)
                    self.retired += 1

            self.run(retire())

    @rule(plan=st.sampled_from(PLANS), closed=st.booleans())
    def close(self, plan: str, closed: bool) -> None:
        status = PlanStatus.closed if closed else PlanStatus.active
        self.run(set_plan_status(session=self.session, code=plan, status=status, now=self.now))

    @rule(hours=st.integers(1, 24 * 12))
    def wait(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @invariant()
    def tally_is_the_live_count(self) -> None:
        async def check() -> None:
            await self.session.flush()
            kept, live = await tally_and_live(self.session)
            assert kept == live
            assert (await self.session.execute(text("SELECT count(*) FROM milestone_tally WHERE n < 0"))).scalar() == 0

        self.run(check())

    @rule()
    def supervisors_look(self) -> None:
        """The top supervisor's progress (from the tally) and a district's add up to what their units see."""
        async def check() -> None:
            root = await get_unit_by_code(session=self.session, code="TU")
            district = await get_unit_by_code(session=self.session, code="HU-A")
            if root is None or district is None:  # before the first import
                return
            assert await progress_module._nearly_whole_tree(self.session, in_subtree(self.session, root))
            # All the names; the first two, read and sorted or (whole tree) walked along the units.
            expected = {unit.code: await expected_progress(self.session, unit, self.now) for unit in (root, district)}
            for unit, named, probe_above in ((root, None, 1000), (root, 2, 0), (district, 2, 1000)):
                with patch.object(progress_module, "PROBE_ABOVE", probe_above):
                    found = await subtree_progress(session=self.session, root=unit, now=self.now, rules=RULES,
                                                   named=named)
                wanted = expected[unit.code]
                assert as_found(found) == (wanted if named is None else first(wanted, named))

        self.run(check())


@pytest.mark.database
def test_the_tally_follows_every_write_path(database_url: str) -> None:
    async def migrate() -> None:
        engine = make_engine(database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    TallyMachine.url = database_url
    run_state_machine_as_test(TallyMachine, settings=settings(
        deadline=None, max_examples=15, stateful_step_count=15, database=None,
        suppress_health_check=[HealthCheck.too_slow]))
