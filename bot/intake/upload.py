"""A plan document an admin sent -> its draft, or a ReadError (why, for the admin).

The reading and drafting run in a worker thread, so every other user is answered meanwhile (a .docx bomb once
froze the bot for 45 s); the bounds in `limits.py` cap what that thread may cost, and `READ_SECONDS` how long
the admin waits for an answer. (`sheet_upload.py` turns the draft into the sheet the admin gets.)
"""

from __future__ import annotations

import asyncio
import math

from bot.i18n import N_
from bot.intake import DraftResult, draft_document
from bot.intake.limits import READ_SECONDS
from bot.intake.readers import ReadError
from bot.intake.sources import UnitSource

DOCUMENT_TOO_SLOW = N_("Reading the file {name} took over {seconds} seconds, so it was stopped: please send a "
                       "shorter document, or its .txt version.")


async def draft_in_worker(data: bytes, name: str, source: UnitSource, *,
                          seconds: float = READ_SECONDS) -> DraftResult:
    try:
        return await asyncio.wait_for(asyncio.to_thread(draft_document, data, name, source), seconds)
    except TimeoutError as error:  # the thread finishes on its own, within the bounds of limits.py
        raise ReadError(DOCUMENT_TOO_SLOW, name=name, seconds=math.ceil(seconds)) from error
