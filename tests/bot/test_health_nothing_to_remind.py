"""`nhacviec health` never says "tốt" when the bot reminds nobody: no units, nothing left open (done, or the plan
closed), or reminders years overdue that nothing sends — even at night or on a weekend, when the send window is
shut. Work that only came due after the window closed waits for the morning, and that is no fault."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import translator
from bot.models import Assignment, AssignmentState, ReminderDelivery, ReminderDigest
from bot.settings import Settings
from bot.units import get_unit_by_code
from tests.bot.test_cli_health import BEFORE_THE_PLAN, VN, _health, _import_sample

WEDNESDAY_NIGHT_2026 = datetime(2026, 12, 2, 23, 0, tzinfo=VN)
SATURDAY_MORNING_2026 = datetime(2026, 12, 5, 10, 0, tzinfo=VN)


def lines_of(stdout: str) -> dict[str, str]:
    """'Label: rest' lines by label."""
    return {line.split(":", 1)[0]: line for line in stdout.splitlines()}


async def test_the_sample_plan_reports_its_open_items(session_factory: async_sessionmaker[AsyncSession],
                                                      settings: Settings, database_url: str) -> None:
    await _import_sample(session_factory, settings, BEFORE_THE_PLAN)
    async with session_factory() as session:
        open_items = (await session.execute(text(
            "SELECT count(*) FROM assignment JOIN milestone ON milestone.id = assignment.milestone_id "
            "WHERE assignment.active AND milestone.active"))).scalar_one()
        units = (await session.execute(text("SELECT count(*) FROM unit WHERE active"))).scalar_one()
    result = await _health(database_url, BEFORE_THE_PLAN)
    assert result.exit_code == 0, result.output
    assert lines_of(result.stdout)["Việc chưa xong"] == f"Việc chưa xong: {open_items} (trong {units} đơn vị)."
    assert result.stdout.splitlines()[-1] == "Tình trạng: tốt."


async def test_zero_units_is_nothing_to_remind(session_factory: async_sessionmaker[AsyncSession],
                                               database_url: str) -> None:
    result = await _health(database_url, BEFORE_THE_PLAN)
    assert result.exit_code == 1, result.output
    assert lines_of(result.stdout)["Đơn vị"].startswith("Đơn vị: chưa có đơn vị nào — hãy nhập kế hoạch")
    assert result.stdout.splitlines()[-1] == "Tình trạng: KHÔNG CÓ GÌ ĐỂ NHẮC."


async def test_every_item_done_is_nothing_to_remind(session_factory: async_sessionmaker[AsyncSession],
                                                    settings: Settings, database_url: str) -> None:
    await _import_sample(session_factory, settings, BEFORE_THE_PLAN)
    async with session_factory() as session:
        await session.execute(update(Assignment).values(state=AssignmentState.done))
        await session.commit()
    result = await _health(database_url, BEFORE_THE_PLAN)
    assert result.exit_code == 1, result.output
    assert "Việc chưa xong: không còn việc nào trong các kế hoạch đang theo dõi" in result.stdout
    assert result.stdout.splitlines()[-1] == "Tình trạng: KHÔNG CÓ GÌ ĐỂ NHẮC."


async def test_a_closed_plan_is_nothing_to_remind(session_factory: async_sessionmaker[AsyncSession],
                                                  settings: Settings, database_url: str) -> None:
    await _import_sample(session_factory, settings, BEFORE_THE_PLAN)
    async with session_factory() as session:
        connection = await session.connection()
        assert await connection.run_sync(lambda sync: "plan" in inspect(sync).get_table_names())
        await session.execute(text("UPDATE plan SET status = 'closed'"))
        await session.commit()
    result = await _health(database_url, BEFORE_THE_PLAN)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1] == "Tình trạng: KHÔNG CÓ GÌ ĐỂ NHẮC."


async def test_reminders_years_overdue_are_a_fault_at_night_and_on_a_weekend(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, database_url: str
) -> None:
    """The sample plan imported in 2019, no bot ever ran: in 2026 health once said "tốt" outside the window."""
    first = await _import_sample(session_factory, settings, BEFORE_THE_PLAN)
    t = translator("vi")
    for now in (WEDNESDAY_NIGHT_2026, SATURDAY_MORNING_2026):
        result = await _health(database_url, now)
        assert result.exit_code == 1, result.output
        lines = lines_of(result.stdout)
        assert lines["Bộ nhắc việc"].startswith("Bộ nhắc việc: CHẬM — ")
        assert lines["Nhắc việc kế tiếp"] == (f"Nhắc việc kế tiếp: {t.datetime(first, settings.tz)} "
                                              "(Asia/Ho_Chi_Minh) — đã quá giờ mà chưa gửi.")
        assert result.stdout.splitlines()[-1] == "Tình trạng: LỖI."


async def test_work_due_after_the_window_closed_waits_for_the_morning(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, database_url: str
) -> None:
    """A retry set for 21:30 on Thursday 19/09/2019 (the window closes at 21:00, opens at 08:00)."""
    await _import_sample(session_factory, settings, BEFORE_THE_PLAN)  # its first reminder: Monday 23/09
    retry_at = datetime(2019, 9, 19, 21, 30, tzinfo=VN)
    async with session_factory() as session:
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None and unit.id is not None
        digest = ReminderDigest(kind="reminder", unit_id=unit.id, created_at=BEFORE_THE_PLAN)
        session.add(digest)
        await session.flush()
        assert digest.id is not None
        session.add(ReminderDelivery(digest_id=digest.id, chat_id=5_000_000_001, status="pending",
                                     next_attempt_at=retry_at, created_at=BEFORE_THE_PLAN))
        await session.commit()

    for now, healthy in [(datetime(2019, 9, 19, 23, 0, tzinfo=VN), True),   # that night
                         (datetime(2019, 9, 20, 8, 3, tzinfo=VN), True),    # the window just opened
                         (datetime(2019, 9, 20, 8, 10, tzinfo=VN), False),  # open for longer than the grace
                         (datetime(2019, 9, 20, 23, 0, tzinfo=VN), False)]:  # a whole window went by
        result = await _health(database_url, now)
        assert (result.exit_code == 0) is healthy, (now, result.output)
        assert ("Bộ nhắc việc: CHẬM — 1 nhắc việc" in result.stdout) is not healthy, (now, result.output)
