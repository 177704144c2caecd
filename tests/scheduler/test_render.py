"""Reminder texts, pure: Vietnamese wording, day counts, escaping, Telegram's size limits."""

from __future__ import annotations

from datetime import date, time

from bot.i18n import translator
from scheduler.render import MAX_TEXT, ItemView, deadline_phrase, render_blocked, render_escalation, render_reminder

VI = translator("vi")


def item(
    code: str = "M05", *, days_left: int = 3, title: str = "Hoàn thành dự thảo Báo cáo chính trị", **kw: object
) -> ItemView:
    fields: dict[str, object] = dict(
        assignment_id=42,
        code=code,
        title=title,
        unit_name="Ban Tuyên giáo Tỉnh ủy",
        due_date=date(2020, 5, 15),
        due_time=None,
        days_left=days_left,
    )
    fields.update(kw)
    return ItemView(**fields)  # type: ignore[arg-type]


def test_days_are_counted_not_rounded() -> None:
    assert [deadline_phrase(days, VI) for days in (3, 1, 0, -1, -12)] == [
        "còn 3 ngày",
        "còn 1 ngày",
        "hạn chót là hôm nay",
        "quá hạn 1 ngày",
        "quá hạn 12 ngày",
    ]
    assert deadline_phrase(-2, translator("en")) == "2 days overdue"


def test_a_single_reminder_says_what_for_whom_and_by_when() -> None:
    message = render_reminder(unit_name="Ban Tuyên giáo Tỉnh ủy", items=[item(due_time=time(10, 0))], tr=VI)
    assert message.text.splitlines()[:3] == [
        "🔔 <b>Nhắc việc</b> — Ban Tuyên giáo Tỉnh ủy",
        "<b>M05</b> Hoàn thành dự thảo Báo cáo chính trị",
        "Hạn: 10:00 Thứ Sáu, 15/05/2020 — còn 3 ngày",
    ]
    assert [[(b.text, b.callback_data) for b in row] for row in message.buttons] == [[("✅ Đã hoàn thành", "done:42")]]


def test_plan_text_is_escaped_for_html() -> None:
    message = render_reminder(unit_name="Chi bộ <A&B>", items=[item(title="Sửa <điều lệ> & quy chế")], tr=VI)
    assert "Chi bộ &lt;A&amp;B&gt;" in message.text and "Sửa &lt;điều lệ&gt; &amp; quy chế" in message.text


def test_a_long_digest_stays_within_telegram_limits() -> None:
    items = [item(f"M{n:02d}", title="Rất dài " * 80) for n in range(15)]
    message = render_reminder(unit_name="Đảng bộ xã", items=items, tr=VI)
    assert len(message.text) <= MAX_TEXT
    assert sum(len(row) for row in message.buttons) == 15
    assert all(len(b.callback_data.encode()) <= 64 for row in message.buttons for b in row)


def test_an_escalation_lists_the_latest_first() -> None:
    message = render_escalation(
        parent_name="Huyện ủy Điện Biên",
        items=[item("M01", days_left=-1, unit_name="Xã A"), item("M02", days_left=-9, unit_name="Xã B")],
        tr=VI,
    )
    lines = message.text.splitlines()
    assert lines[0] == "⚠️ <b>Đơn vị trễ hạn</b> — Huyện ủy Điện Biên"
    assert lines[2].startswith("1. <b>Xã B</b>: M02") and "quá hạn 9 ngày" in lines[3]
    assert message.buttons == ()


def test_blocked_notice() -> None:
    text = render_blocked(member_name="Lò Văn A", unit_name="Xã A", tr=VI).text
    assert text.startswith("⛔ <b>Lò Văn A</b> (Xã A) đã chặn bot")
