"""Reminder texts, pure: Vietnamese wording, day counts, escaping, Telegram's size limits."""

from __future__ import annotations

from datetime import date, time

from bot.i18n import translator
from bot.render.fit import MESSAGE_LIMIT as MAX_TEXT
from bot.render.items import deadline_phrase
from scheduler.render import ItemView, render_blocked, render_escalation, render_reminder

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
    assert [deadline_phrase(VI, days) for days in (3, 1, 0, -1, -12)] == [
        "còn 3 ngày",
        "còn 1 ngày",
        "hạn chót là hôm nay",
        "quá hạn 1 ngày",
        "quá hạn 12 ngày",
    ]
    assert deadline_phrase(translator("en"), -2) == "2 days late"


def test_a_single_reminder_says_what_for_whom_and_by_when() -> None:
    message = render_reminder(unit_name="Ban Tuyên giáo Tỉnh ủy", items=[item(due_time=time(10, 0))], tr=VI)
    assert message.text.splitlines()[:3] == [
        "🔔 <b>Nhắc việc</b> — Ban Tuyên giáo Tỉnh ủy",
        "<b>M05</b> Hoàn thành dự thảo Báo cáo chính trị",
        "Hạn: 10:00 Thứ Sáu, 15/05/2020 — còn 3 ngày",
    ]
    assert [[(b.text, b.callback_data) for b in row] for row in message.buttons] == [[("✅ Đã hoàn thành", "done:42"),
                                                                                     ("🕒 Xin gia hạn", "ext:42")]]


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


def test_with_several_plans_a_digest_groups_its_items_under_each_plan() -> None:
    items = [item("M03", days_left=-9, plan="DB-CT35-2019", assignment_id=1),
             item("M16", days_left=3, plan="DB-CT35-2019", assignment_id=2),
             item("M03", days_left=8, plan="15-KH/TU", title="Báo cáo quý", assignment_id=3)]
    message = render_reminder(unit_name="Huyện ủy Điện Biên", items=items, tr=VI)
    lines = message.text.splitlines()
    assert lines[0] == "🔔 <b>Nhắc việc</b> — Huyện ủy Điện Biên: 3 việc"
    assert lines[1] == "📋 <b>DB-CT35-2019</b>" and lines[2].startswith("1. <b>M03</b> ")
    assert lines[4].startswith("2. <b>M16</b> ")
    assert lines[6] == "📋 <b>15-KH/TU</b>" and lines[7] == "3. <b>M03</b> Báo cáo quý"
    # Two items share a code: their buttons say which plan; the others stay short.
    assert [(b.text, b.callback_data) for row in message.buttons for b in row] == [
        ("✅ M03 · DB-CT35-2019", "done:1"), ("✅ M16", "done:2"), ("✅ M03 · 15-KH/TU", "done:3")]


def test_with_several_plans_a_single_reminder_and_an_escalation_name_the_plan() -> None:
    single = render_reminder(unit_name="Xã A", items=[item(plan="15-KH/TU")], tr=VI).text.splitlines()
    assert single[:3] == ["🔔 <b>Nhắc việc</b> — Xã A", "📋 <b>15-KH/TU</b>",
                          "<b>M05</b> Hoàn thành dự thảo Báo cáo chính trị"]
    escalation = render_escalation(parent_name="Huyện ủy", tr=VI, items=[
        item("M01", days_left=-1, unit_name="Xã A", plan="15-KH/TU"),
        item("M02", days_left=-9, unit_name="Xã B", plan="DB-CT35-2019")]).text.splitlines()
    assert escalation[2:] == ["📋 <b>DB-CT35-2019</b>", "1. <b>Xã B</b>: M02 Hoàn thành dự thảo Báo cáo chính trị",
                              "    Hạn: Thứ Sáu, 15/05/2020 — quá hạn 9 ngày",
                              "📋 <b>15-KH/TU</b>", "2. <b>Xã A</b>: M01 Hoàn thành dự thảo Báo cáo chính trị",
                              "    Hạn: Thứ Sáu, 15/05/2020 — quá hạn 1 ngày"]


def test_a_plan_label_is_escaped_and_the_longest_digest_still_fits() -> None:
    items = [item(f"M{n:02d}", title="Rất dài " * 80, plan=f"KH<{n % 3}>&" + "X" * 20, assignment_id=n)
             for n in range(15)]
    message = render_reminder(unit_name="Đảng bộ xã", items=items, tr=VI)
    assert "📋 <b>KH&lt;0&gt;&amp;" in message.text and len(message.text) <= MAX_TEXT
    assert sum(len(row) for row in message.buttons) == 15
