"""`nhacviec calendar add|remove|list|import`: declared days in Vietnamese, bad input refused with nothing changed,
reminders re-planned. The declared days are fixtures of this file, not official decisions."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.calendar_file import read_calendar, read_calendar_file
from bot.models import CalendarDay, Event, Reminder
from bot.settings import PROJECT_ROOT
from bot.workdays import DeclaredDay
from tests.bot.cli_runs import Invoke, cli_at, in_database

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = "2027-03-01T09:00:00+07:00"  # a Monday
PLAN = ("plan: {code: KH-THU, title: Kế hoạch thử}\n"
        "units:\n  - {code: TU, name: Tỉnh ủy, kind: province_committee}\n"
        "milestones:\n  - {code: M01, title: Báo cáo quý, due: 05/03/2027, units: [TU]}\n")  # a Friday
CALENDAR = """\
# Ví dụ trong test, không phải quyết định thật.
days_off:
  - {date: 04/03/2027, note: Nghỉ thêm (ví dụ)}
  - 2027-03-08
working_days:
  - date: 13/03/2027
    note: Làm bù (ví dụ)
"""


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    return cli_at(NOW, database_url, monkeypatch)



def stored(database_url: str) -> list[tuple[date, bool, str | None]]:
    async def body(session: AsyncSession) -> list[tuple[date, bool, str | None]]:
        rows = await session.execute(
            select(CalendarDay.day, CalendarDay.working, CalendarDay.note).order_by(CalendarDay.day))
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]

    return in_database(database_url, body)


def pending_days(database_url: str) -> dict[str, date]:
    async def body(session: AsyncSession) -> dict[str, date]:
        rows = await session.execute(select(Reminder.step, Reminder.fire_at).where(Reminder.status == "pending"))
        return {step: fire_at.astimezone(VN).date() for step, fire_at in rows.all()}

    return in_database(database_url, body)


def test_add_list_remove(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "kh.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    assert cli("import", str(plan)).exit_code == 0
    assert pending_days(database_url)["d1:2027-03-05"] == date(2027, 3, 4)

    added = cli("calendar", "add", "04/03/2027", "--off", "--note", "Nghỉ thêm (ví dụ)")
    assert added.exit_code == 0, added.output
    lines = added.stdout.splitlines()
    assert lines[0] == "Đã khai báo Thứ Năm, 04/03/2027 là ngày nghỉ (Nghỉ thêm (ví dụ))."
    assert lines[1].startswith("Đã lập lại nhắc việc: ghi 1,")
    assert pending_days(database_url)["d1:2027-03-05"] == date(2027, 3, 3)  # moved to the working day before

    again = cli("calendar", "add", "04/03/2027", "--off", "--note", "Nghỉ thêm (ví dụ)")
    assert again.stdout == "Thứ Năm, 04/03/2027 đã được khai báo như vậy: không có gì thay đổi.\n"
    saturday = cli("calendar", "add", "13/03/2027", "--work")
    assert saturday.stdout == "Đã khai báo Thứ Bảy, 13/03/2027 là ngày làm việc.\n"
    sunday = cli("calendar", "add", "14/03/2027", "--off")
    assert sunday.stdout.splitlines()[1] == "Lưu ý: ngày này vốn đã là ngày nghỉ (Chủ nhật)."

    listing = cli("calendar", "list", "--year", "2027").stdout.splitlines()
    assert listing[0] == "Lịch làm việc năm 2027: 249 ngày làm việc."  # one day off more, one working Saturday
    assert "Thứ Năm, 04/03/2027      nghỉ       Nghỉ thêm (ví dụ) (đã khai báo)" in listing
    assert "Thứ Bảy, 13/03/2027      làm việc   Ngày làm bù (đã khai báo)" in listing
    assert "Thứ Bảy, 06/02/2027      nghỉ       Tết Nguyên Đán" in listing
    assert listing[-1] == "Thứ Bảy, Chủ nhật là ngày nghỉ, trừ ngày ghi là làm việc."

    removed = cli("calendar", "remove", "04/03/2027")
    assert removed.stdout.splitlines()[:2] == ["Đã bỏ khai báo ngày Thứ Năm, 04/03/2027.",
                                              "Thứ Năm, 04/03/2027 nay là ngày làm việc."]
    assert pending_days(database_url)["d1:2027-03-05"] == date(2027, 3, 4)  # back
    missing = cli("calendar", "remove", "04/03/2027")
    assert missing.exit_code == 1 and "Thứ Năm, 04/03/2027 chưa được khai báo: không có gì để bỏ." in missing.stderr
    assert [day for day, _working, _note in stored(database_url)] == [date(2027, 3, 13), date(2027, 3, 14)]

    def events(session: AsyncSession):  # type: ignore[no-untyped-def]
        return session.execute(select(Event.details).where(Event.kind == "calendar"))

    assert len(in_database(database_url, lambda session: _all(events(session)))) == 4  # add, add, add, remove


async def _all(result):  # type: ignore[no-untyped-def]
    return (await result).scalars().all()


@pytest.mark.parametrize(("args", "message"), [
    (["add", "31/02/2027", "--off"], 'ngày "31/02/2027" không tồn tại (tháng 2 năm 2027 có 28 ngày)'),
    (["add", "tháng 3/2027", "--off"], '"tháng 3/2027" không phải là ngày: hãy viết ngày/tháng/năm, ví dụ 15/05/2020'),
    (["add", "04/03/2027"], "Hãy chọn một: --off (ngày nghỉ) hoặc --work (ngày làm việc)."),
    (["add", "04/03/2027", "--off", "--work"], "Hãy chọn một: --off (ngày nghỉ) hoặc --work (ngày làm việc)."),
    (["add", "04/03/2027", "--off", "--note", "x" * 256], "Ghi chú dài quá 255 ký tự."),
    (["add", "04/03/3027", "--off"], 'ngày "04/03/3027" nằm ngoài khoảng năm 1990–2100'),
    (["remove", "30/02/2027"], 'ngày "30/02/2027" không tồn tại'),
    (["list", "--year", "3000"], "Năm phải trong khoảng 1990 – 2100."),
])
def test_bad_input_is_refused_clearly_and_changes_nothing(  # type: ignore[no-untyped-def]
        cli, database_url: str, args: list[str], message: str) -> None:
    assert cli("calendar", "list").exit_code == 0  # the database exists (and is migrated)
    result = cli("calendar", *args)
    assert result.exit_code == 1 and result.stdout == ""
    assert message in result.stderr, result.stderr
    assert stored(database_url) == []


def test_import_a_calendar_file(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    calendar = tmp_path / "lich.yaml"
    calendar.write_text(CALENDAR, encoding="utf-8")
    first = cli("calendar", "import", str(calendar))
    assert first.exit_code == 0, first.output
    assert first.stdout == f"Tệp lịch {calendar}: thêm 3, sửa 0, không đổi 0.\n"
    assert stored(database_url) == [(date(2027, 3, 4), False, "Nghỉ thêm (ví dụ)"), (date(2027, 3, 8), False, None),
                                    (date(2027, 3, 13), True, "Làm bù (ví dụ)")]
    again = cli("calendar", "import", str(calendar))
    assert again.stdout == f"Tệp lịch {calendar}: thêm 0, sửa 0, không đổi 3.\n"

    bad = tmp_path / "sai.yaml"
    bad.write_text("days_of:\n  - 01/01/2028\nworking_days:\n  - 31/02/2028\n  - {date: 05/02/2028, ghi_chu: x}\n"
                   "  - 13/03/2027\n", encoding="utf-8")
    refused = cli("calendar", "import", str(bad))
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f'{bad}:1: không có mục days_of: tệp lịch có days_off: và working_days: (có phải "days_off"?)',
        f'{bad}:4: ngày "31/02/2028" không tồn tại (tháng 2 năm 2028 có 29 ngày)',
        f"{bad}:5: một ngày không có trường ghi_chu: dùng date: và note:",
    ]
    assert len(stored(database_url)) == 3  # nothing written
    missing = cli("calendar", "import", str(tmp_path / "khong-co.yaml"))
    assert missing.exit_code == 1 and missing.stderr.strip().endswith("không tìm thấy tệp")


def test_the_calendar_file_reader() -> None:
    read = read_calendar(CALENDAR)
    assert read.ok and read.days == [DeclaredDay(date(2027, 3, 4), False, "Nghỉ thêm (ví dụ)"),
                                     DeclaredDay(date(2027, 3, 8), False, None),
                                     DeclaredDay(date(2027, 3, 13), True, "Làm bù (ví dụ)")]
    twice = read_calendar("days_off: [04/03/2027]\nworking_days: [2027-03-04]\n")
    assert [problem.line for problem in twice.problems] == [2] and not twice.ok
    assert not read_calendar("").ok and not read_calendar("days_off: 04/03/2027\n").ok
    assert not read_calendar("- 04/03/2027\n").ok
    shipped = read_calendar_file(PROJECT_ROOT / "plans" / "calendar.yaml")  # the documented template
    assert shipped.ok and shipped.days == []
