"""`nhacviec plan close` stops a finished plan's reminders and keeps its history; `plan reopen` brings them back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Assignment, Event, Milestone, Plan, Reminder
from bot.settings import PROJECT_ROOT, Settings
from bot.timeutil import FixedClock
from scheduler import plan_all
from tests.bot.cli_runs import Invoke, cli_at, in_database

SAMPLE = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")
NOW = "2020-05-04T09:00:00+07:00"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    return cli_at(NOW, database_url, monkeypatch)



def pending(database_url: str) -> set[tuple[int, str]]:
    async def body(session: AsyncSession) -> set[tuple[int, str]]:
        rows = await session.execute(select(Reminder.assignment_id, Reminder.step).where(Reminder.status == "pending"))
        return {(assignment_id, step) for assignment_id, step in rows.all()}

    return in_database(database_url, body)


def table(database_url: str, model: type) -> list[tuple[object, ...]]:
    async def body(session: AsyncSession) -> list[tuple[object, ...]]:
        columns = model.__table__.columns  # type: ignore[attr-defined]
        return [tuple(row) for row in (await session.execute(select(*columns).order_by(columns.id))).all()]

    return in_database(database_url, body)


def test_close_stops_the_reminders_and_reopen_brings_them_back(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", SAMPLE).exit_code == 0
    planned = pending(database_url)
    assignments = table(database_url, Assignment)
    assert len(planned) > 100

    closed = cli("plan", "close", "db-ct35-2019")
    assert closed.exit_code == 0, closed.output
    assert closed.stdout == (f"Đã đóng kế hoạch DB-CT35-2019: hủy {len(planned)} nhắc việc chưa gửi; "
                             "lịch sử và báo cáo vẫn giữ nguyên.\n")
    assert pending(database_url) == set()
    assert table(database_url, Assignment) == assignments  # history untouched
    assert "đã đóng" in cli("plans").stdout.splitlines()[0]

    # Neither the startup planner nor an import of the file plans anything for a closed plan.
    settings = Settings(_env_file=None, database_url=database_url)

    async def startup(session: AsyncSession) -> None:
        await plan_all(session, settings=settings, clock=FixedClock(settings.fake_now))  # type: ignore[arg-type]
        await session.commit()

    in_database(database_url, startup)
    assert pending(database_url) == set()
    moved = tmp_path / "moved.yaml"
    moved.write_text(Path(SAMPLE).read_text(encoding="utf-8").replace("    due: 15/05/2020\n",
                                                                      "    due: 22/05/2020\n", 1),
                     encoding="utf-8")
    again = cli("import", str(moved))
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == (
        "Kế hoạch này đã đóng: không nhắc việc nào của nó (mở lại: nhacviec plan reopen DB-CT35-2019).")
    assert pending(database_url) == set()
    assert cli("import", SAMPLE).exit_code == 0  # back to the original dates

    assert cli("plan", "close", "DB-CT35-2019").stdout == "Kế hoạch DB-CT35-2019 đã đóng từ trước.\n"
    reopened = cli("plan", "reopen", "DB-CT35-2019")
    assert reopened.exit_code == 0, reopened.output
    assert reopened.stdout.startswith("Đã mở lại kế hoạch DB-CT35-2019: lập ")
    assert pending(database_url) == planned  # the same ladder as before, nothing sent twice
    events = [row for row in table(database_url, Event) if row[2] in ("plan_close", "plan_reopen")]
    assert [row[2] for row in events] == ["plan_close", "plan_reopen"]


def test_closing_one_plan_leaves_the_others_reminders(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "kh-thang.yaml"
    other.write_text("plan: {code: KH-THANG, title: Báo cáo tháng}\nmilestones:\n"
                     "  - {code: M01, title: Báo cáo tháng 5, due: 20/05/2020, units: [VP-TU]}\n", encoding="utf-8")
    assert cli("import", SAMPLE).exit_code == 0
    assert cli("import", str(other)).exit_code == 0
    before = pending(database_url)
    assert cli("plan", "close", "KH-THANG").exit_code == 0
    async def first_plans(session: AsyncSession) -> set[int]:
        return set((await session.execute(
            select(Assignment.id).join(Milestone).join(Plan).where(Plan.code == "DB-CT35-2019"))).scalars())

    kept_ids = in_database(database_url, first_plans)
    assert pending(database_url) == {row for row in before if row[0] in kept_ids}
    assert {row for row in before if row[0] not in kept_ids}  # the closed plan did have reminders


def test_an_unknown_plan_is_named(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "close", "KHONG-CO")
    assert (result.exit_code, result.stderr) == (1, "Không có kế hoạch mã KHONG-CO.\n")
    assert cli("plans").stdout == "Chưa có kế hoạch nào: hãy nhập một kế hoạch (nhacviec import plans/<tệp>.yaml).\n"
