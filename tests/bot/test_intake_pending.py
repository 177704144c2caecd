"""Pending plan drafts in the database: kept for their admin, taken once, gone after a week; 📥 takes one only
with an import that succeeds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake.pending import DRAFT_TTL, DraftTaken, drop_draft, find_draft, import_draft, keep_draft
from bot.models import Event, Milestone
from bot.plans.report import ImportReport
from bot.plans.validate import read_plan
from bot.settings import PROJECT_ROOT
from bot.timeutil import FixedClock

PLAN = "plan:\n  code: KH-1\n"


async def test_a_draft_is_found_by_its_token_and_taken_once(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        token = await keep_draft(session=session, admin_id=900001, file_name="kế hoạch.yaml", plan_text=PLAN,
                                 now=clock.now())
        await session.commit()
    async with session_factory() as other_process:  # the press may reach another process than the upload
        draft = await find_draft(session=other_process, token=token, now=clock.now())
        assert draft is not None and (draft.admin_telegram_id, draft.file_name, draft.plan_text) == (
            900001, "kế hoạch.yaml", PLAN)
        assert await drop_draft(session=other_process, token=token) is True
        await other_process.commit()
    async with session_factory() as session:
        assert await drop_draft(session=session, token=token) is False  # a second press goes no further
        assert await find_draft(session=session, token=token, now=clock.now()) is None
        assert await find_draft(session=session, token="not-a-token", now=clock.now()) is None


async def test_drafts_expire_and_are_cleared_when_a_new_one_is_kept(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        old = await keep_draft(session=session, admin_id=1, file_name="a.yaml", plan_text=PLAN, now=clock.now())
        await session.commit()
        later = clock.now() + DRAFT_TTL
        assert await find_draft(session=session, token=old, now=later - timedelta(seconds=1)) is not None
        assert await find_draft(session=session, token=old, now=later) is None
        await keep_draft(session=session, admin_id=1, file_name="b.yaml", plan_text=PLAN, now=later)
        await session.commit()
        assert await drop_draft(session=session, token=old) is False  # removed, not only hidden


async def _count(session_factory: async_sessionmaker[AsyncSession], column: object) -> int:
    async with session_factory() as session:
        return int((await session.execute(select(func.count(column)))).scalar_one())


async def test_an_import_that_fails_leaves_the_draft_pending_and_nothing_imported(
        session_factory: async_sessionmaker[AsyncSession], clock: FixedClock) -> None:
    plan = read_plan(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml").plan
    assert plan is not None
    async with session_factory() as session:
        token = await keep_draft(session=session, admin_id=900001, file_name="kh.yaml", plan_text=PLAN,
                                 now=clock.now())
        await session.commit()

    async def overflow(session: AsyncSession, report: ImportReport) -> None:
        raise OverflowError("date value out of range")  # what a due date in 9999 did to the reminder ladder

    with pytest.raises(OverflowError):
        await import_draft(session_factory=session_factory, token=token, plan=plan, now=clock.now(), actor="t",
                           after=overflow)
    async with session_factory() as session:
        assert await find_draft(session=session, token=token, now=clock.now()) is not None  # press again, or cancel
    assert await _count(session_factory, Milestone.id) == 0 and await _count(session_factory, Event.id) == 0

    replanned: list[ImportReport] = []

    async def replan(session: AsyncSession, report: ImportReport) -> None:
        replanned.append(report)

    report = await import_draft(session_factory=session_factory, token=token, plan=plan, now=clock.now(),
                                actor="t", after=replan)
    assert replanned == [report] and await _count(session_factory, Milestone.id) == 28
    async with session_factory() as session:
        assert await find_draft(session=session, token=token, now=clock.now()) is None
    with pytest.raises(DraftTaken):  # a second press imports nothing more
        await import_draft(session_factory=session_factory, token=token, plan=plan, now=clock.now(), actor="t")
    assert await _count(session_factory, Event.id) == 1


# Two processes pressing at once: webhook replicas run on PostgreSQL (on SQLite the second waits on a timer).
@pytest.mark.postgresql_only
async def test_of_two_presses_at_once_only_one_imports(session_factory: async_sessionmaker[AsyncSession],
                                                       clock: FixedClock, database_url: str) -> None:
    plan = read_plan(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml").plan
    assert plan is not None
    async with session_factory() as session:
        token = await keep_draft(session=session, admin_id=900001, file_name="kh.yaml", plan_text=PLAN,
                                 now=clock.now())
        await session.commit()
    presses = [import_draft(session_factory=session_factory, token=token, plan=plan, now=clock.now(), actor="t")
               for _ in range(2)]
    outcomes = await asyncio.gather(*presses, return_exceptions=True)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["DraftTaken", "ImportReport"]
    assert await _count(session_factory, Event.id) == 1
