"""Plan files waiting for their admin's 📥 Nhập / ✖️ Hủy, kept in the database.

In the database, not on a disk: the press may reach another bot process than the upload (webhook replicas
behind a load balancer), or come after a restart. A draft expires after `DRAFT_TTL`; expired ones are removed
whenever a new one is kept. 📥 takes the draft in the import's own transaction (`import_draft`): an import that
fails leaves it pending, for the admin to press again or cancel.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.db import session_scope
from bot.models import PendingDraft
from bot.plans.importer import AfterImport, import_plan
from bot.plans.plan import Plan
from bot.plans.report import ImportReport

DRAFT_TTL = timedelta(days=7)


class DraftTaken(Exception):
    """The draft was imported or cancelled by another press meanwhile."""


async def keep_draft(*, session: AsyncSession, admin_id: int, file_name: str, plan_text: str,
                     now: datetime) -> str:
    """Stores a checked plan file for `admin_id`; returns the token its buttons carry."""
    await session.execute(delete(PendingDraft).where(col(PendingDraft.expires_at) <= now))
    token = secrets.token_urlsafe(12)
    session.add(PendingDraft(token=token, admin_telegram_id=admin_id, file_name=file_name[:255],
                             plan_text=plan_text, created_at=now, expires_at=now + DRAFT_TTL))
    await session.flush()
    return token


async def find_draft(*, session: AsyncSession, token: str, now: datetime) -> PendingDraft | None:
    """The draft behind a button, unless it was imported, cancelled or has expired."""
    draft = await session.get(PendingDraft, token)
    return draft if draft is not None and draft.expires_at > now else None


async def drop_draft(*, session: AsyncSession, token: str) -> bool:
    """Removes the draft; False when it was already gone (a second press, another process)."""
    result = await session.execute(delete(PendingDraft).where(col(PendingDraft.token) == token))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def import_draft(*, session_factory: async_sessionmaker[AsyncSession], token: str, plan: Plan, now: datetime,
                       actor: str, after: AfterImport | None = None) -> ImportReport:
    """Imports the draft's plan and takes the draft, both or neither: whatever the import raises, the draft stays.

    Taken first, so of two presses (perhaps in two processes) the second waits on the draft's row and finds it
    gone (DraftTaken) rather than importing the same plan concurrently.
    """
    async with session_scope(session_factory) as session:
        if not await drop_draft(session=session, token=token):
            raise DraftTaken(token)
        report = await import_plan(session=session, plan=plan, now=now, actor=actor)
        if after is not None:
            await after(session, report)
    return report
