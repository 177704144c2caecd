"""Every message the bot sends on its own goes through the one outbox: a weekly digest, an urge and a notice are
queued in the transaction that causes them (bot/outbox.py) and sent by the engine — retried after a 5xx, given up
on a 403 and listed in /loi, never sent twice, sent at any hour ahead of the reminders, and not sent once they are
no longer true. The clocks are driven: the plan's (what is due) and the lease clock (when a retry may go)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import load_access
from bot.confirmations import confirm_assignment, undo_confirmation
from bot.db import session_scope
from bot.digest import queue_weekly_digests
from bot.extensions import Outcome as ExtensionOutcome, approve_extension, request_extension
from bot.i18n import translator
from bot.models import Assignment, Member, ReminderDelivery, ReminderDigest, Unit
from bot.progress import StatusRules
from bot.settings import Settings
from bot.timeutil import FixedClock
from bot.urging import urge_late_units
from scheduler.delivery import RetryPolicy
from scheduler.engine import ReminderEngine
from scheduler.failures import list_failures, render_failures
from scheduler.outbox import RETRY_DELAYS, claim_deliveries
from scheduler.states import FailureReason
from tests.scheduler.conftest import ManualLeaseClock
from tests.scheduler.factories import Factory
from tests.scheduler.timeline import compose_due
from tests.scheduler.transport import RecordingRequest, blocked, server_error

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2020, 5, 11, 7, 45, tzinfo=VN)  # the digest's hours, before the reminders' (08:00)
BOSS, SUPERVISOR, SECRETARY, OTHER_SUPERVISOR = 8200, 8100, 8001, 8101
TRIES = RetryPolicy().network_attempts  # quick tries of one claim


@dataclass(frozen=True)
class World:
    province: Unit
    district: Unit
    unit: Unit
    late: int  # the unit's assignment of a milestone already late (M05)
    open: int  # ... of one due later (M06)


async def world(session_factory: async_sessionmaker[AsyncSession]) -> World:
    """Tỉnh ủy (BOSS) above Huyện ủy (SUPERVISOR) above a commune (SECRETARY), which is late on M05."""
    async with session_scope(session_factory) as session:
        f = Factory(session)
        province = await f.unit("TU", name="Tỉnh ủy Điện Biên")
        district = await f.unit("HU", name="Huyện ủy Mường Chà", parent=province)
        unit = await f.unit("XA", name="Đảng ủy xã Sa Lông", parent=district)
        await f.supervisor(province, chat_id=BOSS, name="Lò Văn Tỉnh")
        await f.supervisor(district, chat_id=SUPERVISOR, name="Giàng A Dế")
        await f.secretary(unit, chat_id=SECRETARY, name="Lò Văn Chiến")
        _, (late,) = await f.milestone("M05", MONDAY.date() - timedelta(days=4), units=[unit])
        _, (later,) = await f.milestone("M06", MONDAY.date() + timedelta(days=9), units=[unit])
        return World(province, district, unit, late.id, later.id)  # type: ignore[arg-type]


async def access_of(session: AsyncSession, chat_id: int):  # type: ignore[no-untyped-def]
    member = (await session.execute(select(Member).where(Member.chat_id == chat_id))).scalars().one()
    return await load_access(session=session, telegram_user_id=member.telegram_user_id, admin_ids=[])


async def queue_urge_and_notice(session_factory: async_sessionmaker[AsyncSession], w: World, settings: Settings,
                                now: datetime) -> None:
    """The district's supervisor urges the late commune; the commune confirms its other item: an urge to the
    secretary, a notice to the supervisor, each queued with the act that causes it."""
    async with session_scope(session_factory) as session:
        await urge_late_units(session=session, actor=await access_of(session, SUPERVISOR), roots=[w.district],
                              milestone_id=(await session.get_one(Assignment, w.late)).milestone_id, now=now,
                              rules=StatusRules.from_settings(settings), cooldown=timedelta(hours=24))
        await confirm_assignment(session=session, actor=await access_of(session, SECRETARY), assignment_id=w.open,
                                 now=now)


def kinds_to(transport: RecordingRequest, chat_id: int) -> list[str]:
    """What each message a chat got is, by its first words."""
    heads = {"🗓": "weekly", "📣": "urge", "✅": "completed", "🔔": "reminder", "⚠️": "escalation"}
    return [next((kind for head, kind in heads.items() if text.startswith(head)), text[:20])
            for text in transport.texts(chat_id)]


async def statuses(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
    async with session_factory() as session:
        rows = await session.execute(select(ReminderDigest.kind, ReminderDelivery.status)
                                     .join(ReminderDigest, ReminderDigest.id == ReminderDelivery.digest_id)
                                     .order_by(ReminderDelivery.id))
        found: dict[str, list[str]] = {}
        for kind, status in rows:
            found.setdefault(kind, []).append(status)
        return found


async def test_a_digest_an_urge_and_a_notice_failing_with_5xx_are_retried_and_sent_once(
    engine: ReminderEngine, make_engine: Callable[..., ReminderEngine], clock: FixedClock, lease: ManualLeaseClock,
    transport: RecordingRequest, settings: Settings, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    w = await world(session_factory)
    await queue_urge_and_notice(session_factory, w, settings, MONDAY - timedelta(minutes=5))
    # Every quick try of the first claim fails: the supervisor has two messages (the digest, the notice).
    transport.fail(BOSS, *[server_error()] * TRIES)
    transport.fail(SUPERVISOR, *[server_error()] * TRIES * 2)
    transport.fail(SECRETARY, *[server_error()] * TRIES)
    clock.set(MONDAY)
    report = await engine.sweep()  # queues the week's digests, sends the prompt lane (the reminders wait for 08:00)
    assert report.digests == 2 and report.dispatched.retried == 4 and transport.delivered() == []
    assert await statuses(session_factory) == {"urge": ["pending"], "completed": ["pending"],
                                               "weekly": ["pending", "pending"]}

    lease.advance(RETRY_DELAYS[0] - timedelta(seconds=1))
    await engine.sweep()
    assert transport.delivered() == []  # not before its retry is due, on the lease clock
    lease.advance(timedelta(seconds=1))
    await engine.sweep()
    assert kinds_to(transport, BOSS) == ["weekly"]
    assert sorted(kinds_to(transport, SUPERVISOR)) == ["completed", "weekly"]
    assert kinds_to(transport, SECRETARY) == ["urge"]

    # Later sweeps, a restarted process, the rest of the week: nothing is sent twice.
    restarted = make_engine()
    for hours in (1, 5, 26, 50):
        clock.set(MONDAY + timedelta(hours=hours))
        lease.advance(RETRY_DELAYS[-1])
        await restarted.sweep()
    assert kinds_to(transport, BOSS) == ["weekly"]
    assert sorted(kinds_to(transport, SUPERVISOR)) == ["completed", "weekly"]
    assert kinds_to(transport, SECRETARY).count("urge") == 1
    assert {kind: set(found) for kind, found in (await statuses(session_factory)).items()
            if kind in ("weekly", "urge", "completed")} == {"weekly": {"sent"}, "urge": {"sent"},
                                                             "completed": {"sent"}}
    async with session_factory() as session:
        assert await list_failures(session, with_unreached=False) == []


async def test_a_digest_an_urge_and_a_notice_failing_with_5xx_then_403_are_shown_in_loi_and_never_sent(
    engine: ReminderEngine, clock: FixedClock, lease: ManualLeaseClock, transport: RecordingRequest,
    settings: Settings, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    w = await world(session_factory)
    await queue_urge_and_notice(session_factory, w, settings, MONDAY - timedelta(minutes=5))
    transport.fail(SUPERVISOR, *[server_error()] * TRIES * 2, blocked(), blocked())
    transport.fail(SECRETARY, *[server_error()] * TRIES, blocked())
    clock.set(MONDAY)
    await engine.sweep()
    lease.advance(RETRY_DELAYS[0])
    await engine.sweep()  # the retry: 403, for good
    calls = len(transport.calls)
    for _ in range(3):
        lease.advance(RETRY_DELAYS[-1])
        await engine.sweep()
    assert len(transport.calls) == calls  # a 403 is not retried
    assert transport.texts(SUPERVISOR) == [] and transport.texts(SECRETARY) == []
    async with session_factory() as session:
        failures = await list_failures(session, with_unreached=False)
        inactive = set((await session.execute(select(Member.chat_id).where(Member.active.is_(False)))).scalars())
    mine = sorted((failure.kind, failure.milestone_codes) for failure in failures
                  if failure.reason is FailureReason.blocked)
    assert mine == [("completed", ("M06",)), ("urge", ("M05",)), ("weekly", ())]
    assert inactive == {SUPERVISOR, SECRETARY}  # blocked the bot: nothing more for them until they write again
    text = render_failures(failures, tr=translator("vi"), tz=VN)
    assert "tin tổng hợp tuần: Huyện ủy Mường Chà (HU) → Giàng A Dế: người nhận đã chặn bot" in text
    assert "tin đôn đốc: Đảng ủy xã Sa Lông (XA) [M05] → Lò Văn Chiến: người nhận đã chặn bot" in text
    assert "tin thông báo: Đảng ủy xã Sa Lông (XA) [M06] → Giàng A Dế: người nhận đã chặn bot" in text


async def test_the_digest_is_queued_once_a_week_even_across_a_restart(
    make_engine: Callable[..., ReminderEngine], clock: FixedClock, transport: RecordingRequest,
    settings: Settings, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await world(session_factory)
    # A process queues Monday's digests and dies before sending them: the next one sends them, and only them.
    async with session_scope(session_factory) as session:
        queued = await queue_weekly_digests(session=session, now=MONDAY, tz=VN, quiet_from=settings.quiet_from)
    assert len(queued) == 2
    for hours in (0, 2, 6, 25):  # Monday morning, noon, afternoon, Tuesday: a new process each time
        clock.set(MONDAY + timedelta(hours=hours))
        await make_engine().sweep()
    assert kinds_to(transport, SUPERVISOR) == ["weekly"] and kinds_to(transport, BOSS) == ["weekly"]
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(ReminderDigest)
                                    .where(ReminderDigest.kind == "weekly")) == 2
    clock.set(MONDAY + timedelta(days=7))  # the next week has its own
    await make_engine().sweep()
    assert kinds_to(transport, SUPERVISOR) == ["weekly", "weekly"]


async def test_a_notice_goes_at_night_and_ahead_of_the_reminders_but_not_once_undone(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest, settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    w = await world(session_factory)
    await engine.plan_all()
    night = MONDAY.replace(hour=22)
    async with session_scope(session_factory) as session:  # confirmed at 22:00: told at once
        await confirm_assignment(session=session, actor=await access_of(session, SECRETARY), assignment_id=w.open,
                                 now=night)
    clock.set(night)
    report = await engine.send_prompt()
    assert report.dispatched.sent == 1 and kinds_to(transport, SUPERVISOR) == ["completed"]
    assert transport.texts(SECRETARY) == []  # its reminder of the late M05 waits for the morning

    morning = night + timedelta(hours=10)  # Tuesday 08:00: a notice queued with the morning's reminders
    clock.set(morning)
    await compose_due(engine)  # the first half of a sweep: the reminders are queued
    async with session_scope(session_factory) as session:
        undone = await undo_confirmation(session=session, actor=await access_of(session, SECRETARY),
                                         assignment_id=w.open, now=night + timedelta(minutes=1), undo_minutes=10)
        assert undone.changed
        await confirm_assignment(session=session, actor=await access_of(session, SECRETARY), assignment_id=w.open,
                                 now=morning)
    async with session_scope(session_factory) as session:
        (first,) = await claim_deliveries(session, worker_id="probe", now=morning, stale_before=morning, limit=1)
        kind = await session.scalar(select(ReminderDigest.kind).join(ReminderDelivery)
                                    .where(ReminderDelivery.id == first))
        await session.rollback()
    assert kind == "completed"  # the prompt lane is claimed before the reminders composed earlier

    async with session_scope(session_factory) as session:  # undone before it went: the notice is not sent
        await undo_confirmation(session=session, actor=await access_of(session, SECRETARY), assignment_id=w.open,
                                now=morning + timedelta(minutes=1), undo_minutes=10)
    await engine.sweep()
    assert kinds_to(transport, SUPERVISOR) == ["completed", "escalation"]  # M05 is late: the district is told
    assert kinds_to(transport, SECRETARY) == ["reminder"]
    assert (await statuses(session_factory))["completed"] == ["sent", "cancelled"]


async def test_a_decided_request_edits_the_other_supervisors_copy(
    engine: ReminderEngine, clock: FixedClock, transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    w = await world(session_factory)
    async with session_scope(session_factory) as session:
        await Factory(session).supervisor(w.district, chat_id=OTHER_SUPERVISOR, name="Vàng A Páo")
    now = MONDAY.replace(hour=10)
    clock.set(now)
    async with session_scope(session_factory) as session:
        asked = await request_extension(session=session, actor=await access_of(session, SECRETARY),
                                        assignment_id=w.open, new_date=now.date() + timedelta(days=30),
                                        reason="chờ số liệu", now=now, today=now.date())
    assert asked.told == 2
    await engine.send_prompt()
    (copy,) = [call for call in transport.delivered() if call.chat_id == OTHER_SUPERVISOR]
    assert "xin gia hạn" in copy.params["text"] and copy.params.get("reply_markup")
    async with session_scope(session_factory) as session:
        approved = await approve_extension(session=session, actor=await access_of(session, SUPERVISOR),
                                           extension_id=asked.extension.id, now=now)  # type: ignore[union-attr]
        assert approved.outcome == ExtensionOutcome.approved
    await engine.send_prompt()
    (edit,) = [call for call in transport.calls if call.method.lower() == "editmessagetext"]
    sent_id = await _message_id(session_factory, OTHER_SUPERVISOR, "ext_request")
    assert edit.chat_id == OTHER_SUPERVISOR and int(edit.params["message_id"]) == sent_id
    assert edit.params["text"].startswith(copy.params["text"]) and "Giàng A Dế đã duyệt" in edit.params["text"]
    assert not edit.params.get("reply_markup")  # nothing left to decide
    assert "Yêu cầu gia hạn đã được duyệt" in transport.texts(SECRETARY)[-1]
    assert [call.chat_id for call in transport.calls if call.method.lower() == "editmessagetext"] == [OTHER_SUPERVISOR]


async def _message_id(session_factory: async_sessionmaker[AsyncSession], chat_id: int, kind: str) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(ReminderDelivery.message_id).join(ReminderDigest)
                                         .where(ReminderDelivery.chat_id == chat_id, ReminderDigest.kind == kind)))
