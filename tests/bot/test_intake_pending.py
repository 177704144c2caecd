"""Pending plan drafts in the database: kept for their admin, taken once, gone after a week."""

from __future__ import annotations

from datetime import timedelta

from bot.intake.pending import DRAFT_TTL, drop_draft, find_draft, keep_draft
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
