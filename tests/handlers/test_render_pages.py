"""Rendering: a 60-unit supervisor view pages into messages within Telegram's 4096 characters."""

from __future__ import annotations

from datetime import date

from bot.i18n import translator
from bot.models import Milestone, Unit
from bot.progress import Item, MilestoneProgress, Rates, item_rates
from bot.status import Status
from handlers.keyboards import list_keyboard
from handlers.render import MESSAGE_LIMIT, breakdown_lines, item_line, paginate, subtree_lines


def test_sixty_unit_views_page_under_the_limit() -> None:
    t = translator("vi")
    root = Unit(id=1, code="TU", name="Tỉnh ủy <Điện Biên>", path="/1/")
    progress = [MilestoneProgress(milestone_id=i, code=f"M{i:02d}", title="Tổ chức đại hội " * 12,
                                  due_date=date(2020, 5, 15), total=60, done=i, reported=0, is_due=True,
                                  late_units=[f"Đảng ủy xã số {u:02d}" for u in range(60 - i)]) for i in range(1, 29)]
    pages = paginate(subtree_lines(t, root, progress, Rates(1680, 400, 1680, 400)))
    assert len(pages) > 1
    assert all(len(page) <= MESSAGE_LIMIT for page in pages)
    assert "Tỉnh ủy &lt;Điện Biên&gt;" in pages[0]
    assert "".join(pages).count("<b>M") == 28  # nothing lost between pages

    milestone = Milestone(id=5, code="M05", title="Việc & việc", due_date=date(2020, 5, 15))
    items = [Item(assignment_id=u, milestone_id=5, milestone_code="M05", title="x", due_date=date(2020, 5, 15),
                  status=Status.overdue, days_left=-2, unit_id=u, unit_code=f"DV-{u:02d}", unit_name=f"Đơn vị {u:02d}")
             for u in range(60)]
    unit_pages = paginate(breakdown_lines(t, milestone, items, item_rates(items)))
    assert all(len(page) <= MESSAGE_LIMIT for page in unit_pages)
    assert "".join(unit_pages).count("<b>Đơn vị ") == 60 and "DV-" not in "".join(unit_pages)  # names, not codes
    keyboard = list_keyboard(kind="m", arg=5, page=0, pages=3)
    assert [b.callback_data for b in keyboard.inline_keyboard[-1]] == ["pg:m:5:0", "pg:m:5:1"]


def test_item_line_in_vietnamese() -> None:
    item = Item(assignment_id=1, milestone_id=1, milestone_code="M16", title="Đại hội <cơ sở>",
                due_date=date(2020, 5, 15), status=Status.due_soon, days_left=3, unit_id=1, unit_code="HU",
                unit_name="HU")
    assert item_line(translator("vi"), item) == (
        "🟠 <b>M16</b> Đại hội &lt;cơ sở&gt;\n    hạn Thứ Sáu, 15/05/2020 · sắp đến hạn · còn 3 ngày")
