"""Recording a message to send: the enqueue side of the one outbox.

A domain service whose change someone must hear about (a unit reported its work, a supervisor urged it, a
request for more time) calls `queue_messages` in its own transaction: the message and the change commit together
or not at all, and nothing is sent from here. The reminder engine (scheduler/) claims each copy, renders it when
it sends it — in its reader's language, from the parameters stored here and the database as it stands then, so a
notice of something undone meanwhile is not sent — and retries it, follows 403s, 429s and migrated groups, and
lists what failed for good in /loi, exactly as it does for reminders.

Rows: a message is a `reminder_digest` (its kind, unit and assignment, its parameters as JSON, an optional key
that makes it unique), each recipient chat's copy a `reminder_delivery`, marked `prompt`: sent at once and at any
hour, ahead of the queued reminders. Handlers only reply to the update in hand; everything else comes through here.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import Member, ReminderDelivery, ReminderDigest


class MessageKind(str, enum.Enum):
    """What a queued message says; the engine renders each kind with the renderer given for it."""

    weekly = "weekly"  # a supervisor's weekly digest (bot/digest.py)
    urge = "urge"  # 📣 a supervisor urges a late unit's secretaries (bot/urging.py)
    completed = "completed"  # to the supervisors above: the unit completed an item (bot/confirmations.py)
    reported = "reported"  # ... reported it done: accept or return it
    accepted = "accepted"  # to the unit's secretaries: their report was accepted
    returned = "returned"  # ... returned, with the supervisor's reason
    ext_request = "ext_request"  # to the supervisors above: more time asked for (bot/extensions.py)
    ext_approved = "ext_approved"  # to the unit's secretaries: the request was approved
    ext_declined = "ext_declined"  # ... declined, with the reason
    ext_decided = "ext_decided"  # the other supervisors' copies of the request, edited to show the decision


class DeliveryStatus(str, enum.Enum):
    """A copy's life (the engine's words; the enqueue side writes the first)."""

    pending = "pending"
    sending = "sending"  # claimed by a worker (claimed_by, claimed_at)
    sent = "sent"
    failed = "failed"  # permanent; `reason` says why, admins see it
    cancelled = "cancelled"  # nothing left to say when its turn came


@dataclass(frozen=True)
class Message:
    kind: MessageKind
    unit_id: int  # the unit it is about: /loi shows a failure to those who see that unit
    recipients: Sequence[Member]  # one copy per chat
    assignment_id: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)  # JSON: what the renderer needs beyond the rows
    once_key: str | None = None  # a message with a key already queued is not queued again
    # Only where a message replaces what an earlier one said: the copies of that message to edit (its id).
    edits: int | None = None


async def queue_messages(session: AsyncSession, messages: Sequence[Message], *, now: datetime) -> list[int | None]:
    """Queues each message that has someone to go to and whose key is new; returns, for each, its id or None."""
    keys = [message.once_key for message in messages if message.once_key]
    taken: set[str | None] = set()
    for start in range(0, len(keys), 500):  # under every database's bound-parameter limit
        rows = await session.execute(select(col(ReminderDigest.once_key))
                                     .where(col(ReminderDigest.once_key).in_(keys[start:start + 500])))
        taken.update(rows.scalars())
    wanted = []
    for index, message in enumerate(messages):
        if message.recipients and (message.once_key is None or message.once_key not in taken):
            wanted.append(index)
            taken.add(message.once_key)  # a key twice in one call: the first
    ids: dict[int, int] = {}
    if wanted:
        made = (await session.execute(
            insert(ReminderDigest).returning(col(ReminderDigest.id), sort_by_parameter_order=True),
            [_row(messages[index], now) for index in wanted])).scalars()
        ids = {index: int(message_id) for index, message_id in zip(wanted, made, strict=True)}  # type: ignore[arg-type]  # RETURNING a primary key: never None
        copies = [_copy(ids[index], member, now) for index in wanted
                  for member in _one_per_chat(messages[index].recipients)]
        await session.execute(insert(ReminderDelivery), copies)
    return [ids.get(index) for index in range(len(messages))]


async def queue_message(session: AsyncSession, message: Message, *, now: datetime) -> int | None:
    """Queues one message; its id, or None when it has nobody to go to or its key was queued before."""
    (message_id,) = await queue_messages(session, [message], now=now)
    return message_id


async def latest_message(session: AsyncSession, *, kind: MessageKind,
                         assignment_id: int) -> tuple[int, list[Member]] | None:
    """The newest message of this kind about this assignment, and the members it was queued for (those whose
    copy an edit replaces)."""
    message_id = (await session.execute(
        select(col(ReminderDigest.id))
        .where(ReminderDigest.kind == kind.value, ReminderDigest.assignment_id == assignment_id)
        .order_by(col(ReminderDigest.id).desc()).limit(1))).scalar()
    if message_id is None:
        return None
    members = (await session.execute(
        select(Member).join(ReminderDelivery, col(ReminderDelivery.member_id) == Member.id)
        .where(ReminderDelivery.digest_id == message_id).order_by(col(Member.id)))).scalars().all()
    return message_id, list(members)


def message_params(row: ReminderDigest) -> dict[str, Any]:
    """The parameters a queued message was stored with."""
    return json.loads(row.params) if row.params else {}


def _row(message: Message, now: datetime) -> dict[str, Any]:
    return {"kind": message.kind.value, "unit_id": message.unit_id, "assignment_id": message.assignment_id,
            "params": _params(message), "once_key": message.once_key, "created_at": now}


def _params(message: Message) -> str | None:
    params = dict(message.params)
    if message.edits is not None:
        params["edits"] = message.edits
    return json.dumps(params, ensure_ascii=False, sort_keys=True) if params else None


def _one_per_chat(members: Sequence[Member]) -> list[Member]:
    seen: dict[int, Member] = {}
    for member in members:
        seen.setdefault(member.chat_id, member)
    return list(seen.values())


def _copy(message_id: int, member: Member, now: datetime) -> dict[str, Any]:
    return {"digest_id": message_id, "member_id": member.id, "chat_id": member.chat_id,
            "status": DeliveryStatus.pending.value, "attempts": 0, "next_attempt_at": now, "created_at": now,
            "prompt": True}
