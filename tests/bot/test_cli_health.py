"""`nhacviec health`: database reachable and migrated → exit 0 with the next reminder and failed sends; else 1."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.i18n import translator
from bot.models import Reminder, ReminderDelivery, ReminderDigest
from bot.plans.importer import run_import
from bot.plans.validate import read_plan
from bot.schema import alembic_config
from bot.settings import PROJECT_ROOT, Settings
from bot.timeutil import FixedClock
from bot.units import get_unit_by_code
from scheduler import replan_after_import

SAMPLE = PROJECT_ROOT / "plans" / "dien-bien-2019.yaml"


async def _health(database_url: str) -> Result:
    """The CLI runs its own event loop (asyncio.run): from an async test it goes to a worker thread."""
    return await asyncio.to_thread(CliRunner().invoke, app, ["--database-url", database_url, "health"])


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def test_healthy_database_reports_next_reminder_and_failed_sends(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock, database_url: str
) -> None:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    now = clock.now()
    await run_import(session_factory=session_factory, plan=plan, now=now, dry_run=False,
                     after=replan_after_import(settings=settings, clock=clock))
    async with session_factory() as session:
        next_at = (await session.execute(
            select(func.min(Reminder.fire_at)).where(Reminder.status == "pending"))).scalar_one()
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None and unit.id is not None
        digest = ReminderDigest(kind="reminder", unit_id=unit.id, created_at=now)
        session.add(digest)
        await session.flush()
        assert digest.id is not None
        for status in ("failed", "failed", "sent"):
            session.add(ReminderDelivery(digest_id=digest.id, chat_id=5_000_000_000, status=status,
                                         next_attempt_at=now, finished_at=now, created_at=now))
        await session.commit()
    assert next_at is not None

    result = await _health(database_url)

    assert result.exit_code == 0, result.output
    t = translator("vi")
    assert result.stdout.splitlines()[1:] == [
        f"Phiên bản lược đồ: {_head()} (mới nhất).",
        f"Nhắc việc kế tiếp: {t.datetime(next_at, settings.tz)} (Asia/Ho_Chi_Minh).",
        "Lượt gửi thất bại: 2.",
        "Tình trạng: tốt.",
    ]
    assert result.stdout.startswith("Cơ sở dữ liệu: kết nối được (")


async def test_empty_migrated_database_is_healthy(session_factory: async_sessionmaker[AsyncSession],
                                                  database_url: str) -> None:
    result = await _health(database_url)
    assert result.exit_code == 0, result.output
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
    assert result.stdout.splitlines() == [f"Cơ sở dữ liệu: KHÔNG kết nối được (không có tệp {path}).", "Tình trạng: LỖI."]
    assert not path.exists()


def test_unreachable_postgres_server_exits_1() -> None:
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    result = CliRunner().invoke(app, ["--database-url", "postgresql+asyncpg://nhacviec@127.0.0.1:1/nhacviec", "health"])
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("Cơ sở dữ liệu: KHÔNG kết nối được (")
    assert result.stdout.splitlines()[-1] == "Tình trạng: LỖI."
