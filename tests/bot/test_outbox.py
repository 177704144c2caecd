"""Queueing a message (bot/outbox.py): one copy per chat, nothing for nobody, a key queued once — by the database
itself, whatever the callers check — and nothing left behind when the change that caused it is rolled back."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.models import Member, ReminderDelivery, ReminderDigest
from bot.outbox import Message, MessageKind, queue_message, queue_messages
from tests.conftest import VN
from tests.scheduler.factories import Factory

NOW = datetime(2020, 5, 11, 9, 0, tzinfo=VN)


async def counts(session: AsyncSession) -> tuple[int, int]:
    messages = await session.scalar(select(func.count()).select_from(ReminderDigest))
    copies = await session.scalar(select(func.count()).select_from(ReminderDelivery))
    return int(messages or 0), int(copies or 0)


async def test_one_copy_per_chat_prompt_and_pending(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        unit = await f.unit("XA")
        one = await f.secretary(unit, chat_id=5001)
        group = await f.secretary(unit, chat_id=-4001)
        also_group = await f.supervisor(unit, chat_id=-4001)  # a second member in the same group chat
        message_id = await queue_message(session, Message(kind=MessageKind.urge, unit_id=unit.id,  # type: ignore[arg-type]
                                                          recipients=[one, group, also_group], params={"by": 7}),
                                         now=NOW)
        nobody = await queue_message(session, Message(kind=MessageKind.urge, unit_id=unit.id, recipients=[]),  # type: ignore[arg-type]
                                     now=NOW)
    assert message_id is not None and nobody is None
    async with session_factory() as session:
        copies = (await session.execute(select(ReminderDelivery).order_by(ReminderDelivery.id))).scalars().all()
        message = await session.get(ReminderDigest, message_id)
        assert await counts(session) == (1, 2)
    assert [(copy.chat_id, copy.status, copy.prompt, copy.next_attempt_at) for copy in copies] == [
        (5001, "pending", True, NOW), (-4001, "pending", True, NOW)]
    assert message is not None and message.kind == "urge" and message.params == '{"by": 7}'


async def test_a_key_is_queued_once_and_the_database_holds_it(
        session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        unit = await f.unit("TU")
        boss = await f.supervisor(unit, chat_id=5002)
    weekly = Message(kind=MessageKind.weekly, unit_id=unit.id, recipients=[boss], once_key="weekly:1:2020-05-11")  # type: ignore[arg-type]
    async with session_scope(session_factory) as session:
        first, again = await queue_messages(session, [weekly, weekly], now=NOW)  # one statement, one key
        assert first is not None and again is None
    async with session_scope(session_factory) as session:
        assert await queue_message(session, weekly, now=NOW) is None
        assert await counts(session) == (1, 1)
    # Two processes that both found the key free: the second insert fails, its transaction with it.
    with pytest.raises(IntegrityError):
        async with session_scope(session_factory) as session:
            await session.execute(insert(ReminderDigest).values(kind="weekly", unit_id=unit.id, created_at=NOW,
                                                                once_key="weekly:1:2020-05-11"))


async def test_a_rolled_back_change_leaves_no_message(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(session_factory) as session:
        unit = await Factory(session).unit("XA")
        member = await Factory(session).secretary(unit, chat_id=5003)
    with pytest.raises(RuntimeError):
        async with session_scope(session_factory) as session:
            member = await session.get_one(Member, member.id)
            await queue_message(session, Message(kind=MessageKind.accepted, unit_id=unit.id, recipients=[member]),  # type: ignore[arg-type]
                                now=NOW)
            raise RuntimeError("the change failed")
    async with session_factory() as session:
        assert await counts(session) == (0, 0)
