"""Queued messages that are not reminders (bot/outbox.py): rendered when they are sent, by the renderer given for
their kind.

The engine knows how to send, not what an urge or a weekly digest says: those texts share the presentation of the
chat views, which the handlers own, and the engine never imports the handlers. So the composition root hands the
engine one renderer per kind (handlers/notices.py). A renderer reads the database as it stands at send time and
returns the message, or None when nothing is left to say (the item was confirmed since, the request decided): the
copy is then cancelled, not sent. A message that replaces an earlier one (`edits`) becomes an edit of the
reader's copy of it, once that copy was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.i18n import Translator
from bot.models import Member, ReminderDelivery, ReminderDigest
from bot.outbox import message_params
from bot.settings import Settings
from scheduler.render import RenderedMessage
from scheduler.states import DeliveryStatus, FailureReason

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """A queued message as its renderer gets it."""

    id: int
    kind: str
    unit_id: int
    assignment_id: int | None
    params: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class NoticeContext:
    """Where and for whom a notice is rendered: a read-only session, the settings, the plan's clock, the reader."""

    session: AsyncSession
    settings: Settings
    now: datetime
    reader: Member
    tr: Translator


NoticeRenderer = Callable[[NoticeContext, Notice], Awaitable[RenderedMessage | None]]
Renderers = Mapping[str, NoticeRenderer]


async def render_notice(context: NoticeContext, digest: ReminderDigest,
                        renderers: Renderers) -> RenderedMessage | FailureReason | None:
    """The message for this reader; None: nothing to say any more; a FailureReason: it cannot be written."""
    renderer = renderers.get(digest.kind)
    if renderer is None:
        log.error("no renderer for queued messages of kind %r (message %s)", digest.kind, digest.id)
        return FailureReason.not_rendered
    assert digest.id is not None
    notice = Notice(id=digest.id, kind=digest.kind, unit_id=digest.unit_id, assignment_id=digest.assignment_id,
                    params=message_params(digest), created_at=digest.created_at)
    try:
        message = await renderer(context, notice)
    except Exception:  # a bug in one renderer must not stop the other messages; the admins see it in /loi
        log.exception("rendering queued message %s (%s) failed", digest.id, digest.kind)
        return FailureReason.not_rendered
    if message is None or "edits" not in notice.params:
        return message
    assert context.reader.id is not None  # read from the table
    earlier = await _sent_copy(context.session, message_id=int(notice.params["edits"]), member_id=context.reader.id)
    # A copy not sent (yet, or ever) is rendered as things stand when it goes: there is nothing to edit.
    return replace(message, edit_message_id=earlier) if earlier is not None else None


async def _sent_copy(session: AsyncSession, *, message_id: int, member_id: int) -> int | None:
    """The Telegram message id of the member's sent copy of a queued message."""
    return (await session.execute(
        select(col(ReminderDelivery.message_id)).where(ReminderDelivery.digest_id == message_id,
                                                       ReminderDelivery.member_id == member_id,
                                                       ReminderDelivery.status == DeliveryStatus.sent.value)
        .order_by(col(ReminderDelivery.id).desc()).limit(1))).scalar()
