"""Runs the engine through days of a plan with an injected clock and records who got what, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.timeutil import FixedClock
from scheduler.engine import ReminderEngine, SweepReport
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SWEEP_TIMES = (time(8, 0), time(12, 0), time(23, 0))  # morning, noon, and a night sweep that must send nothing


@dataclass(frozen=True)
class Sent:
    at: datetime  # local
    chat_id: int
    text: str


async def compose_due(engine: ReminderEngine) -> SweepReport:
    """The first half of a sweep: everything due now composed into digests, nothing sent."""
    report = SweepReport()
    step = engine._composer(report, oldest=None)
    while await step():
        pass
    return report


async def sweep_at(engine: ReminderEngine, clock: FixedClock, when: datetime) -> SweepReport:
    clock.set(when)
    return await engine.sweep()


WEEKLY = "🗓"  # the weekly digest's header: the engine sends it to supervisors on a week's first working day


def ladder_texts(transport: RecordingRequest, chat_id: int) -> list[str]:
    """The texts a chat got, but the weekly digests (these tests follow the reminder ladder)."""
    return [text for text in transport.texts(chat_id) if not text.startswith(WEEKLY)]


async def run_days(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest, start: date, end: date, *,
    weekly: bool = False,
) -> list[Sent]:
    """Sweeps three times a day from `start` to `end` (inclusive); returns the messages with their times — the
    weekly digests the supervisors get on a week's first working day only with `weekly`."""
    sent: list[Sent] = []
    day = start
    while day <= end:
        for at in SWEEP_TIMES:
            when = datetime.combine(day, at, tzinfo=VN)
            before = len(transport.delivered())
            await sweep_at(engine, clock, when)
            sent += [Sent(when, call.chat_id, call.params["text"]) for call in transport.delivered()[before:]
                     if weekly or not call.params["text"].startswith(WEEKLY)]
        day += timedelta(days=1)
    return sent


def days_of(sent: list[Sent], chat_id: int) -> list[date]:
    return [message.at.date() for message in sent if message.chat_id == chat_id]
