"""A reminder says when its due date is a day off: the deadline stays as the plan wrote it."""

from __future__ import annotations

from datetime import date

from bot.i18n import translator
from scheduler.render import ItemView, due_line


def item(*, day_off: bool) -> ItemView:
    return ItemView(assignment_id=1, code="M01", title="Báo cáo", unit_name="Xã A", due_date=date(2027, 3, 14),
                    due_time=None, days_left=2, due_day_off=day_off)


def test_a_due_date_on_a_day_off_is_said_to_be_one() -> None:
    assert due_line(item(day_off=True), translator("vi")) == "Hạn: Chủ Nhật, 14/03/2027 (ngày nghỉ) — còn 2 ngày"
    assert due_line(item(day_off=True), translator("en")).endswith("14/03/2027 (day off) — 2 days left")
    assert "(ngày nghỉ)" not in due_line(item(day_off=False), translator("vi"))
