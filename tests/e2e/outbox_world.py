"""Every kind of message the bot sends on its own, queued in a crowd's database before the bot starts — through the
real services, as the handlers and the engine queue them (bot/outbox.py) — and the checks that none was lost.

Around the crowd's reminders (tests/e2e/processes.py: one unit per secretary under the CROWD root): two supervisors
of the root get the week's digest and the escalations; a block of units is late on M91 and urged; another confirms
M93 (the supervisors are told); another reports M92, which asks for acceptance (told), and a supervisor accepts some
and returns others (the units are told); another asks for more time on M93, and some requests are approved or
declined (the units are told; the other supervisor's copy would be edited). A notice no longer true when its turn
comes — a report decided, a request decided before its copies went out — is cancelled, not sent: that is expected
here, and counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import Access, load_access
from bot.confirmations import accept_assignment, confirm_assignment, return_assignment
from bot.digest import queue_weekly_digests
from bot.extensions import approve_extension, decline_extension, request_extension
from bot.models import Assignment, Member, Membership, Milestone, ReminderDelivery, ReminderDigest, Role, Unit
from bot.outbox import MessageKind
from bot.progress import StatusRules
from bot.settings import Settings
from bot.timeutil import FixedClock
from bot.urging import urge_late_units
from sandbox import EmulatorClient, TgUser
from scheduler import assignments_changed
from tests.e2e.processes import SEEDED_AT, Crowd

BLOCK = 6  # units per kind of act
SUPERVISORS = (690_001, 690_002)
# The first character of each kind's text: how a message in a chat is told apart (bot/outbox.py, scheduler/render.py).
MARKERS = {"reminder": "🔔", "escalation": "⚠", "blocked": "⛔", "weekly": "🗓", "urge": "📣", "completed": "✅",
           "accepted": "✅", "reported": "🕓", "returned": "↩", "ext_request": "🕒", "ext_approved": "✔",
           "ext_declined": "✖"}


@dataclass(frozen=True)
class Queued:
    """What was queued before the bot started, and what must become of it: (kind, status) → copies."""

    expected: dict[tuple[str, str], int]


async def queue_every_kind(factory: async_sessionmaker[AsyncSession], client: EmulatorClient, crowd: Crowd, *,
                           now: datetime, settings: Settings) -> Queued:
    units = list(crowd.secretaries.values())
    late, done, reported, asking = (units[n * BLOCK:(n + 1) * BLOCK] for n in range(4))
    for chat_id in SUPERVISORS:
        await client.open_private_chat(TgUser(chat_id, f"Giám sát {chat_id}"))
    clock, rules = FixedClock(now), StatusRules.from_settings(settings)
    async with factory() as session:
        root = (await session.execute(select(Unit).where(Unit.code == "CROWD"))).scalars().one()
        plan_id = (await session.execute(select(Milestone.plan_id))).scalars().first()
        for chat_id in SUPERVISORS:
            member = Member(telegram_user_id=chat_id, chat_id=chat_id, full_name=f"Giám sát {chat_id}",
                            created_at=SEEDED_AT)
            session.add(member)
            await session.flush()
            session.add(Membership(member_id=member.id, unit_id=root.id, role=Role.supervisor, created_at=SEEDED_AT))  # type: ignore[arg-type]
        m91 = await _milestone(session, plan_id, "M91", now.date() - timedelta(days=8), late)  # type: ignore[arg-type]
        await _milestone(session, plan_id, "M92", now.date() + timedelta(days=17), reported, two_step=True)  # type: ignore[arg-type]
        await _milestone(session, plan_id, "M93", now.date() + timedelta(days=17), done + asking)  # type: ignore[arg-type]
        await session.commit()

        boss, other = [await load_access(session=session, telegram_user_id=chat, admin_ids=[]) for chat in SUPERVISORS]
        monday = now.date() - timedelta(days=now.date().weekday())
        await queue_weekly_digests(session=session, now=datetime.combine(monday, time(7, 45), now.tzinfo),
                                   tz=settings.tz, quiet_from=settings.quiet_from)
        await urge_late_units(session=session, actor=boss, roots=[root], milestone_id=m91, now=now, rules=rules,
                              cooldown=timedelta(hours=24))
        changed = []
        for code in done:
            changed.append(await _act(session, confirm_assignment, code, "M93", now))
        third = BLOCK // 3
        for n, code in enumerate(reported):
            assignment_id = await _act(session, confirm_assignment, code, "M92", now)
            if n < third:
                await accept_assignment(session=session, actor=boss, assignment_id=assignment_id, now=now)
            elif n < 2 * third:
                await return_assignment(session=session, actor=boss, assignment_id=assignment_id, now=now,
                                        reason="Thiếu biên bản")
            changed.append(assignment_id)
        for n, code in enumerate(asking):
            secretary = await _secretary(session, code)
            assignment_id = await _assignment(session, code, "M93")
            asked = await request_extension(session=session, actor=secretary, assignment_id=assignment_id,
                                            new_date=now.date() + timedelta(days=40), reason="Chờ số liệu", now=now,
                                            today=now.date())
            assert asked.extension is not None and asked.told == 2
            if n < third:
                await approve_extension(session=session, actor=boss, extension_id=asked.extension.id, now=now)  # type: ignore[arg-type]
                changed.append(assignment_id)
            elif n < 2 * third:
                await decline_extension(session=session, actor=other, extension_id=asked.extension.id,  # type: ignore[arg-type]
                                        reason="Không đủ căn cứ", now=now)
        await assignments_changed(session, assignment_ids=changed, settings=settings, clock=clock)
        await session.commit()
    rest = BLOCK - 2 * third
    expected = {("weekly", "sent"): 2, ("urge", "sent"): BLOCK, ("completed", "sent"): 2 * BLOCK,
                ("reported", "cancelled"): 2 * 2 * third, ("reported", "sent"): 2 * rest,
                ("accepted", "sent"): third, ("returned", "sent"): third,
                ("ext_request", "cancelled"): 2 * 2 * third, ("ext_request", "sent"): 2 * rest,
                ("ext_approved", "sent"): third, ("ext_declined", "sent"): third,
                # The other supervisor's copy of a request decided before it went out: nothing to edit.
                ("ext_decided", "cancelled"): 2 * third}
    assert {kind for kind, _status in expected} == {kind.value for kind in MessageKind}  # every kind is here
    return Queued(expected=expected)


async def _milestone(session: AsyncSession, plan_id: int, code: str, due: date, unit_codes: list[str], *,
                     two_step: bool = False) -> int:
    milestone = Milestone(plan_id=plan_id, code=code, title=f"Việc thử {code}", due_date=due,
                          requires_acceptance=two_step, created_at=SEEDED_AT, updated_at=SEEDED_AT)
    session.add(milestone)
    await session.flush()
    unit_ids = (await session.execute(select(Unit.id).where(Unit.code.in_(unit_codes)))).scalars().all()  # type: ignore[attr-defined]
    session.add_all(Assignment(milestone_id=milestone.id, unit_id=unit_id) for unit_id in unit_ids)  # type: ignore[arg-type]
    await session.flush()
    return milestone.id  # type: ignore[return-value]


async def _secretary(session: AsyncSession, unit_code: str) -> Access:
    chat = (await session.execute(select(Member.telegram_user_id).join(Membership).join(Unit)
                                  .where(Unit.code == unit_code))).scalars().one()
    return await load_access(session=session, telegram_user_id=chat, admin_ids=[])


async def _assignment(session: AsyncSession, unit_code: str, milestone_code: str) -> int:
    return (await session.execute(select(Assignment.id).join(Unit).join(Milestone)
                                  .where(Unit.code == unit_code, Milestone.code == milestone_code))).scalars().one()


async def _act(session: AsyncSession, act: Any, unit_code: str, milestone_code: str, now: datetime) -> int:
    assignment_id = await _assignment(session, unit_code, milestone_code)
    await act(session=session, actor=await _secretary(session, unit_code), assignment_id=assignment_id, now=now)
    return assignment_id


async def outbox_counts(factory: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], int]:
    """Copies by (kind, status), reminders and escalations included."""
    async with factory() as session:
        rows = await session.execute(select(ReminderDigest.kind, ReminderDelivery.status)
                                     .join(ReminderDigest, ReminderDigest.id == ReminderDelivery.digest_id))
        return dict(Counter((kind, status) for kind, status in rows))


def settled(counts: dict[tuple[str, str], int], *, crowd: int, queued: Queued) -> bool:
    """Every reminder sent, nothing waiting or failed, and every queued message become what it must."""
    unsettled = any(status in ("pending", "sending", "failed") for _kind, status in counts)
    mine = {key: count for key, count in counts.items() if key[0] in {kind.value for kind in MessageKind}}
    return counts.get(("reminder", "sent"), 0) == crowd and not unsettled and mine == queued.expected


async def lost_and_repeated(factory: async_sessionmaker[AsyncSession],
                            calls: list[dict[str, Any]]) -> tuple[list[tuple[int, str]], int]:
    """(chat, kind) pairs Telegram got fewer messages for than the database says were sent, and how many more it
    got than that in all (repeats of messages in flight)."""
    async with factory() as session:
        rows = await session.execute(select(ReminderDelivery.chat_id, ReminderDigest.kind)
                                     .join(ReminderDigest, ReminderDigest.id == ReminderDelivery.digest_id)
                                     .where(ReminderDelivery.status == "sent"))
        recorded = Counter((chat_id, MARKERS[kind]) for chat_id, kind in rows if kind in MARKERS)
    markers = set(MARKERS.values())
    received = Counter((call["chat_id"], call["params"]["text"][0]) for call in calls
                       if call.get("ok") and str(call["params"].get("text", ""))[:1] in markers)
    lost = sorted((chat, marker) for (chat, marker), count in recorded.items() if received[(chat, marker)] < count)
    return lost, sum(max(received[key] - recorded[key], 0) for key in received)


def outbox_marker(call: dict[str, Any]) -> bool:
    """A sendMessage of a message the bot sent on its own (not a reply)."""
    return str(call["params"].get("text", ""))[:1] in set(MARKERS.values())
