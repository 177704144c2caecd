"""The supervisor's summary after 📣: hundreds of late units fit one message, counted, the first ones named."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from bot.i18n import translator
from bot.models import Milestone
from bot.progress import Item
from bot.status import Status
from bot.urging import UrgePlan, UrgeTarget
from handlers.render import MESSAGE_LIMIT
from handlers.reports import urge_summary, urge_text

DAY = timedelta(hours=24)


def late(number: int, code: str) -> Item:
    return Item(assignment_id=number, milestone_id=15, milestone_code="M15", title="Duyệt báo cáo",
                due_date=date(2020, 3, 31), status=Status.overdue, days_left=-42, unit_id=number,
                unit_code=code, unit_name=f"Đảng ủy xã {number}")


def plan_of(targets: int, cooled: int, unreachable: int) -> UrgePlan:
    code = "DU-XA-{:03d}-" + "X" * 54  # unit codes are up to 64 characters
    items = [late(n, code.format(n)) for n in range(targets + cooled + unreachable)]
    return UrgePlan(milestone=Milestone(id=15, code="M15", title="Duyệt báo cáo", due_date=date(2020, 3, 31)),
                    targets=[UrgeTarget(item=i, recipients=[]) for i in items[:targets]],
                    cooled=items[targets:targets + cooled], unreachable=items[targets + cooled:])


def test_three_hundred_late_units_fit_one_message_with_the_real_count() -> None:
    t = translator("vi")
    lines = urge_summary(t, plan_of(300, 300, 300), units_reached=297, people=310, cooldown=DAY)
    assert len(escape("\n".join(lines))) <= MESSAGE_LIMIT
    assert lines[0] == "📣 M15: đã đôn đốc 297 đơn vị chậm (310 người nhận)."
    cooled, unreachable = lines[1:]
    # Names, not codes: people read them.
    assert cooled.startswith("Đã được đôn đốc trong 24 giờ qua: Đảng ủy xã 300,") and "Đảng ủy xã 319" in cooled
    assert "Đảng ủy xã 320" not in cooled and "DU-XA-" not in cooled and cooled.endswith(" và 280 đơn vị khác")
    assert unreachable.startswith("Chưa có thư ký đăng ký: Đảng ủy xã 600,")
    assert unreachable.endswith(" và 280 đơn vị khác")


def test_a_few_units_are_all_named() -> None:
    t = translator("en")
    lines = urge_summary(t, plan_of(1, 2, 20), units_reached=1, people=1, cooldown=DAY)
    assert lines[0].startswith("📣 M15: urged 1 late unit (")
    assert lines[1].count("Đảng ủy xã ") == 2 and "other" not in lines[1]
    assert lines[2].count("Đảng ủy xã ") == 20 and "other" not in lines[2]
    more = urge_summary(t, plan_of(0, 0, 21), units_reached=0, people=0, cooldown=DAY)
    assert more[1].endswith(" and 1 other unit")
    assert urge_summary(t, plan_of(0, 0, 0), units_reached=0, people=0, cooldown=DAY) == ["M15: no late units."]


def test_the_urged_unit_is_named_not_coded() -> None:
    text = urge_text(translator("vi"), "Hùng", late(7, "DU-XA-007"))
    assert text.splitlines()[0] == "📣 <b>Hùng đôn đốc</b>: <b>Đảng ủy xã 7</b> chưa hoàn thành <b>M15</b>."
    assert "DU-XA-007" not in text
