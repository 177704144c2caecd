"""A sweep sends while it composes: a morning's first reminders leave before its last digests are composed (a
national 08:00 composed tens of seconds before its first message). Nothing is lost or sent twice for it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import scheduler.store
from bot.db import session_scope
from bot.timeutil import FixedClock
from scheduler.engine import EngineConfig, ReminderEngine
from tests.scheduler.factories import Factory
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = 10
FIRST_CHAT = 8000


async def test_the_first_reminders_leave_while_later_ones_are_composed(
    make_engine: Callable[..., ReminderEngine],
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        root = await f.unit("TU", name="Tỉnh ủy")
        units = [await f.unit(f"XA-{n}", name=f"Xã {n}", parent=root) for n in range(UNITS)]
        for n, unit in enumerate(units):
            await f.secretary(unit, chat_id=FIRST_CHAT + n, name=f"Bí thư {n}")
        await f.milestone("M01", date(2020, 5, 15), title="Hoàn thành M01", units=units)
    engine = make_engine(config=EngineConfig(compose_batch=1))  # one unit per composing transaction
    await engine.plan_all()

    events: list[str] = []  # in the order they happened: "composed" per unit, "sent" per message
    compose_batch = scheduler.store.compose_batch

    async def recorded_compose(*args: Any, **kwargs: Any) -> Any:
        result = await compose_batch(*args, **kwargs)
        events.extend(["composed"] * result.digests)
        return result

    monkeypatch.setattr(scheduler.store, "compose_batch", recorded_compose)
    do_request = transport.do_request

    async def recorded_send(url: str, method: str, request_data: Any = None, **rest: Any) -> tuple[int, bytes]:
        answer = await do_request(url, method, request_data, **rest)
        if url.lower().endswith("/sendmessage"):  # Bot API method names are case-insensitive
            events.append("sent")
        return answer

    monkeypatch.setattr(transport, "do_request", recorded_send)

    clock.set(datetime(2020, 5, 8, 8, 0, tzinfo=VN))  # M01's 7-days-before step, for every unit
    report = await engine.sweep()

    assert events.count("composed") == UNITS and report.dispatched.sent == UNITS
    last_composed = len(events) - 1 - events[::-1].index("composed")
    assert "sent" in events[:last_composed], f"every message waited for all the composing: {events}"
    assert Counter(call.chat_id for call in transport.delivered()) == {FIRST_CHAT + n: 1 for n in range(UNITS)}
