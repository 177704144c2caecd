"""Plan intake in chat, as sheets: a document an admin sent -> its draft sheet, read back at once to know whether it
can be imported as it stands; an edited sheet sent back -> the plan it stands for.

Both check against the stored unit tree, and run in a worker thread within `READ_SECONDS` (a workbook is a zip of
XML: the reader's bounds, bot.intake.sheet_read, cap what that thread may cost).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.i18n import N_
from bot.intake.draft import Draft
from bot.intake.limits import READ_SECONDS
from bot.intake.readers import ReadError
from bot.intake.sheet import SheetCheck, draft_sheet_bytes, read_draft_sheet
from bot.intake.sources import from_database
from bot.intake.upload import DOCUMENT_TOO_SLOW, draft_in_worker
from bot.plans.plan import PlanUnit
from bot.plans.standing import standing_units

T = TypeVar("T")
SHEET_TOO_SLOW = N_("Reading the sheet {name} took over {seconds} seconds, so it was stopped: please send a smaller "
                    "sheet.")


@dataclass(frozen=True)
class SheetDraft:
    draft: Draft
    sheet: bytes  # the .xlsx the admin gets
    filename: str  # its name: "ke-hoach.draft.xlsx"
    check: SheetCheck  # the sheet read back: `.plan` when it can be imported as it stands


def sheet_name(document_name: str) -> str:
    return f"{Path(document_name).stem}.draft.xlsx"


async def draft_sheet_upload(*, session_factory: async_sessionmaker[AsyncSession], data: bytes, name: str,
                             seconds: float = READ_SECONDS) -> SheetDraft:
    """Raises ReadError (why, for the admin) when the document cannot be read."""
    async with session_scope(session_factory) as session:
        source = await from_database(session)
        known = await standing_units(session)
    result = await draft_in_worker(data, name, source, seconds=seconds)
    filename = sheet_name(name)

    def sheet_and_check() -> SheetDraft:
        sheet = draft_sheet_bytes(result.draft, source_name=Path(name).name, index=source.index,
                                  plan_title=source.plan_title)
        return SheetDraft(result.draft, sheet, filename, read_draft_sheet(sheet, filename=filename, known=known))

    return await _bounded(sheet_and_check, seconds, DOCUMENT_TOO_SLOW, name=name)


async def read_sheet_upload(*, session_factory: async_sessionmaker[AsyncSession], data: bytes, name: str,
                            seconds: float = READ_SECONDS) -> SheetCheck:
    """An edited draft sheet, checked against the stored unit tree (ReadError when it takes too long)."""
    async with session_scope(session_factory) as session:
        known: list[PlanUnit] = list(await standing_units(session))
    return await _bounded(lambda: read_draft_sheet(data, filename=Path(name).name, known=known), seconds,
                          SHEET_TOO_SLOW, name=name)


async def _bounded(work: Callable[[], T], seconds: float, msgid: str, *, name: str) -> T:
    try:
        return await asyncio.wait_for(asyncio.to_thread(work), seconds)
    except TimeoutError as error:  # the thread finishes on its own, within the reader's bounds
        raise ReadError(msgid, name=name, seconds=math.ceil(seconds)) from error
