"""A plan document an admin sent -> a draft kept for their 📥 Nhập, or a ReadError with nothing kept.

The reading and drafting run in a worker thread, so every other user is answered meanwhile (a .docx bomb once
froze the bot for 45 s); the bounds in `limits.py` cap what that thread may cost, and `READ_SECONDS` how long
the admin waits for an answer.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.i18n import N_
from bot.intake import DraftResult, draft_document
from bot.intake.limits import READ_SECONDS
from bot.intake.pending import keep_draft
from bot.intake.readers import ReadError
from bot.intake.sources import UnitSource, from_database


@dataclass(frozen=True)
class Upload:
    result: DraftResult
    token: str  # what the draft's buttons carry


async def draft_in_worker(data: bytes, name: str, source: UnitSource, *,
                          seconds: float = READ_SECONDS) -> DraftResult:
    try:
        return await asyncio.wait_for(asyncio.to_thread(draft_document, data, name, source), seconds)
    except TimeoutError as error:  # the thread finishes on its own, within the bounds of limits.py
        raise ReadError(N_("Reading the file {name} took over {seconds} seconds, so it was stopped: please send a "
                           "shorter document, or its .txt version."), name=name, seconds=math.ceil(seconds)) from error


async def draft_upload(*, session_factory: async_sessionmaker[AsyncSession], data: bytes, name: str, admin_id: int,
                       now: datetime, seconds: float = READ_SECONDS) -> Upload:
    """Raises ReadError (why, for the admin) having kept nothing."""
    async with session_scope(session_factory) as session:
        source = await from_database(session)
    result = await draft_in_worker(data, name, source, seconds=seconds)
    # Committed before the buttons are shown: a press may come at once, to another process.
    async with session_scope(session_factory) as session:
        token = await keep_draft(session=session, admin_id=admin_id, file_name=name, plan_text=result.yaml, now=now)
    return Upload(result, token)
