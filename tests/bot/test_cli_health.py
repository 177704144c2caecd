"""`nhacviec health`: database reachable and migrated, no due reminder left unsent in the send window → exit 0
with the next reminder, the last send and failed sends; else 1."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.i18n import translator
from bot.models import Reminder, ReminderDelivery, ReminderDigest
from bot.plans.importer import run_import
from bot.plans.validate import read_plan
from bot.schema import alembic_config
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code
from scheduler import replan_after_import

SAMPLE = PROJECT_ROOT / "plans" / "dien-bien-2019.yaml"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
BEFORE_THE_PLAN = datetime(2019, 9, 2, 9, 0, tzinfo=VN)  # before the sample plan's first reminder

async def _health(database_url: str, now: datetime | None = None) -> Result:
    """The CLI runs its own event loop (asyncio.run): from an async test it goes to a worker thread. `now`
    freezes the command's clock (FAKE_NOW)."""
    def invoke() -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, ["--database-url", database_url, "health"],
                                      env={"FAKE_NOW": now.isoformat() if now else ""})
        finally:
            get_settings.cache_clear()

    return await asyncio.to_thread(invoke)


async def _import_sample(session_factory: async_sessionmaker[AsyncSession], settings: Settings,
                         now: datetime) -> datetime:
    """Imports the sample plan at `now` (reminders planned); returns the first pending reminder's time."""
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    await run_import(session_factory=session_factory, plan=plan, now=now, dry_run=False,
                     after=replan_after_import(settings=settings, clock=FixedClock(now)))
    async with session_factory() as session:
        first = (await session.execute(
            select(func.min(Reminder.fire_at)).where(Reminder.status == "pending"))).scalar_one()
    assert first is not None
    return first


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def test_healthy_database_reports_next_reminder_and_failed_sends(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, database_url: str
) -> None:
    now = BEFORE_THE_PLAN
    next_at = await _import_sample(session_factory, settings, now)
    async with session_factory() as session:
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None and unit.id is not None
        digest = ReminderDigest(kind="reminder", unit_id=unit.id, created_at=now)
        session.add(digest)
        await session.flush()
        assert digest.id is not None
        for status in ("failed", "failed", "sent"):
            session.add(ReminderDelivery(digest_id=digest.id, chat_id=5_000_000_000, status=status,
                                         next_attempt_at=now, finished_at=now, created_at=now,
                                         sent_at=now if status == "sent" else None))
        await session.commit()

    result = await _health(database_url, now)

    assert result.exit_code == 0, result.output
    t = translator("vi")
    (work,) = [line for line in result.stdout.splitlines() if line.startswith("Việc chưa xong: ")]
    assert work.endswith(" đơn vị).")  # how many items and units: tests/bot/test_health_nothing_to_remind.py
    assert [line for line in result.stdout.splitlines()[1:] if line != work] == [
        f"Phiên bản lược đồ: {_head()} (mới nhất).",
        "Bộ nhắc việc: không có việc tồn đọng.",
        f"Nhắc việc kế tiếp: {t.datetime(next_at, settings.tz)} (Asia/Ho_Chi_Minh).",
        f"Lần gửi gần nhất: {t.datetime(now, settings.tz)} (Asia/Ho_Chi_Minh).",
        "Lượt gửi thất bại: 2.",
        "Tình trạng: tốt.",
    ]
    assert result.stdout.startswith("Cơ sở dữ liệu: kết nối được (")


async def test_due_reminders_nobody_sends_make_it_unhealthy_in_the_send_window(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, database_url: str
) -> None:
    first = await _import_sample(session_factory, settings, BEFORE_THE_PLAN)
    # A working morning long after the first reminder, and no bot process has swept: the monitor must know.
    morning = datetime(2019, 10, 1, 9, 0, tzinfo=VN)
    stalled = await _health(database_url, morning)
    assert stalled.exit_code == 1, stalled.output
    (line,) = [line for line in stalled.stdout.splitlines() if line.startswith("Bộ nhắc việc:")]
    t = translator("vi")
    assert line.startswith("Bộ nhắc việc: CHẬM — ") and f"đến giờ từ {t.datetime(first, settings.tz)}" in line
    assert stalled.stdout.splitlines()[-1] == "Tình trạng: LỖI."
    # At night nothing may be sent, but what was due all day and never went out is still a fault (work that
    # only came due at night waits: tests/bot/test_health_nothing_to_remind.py).
    night = await _health(database_url, datetime(2019, 10, 1, 22, 0, tzinfo=VN))
    assert night.exit_code == 1, night.output
    assert "Bộ nhắc việc: CHẬM — " in night.stdout


async def test_empty_migrated_database_has_nothing_to_remind(session_factory: async_sessionmaker[AsyncSession],
                                                             database_url: str) -> None:
    result = await _health(database_url)
    assert result.exit_code == 1, result.output  # a wrong DATABASE_URL, or no plan imported: the monitor must hear it
    assert result.stdout.splitlines()[-1] == "Tình trạng: KHÔNG CÓ GÌ ĐỂ NHẮC."
    assert "Nhắc việc kế tiếp: không có nhắc việc nào đang chờ." in result.stdout
    assert "Lượt gửi thất bại: 0." in result.stdout


async def test_unmigrated_database_exits_1(session_factory: async_sessionmaker[AsyncSession],
                                           database_url: str) -> None:
    async with session_factory() as session:  # as if the migrations had never been run (or were lost)
        await session.execute(text("DELETE FROM alembic_version"))
        await session.commit()

    result = await _health(database_url)

    assert result.exit_code == 1, result.output
    assert f"Phiên bản lược đồ: chưa có, mới nhất là {_head()}: chưa nâng cấp" in result.stdout
    assert result.stdout.splitlines()[-1] == "Tình trạng: LỖI."
    async with session_factory() as session:  # health only reads: it did not migrate behind our back
        assert (await session.execute(text("SELECT count(*) FROM alembic_version"))).scalar_one() == 0


def test_missing_sqlite_file_is_unreachable_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "bot.db"
    result = CliRunner().invoke(app, ["--database-url", f"sqlite+aiosqlite:///{path}", "health"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [f"Cơ sở dữ liệu: KHÔNG kết nối được (không có tệp {path}).",
                                          "Tình trạng: LỖI."]
    assert not path.exists()


def test_unreachable_postgres_server_exits_1() -> None:
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    result = CliRunner().invoke(app, ["--database-url", "postgresql+asyncpg://nhacviec@127.0.0.1:1/nhacviec", "health"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("Cơ sở dữ liệu: KHÔNG kết nối được (")
    assert result.stdout.splitlines()[-1] == "Tình trạng: LỖI."
