"""The engine over weeks of a plan, with an injected clock: ladder, digests, catch-up, confirmation, edits."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import session_scope
from bot.i18n import translator
from bot.models import Milestone, Reminder, ReminderDelivery
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler.engine import ReminderEngine
from scheduler.failures import list_failures, render_failures, unreached_units
from scheduler.planner import replan_milestones
from tests.scheduler.factories import Factory, confirm
from tests.scheduler.timeline import compose_due, days_of, ladder_texts, run_days, sweep_at
from tests.scheduler.transport import RecordingRequest

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SECRETARY, OTHER_SECRETARY, SUPERVISOR = 7001, 7002, 7100


def at(day: int, hour: int = 8, month: int = 5) -> datetime:
    return datetime(2020, month, day, hour, 0, tzinfo=VN)


async def district_with_units(session_factory: async_sessionmaker[AsyncSession], **milestones: date):  # type: ignore[no-untyped-def]
    """Huyện ủy (a supervisor) above two units, each with a secretary; one milestone per keyword for unit A."""
    async with session_scope(session_factory) as session:
        f = Factory(session)
        root = await f.unit("TU", name="Tỉnh ủy")
        district = await f.unit("HU-DB", name="Huyện ủy Điện Biên", parent=root)
        unit_a = await f.unit("XA-A", name="Đảng ủy xã Thanh An", parent=district)
        unit_b = await f.unit("XA-B", name="Đảng ủy xã Thanh Xương", parent=district)
        await f.secretary(unit_a, chat_id=SECRETARY, name="Lò Văn A")
        await f.secretary(unit_b, chat_id=OTHER_SECRETARY, name="Quàng Thị B")
        await f.supervisor(district, chat_id=SUPERVISOR, name="Nguyễn Văn Giám Sát")
        made = {}
        for code, due in milestones.items():
            made[code] = await f.milestone(code, due, title=f"Hoàn thành {code}", units=[unit_a])
        return unit_a, unit_b, made


async def test_a_milestone_ladder_over_a_month(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    _, _, made = await district_with_units(session_factory, M05=date(2020, 5, 15))
    await engine.plan_all()
    sent = await run_days(engine, clock, transport, date(2020, 5, 4), date(2020, 5, 26))
    assert days_of(sent, SECRETARY) == [
        date(2020, 5, 8),  # 7 days before
        date(2020, 5, 12),  # 3 days before
        date(2020, 5, 14),  # 1 day before
        date(2020, 5, 15),  # the due day
        date(2020, 5, 18),
        date(2020, 5, 19),
        date(2020, 5, 20),
        date(2020, 5, 21),
        date(2020, 5, 22),
        date(2020, 5, 25),
        date(2020, 5, 26),  # overdue: working days only
    ]
    assert days_of(sent, SUPERVISOR) == [date(2020, 5, 18), date(2020, 5, 25)]  # first overdue day, then weekly
    assert {message.at.hour for message in sent} == {8}  # never at noon's or night's sweep: all at 08:00
    texts = [message.text for message in sent if message.chat_id == SECRETARY]
    assert "còn 7 ngày" in texts[0] and "còn 1 ngày" in texts[2] and "hạn chót là hôm nay" in texts[3]
    assert "quá hạn 3 ngày" in texts[4] and "Thứ Sáu, 15/05/2020" in texts[4]
    assert "quá hạn 10 ngày" in [m.text for m in sent if m.chat_id == SUPERVISOR][1]

    # Confirming stops the ladder at once: nothing more for the unit; its supervisor hears of it, once.
    async with session_scope(session_factory) as session:
        await confirm(session, made["M05"][1][0], now=clock.now())
    later = await run_days(engine, clock, transport, date(2020, 5, 27), date(2020, 6, 10))
    assert [(message.chat_id, message.text) for message in later] == [
        (SUPERVISOR, "✅ <b>XA-A</b> đã hoàn thành <b>M05</b>.")]
    async with session_factory() as session:
        pending = await session.scalar(select(func.count()).where(Reminder.status == "pending"))
        rows = await session.scalar(select(func.count()).select_from(Reminder))
    assert pending == 0
    assert rows < 30  # the overdue chain is made one step at a time, not a year ahead


async def test_one_digest_per_unit_with_a_button_per_item(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    unit_a, _, made = await district_with_units(
        session_factory, M01=date(2020, 5, 15), M02=date(2020, 5, 15), M03=date(2020, 5, 19)
    )
    async with session_scope(session_factory) as session:
        await Factory(session).secretary(unit_a, chat_id=7003, language="en")
    await engine.plan_all()
    await sweep_at(engine, clock, at(12))  # d3 of M01 and M02, d7 of M03

    texts = transport.texts(SECRETARY)
    assert len(texts) == 1
    (text,) = texts
    assert "Đảng ủy xã Thanh An" in text and "3 việc" in text
    assert "Hoàn thành M01" in text and "còn 3 ngày" in text and "Thứ Sáu, 15/05/2020" in text
    assert "Hoàn thành M03" in text and "còn 7 ngày" in text
    (markup,) = transport.markups(SECRETARY)
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    ids = {code: assignments[0].id for code, (_m, assignments) in made.items()}
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        ("✅ M01", f"done:{ids['M01']}"),
        ("✅ M02", f"done:{ids['M02']}"),
        ("✅ M03", f"done:{ids['M03']}"),
    ]
    assert "3 days left" in transport.texts(7003)[0]  # the other secretary reads English
    assert transport.texts(OTHER_SECRETARY) == []


async def test_single_item_button_label(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    _, _, made = await district_with_units(session_factory, M07=date(2020, 5, 20))
    await engine.plan_all()
    await sweep_at(engine, clock, at(13))
    (markup,) = transport.markups(SECRETARY)
    assignment_id = made["M07"][1][0].id
    assert markup == {"inline_keyboard": [[{"text": "✅ Đã hoàn thành", "callback_data": f"done:{assignment_id}"},
                                           {"text": "🕒 Xin gia hạn", "callback_data": f"ext:{assignment_id}"}]]}
    assert "Hạn: Thứ Tư, 20/05/2020 — còn 7 ngày" in transport.texts(SECRETARY)[0]
    async with session_factory() as session:  # the row records what went out
        row = (await session.execute(select(Reminder).where(Reminder.step == "d7:2020-05-20"))).scalar_one()
    assert row.status == "sent" and row.sent_at == at(13) and row.chat_id == SECRETARY and row.message_id == 1


async def test_escalation_digest_names_each_late_unit(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    unit_a, unit_b, _ = await district_with_units(session_factory)
    async with session_scope(session_factory) as session:
        await Factory(session).milestone("M09", date(2020, 5, 15), title="Nộp báo cáo tổng kết", units=[unit_a, unit_b])
    await engine.plan_all()
    await sweep_at(engine, clock, at(18))
    (escalation,) = ladder_texts(transport, SUPERVISOR)  # Monday: the weekly digest goes too
    assert "Đơn vị trễ hạn" in escalation and "Huyện ủy Điện Biên" in escalation
    assert "Đảng ủy xã Thanh An" in escalation and "Đảng ủy xã Thanh Xương" in escalation
    assert escalation.count("quá hạn 3 ngày") == 2
    assert transport.markups(SUPERVISOR) == [None, None]  # supervisors are told, the units confirm (and the digest)


async def test_downtime_backlog_is_one_digest_per_unit(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await district_with_units(session_factory, M01=date(2020, 5, 13), M02=date(2020, 5, 15))
    await engine.plan_all()
    # Down from 4 May until Tuesday 19 May, 10:00: d7, d3, d1, d0 and overdue steps all missed.
    report = await sweep_at(engine, clock, at(19, 10))
    (digest,) = transport.texts(SECRETARY)
    assert "quá hạn 6 ngày" in digest and "quá hạn 4 ngày" in digest
    assert digest.count("Hoàn thành M01") == 1
    assert len(transport.texts(SUPERVISOR)) == 1
    assert report.composed.superseded > 0
    # Nothing is replayed afterwards; the next reminder is the next working morning.
    await sweep_at(engine, clock, at(19, 16))
    assert len(transport.texts(SECRETARY)) == 1
    await sweep_at(engine, clock, at(20))
    assert len(transport.texts(SECRETARY)) == 2


async def test_no_message_at_night_and_a_backlog_waits_for_monday(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await district_with_units(session_factory, M01=date(2020, 5, 15), M02=date(2020, 5, 16))
    await engine.plan_all()
    report = await sweep_at(engine, clock, at(14, 23))  # d1 of M01 (and M02's d1 → Friday) due, but at night
    assert report.skipped == "quiet hours" and transport.delivered() == []
    assert report.next_wake == at(15)
    # Saturday: nothing. (Issue 14: M02's own due-day step used to go out on its Saturday; it is Friday's now.)
    report = await sweep_at(engine, clock, at(16, 9))
    assert report.skipped == "day off" and transport.texts(SECRETARY) == []
    assert report.next_wake == at(18)
    await sweep_at(engine, clock, at(17, 9))  # Sunday: nothing
    assert transport.texts(SECRETARY) == []
    await sweep_at(engine, clock, at(18, 8))
    (monday,) = transport.texts(SECRETARY)
    assert "Hoàn thành M01" in monday and "quá hạn 3 ngày" in monday
    assert "Hoàn thành M02" in monday and "16/05/2020 (ngày nghỉ) — quá hạn 2 ngày" in monday


async def test_an_item_confirmed_before_its_send_is_left_out(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    _, _, made = await district_with_units(session_factory, M01=date(2020, 5, 15))
    await engine.plan_all()
    clock.set(at(12))
    await compose_due(engine)  # the first half of a sweep
    async with session_scope(session_factory) as session:  # confirmed between composing and sending
        await confirm(session, made["M01"][1][0])
    report = await engine.sweep()
    # The reminder is not sent; the supervisor is told of the confirmation instead.
    assert [(call.chat_id, call.params["text"]) for call in transport.delivered()] == [
        (SUPERVISOR, "✅ <b>XA-A</b> đã hoàn thành <b>M01</b>.")]
    assert report.dispatched.skipped == 1
    async with session_factory() as session:
        statuses = set((await session.execute(select(ReminderDelivery.status))).scalars())
        reminder = await session.scalar(select(Reminder.status).where(Reminder.step == "d3:2020-05-15"))
    assert statuses == {"cancelled", "sent"} and reminder == "cancelled"


async def test_an_edited_plan_replans_without_resending(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    _, _, made = await district_with_units(session_factory, M01=date(2020, 5, 15))
    await engine.plan_all()
    await run_days(engine, clock, transport, date(2020, 5, 4), date(2020, 5, 12))  # d7 and d3 sent
    assert len(transport.texts(SECRETARY)) == 2
    milestone_id = made["M01"][0].id
    async with session_scope(session_factory) as session:  # the import moves the deadline two weeks on
        await session.execute(update(Milestone).where(Milestone.id == milestone_id).values(due_date=date(2020, 5, 29)))
        await replan_milestones(session, milestone_ids=[milestone_id], settings=settings, clock=clock)
    sent = await run_days(engine, clock, transport, date(2020, 5, 13), date(2020, 5, 29))
    assert days_of(sent, SECRETARY) == [date(2020, 5, 22), date(2020, 5, 26), date(2020, 5, 28), date(2020, 5, 29)]
    assert "Thứ Sáu, 29/05/2020" in sent[0].text
    assert days_of(sent, SUPERVISOR) == []

    # The milestone leaves the plan: nothing more.
    async with session_scope(session_factory) as session:
        await session.execute(update(Milestone).where(Milestone.id == milestone_id).values(active=False))
        await replan_milestones(session, milestone_ids=[milestone_id], settings=settings, clock=clock)
    assert await run_days(engine, clock, transport, date(2020, 6, 1), date(2020, 6, 5)) == []


async def test_a_unit_with_nobody_to_remind_is_reported_to_admins(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(session_factory) as session:
        f = Factory(session)
        lonely = await f.unit("XA-C", name="Đảng ủy xã Mường Phăng")
        await f.milestone("M04", date(2020, 5, 15), units=[lonely])
    await engine.plan_all()
    await sweep_at(engine, clock, at(12))
    async with session_factory() as session:
        failures = await list_failures(session)
        status = await session.scalar(select(Reminder.status).where(Reminder.step == "d3:2020-05-15"))
    assert transport.delivered() == []
    assert status == "failed"
    (failure,) = failures
    assert failure.unit_code == "XA-C" and failure.milestone_codes == ("M04",) and failure.member_name is None
    text = render_failures(failures, tr=translator("vi"), tz=VN)
    assert "Đảng ủy xã Mường Phăng (XA-C) [M04] → không có người nhận: đơn vị chưa có ai nhận tin" in text


async def test_units_nobody_joined_are_counted_apart_from_other_failures(
    engine: ReminderEngine,
    clock: FixedClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    # At national scale thousands of units have no secretary yet: /loi must not drown the real failures.
    async with session_scope(session_factory) as session:
        f = Factory(session)
        lonely = [await f.unit(f"XA-{n:02d}") for n in range(12)]
        await f.milestone("M04", date(2020, 5, 15), units=lonely)
    await engine.plan_all()
    await sweep_at(engine, clock, at(12))
    async with session_factory() as session:
        assert len(await list_failures(session)) == 12
        others = await list_failures(session, with_unreached=False)
        unreached = await unreached_units(session, now=at(12))
        assert (await unreached_units(session, now=at(20))).count == 0  # only the last week's failures count
    assert others == []
    assert (unreached.count, unreached.codes) == (12, tuple(f"XA-{n:02d}" for n in range(10)))
    names = {unit.code: unit.name for unit in lonely}
    text = render_failures(others, tr=translator("vi"), tz=VN, unreached=unreached)
    assert text.splitlines() == [
        "Không có tin nhắn nào gửi lỗi.",
        "Chưa có ai nhận tin ở 12 đơn vị: " + ", ".join(f"{names[f'XA-{n:02d}']} (XA-{n:02d})" for n in range(10))
        + " và 2 đơn vị khác. Mời thư ký bằng /moi.",
    ]


async def test_several_units_same_morning_each_get_their_own(
    engine: ReminderEngine,
    clock: FixedClock,
    transport: RecordingRequest,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    unit_a, unit_b, _ = await district_with_units(session_factory)
    async with session_scope(session_factory) as session:
        await Factory(session).milestone("M08", date(2020, 5, 15), units=[unit_a, unit_b])
    await engine.plan_all()
    await sweep_at(engine, clock, at(8))
    counts = Counter(call.chat_id for call in transport.delivered())
    assert counts == {SECRETARY: 1, OTHER_SECRETARY: 1}
