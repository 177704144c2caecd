"""Views that mix plans, pure: items under their plan's short label, the "which plan?" question, /kehoach's list,
the weekly digest — and, with one plan (no labels), exactly the lines of before."""

from __future__ import annotations

from datetime import date

from bot.i18n import translator
from bot.models import Plan, Unit
from bot.plan_views import group_by_plan, labels_of, split_code
from bot.progress import Item, MilestoneProgress, Rates, item_rates
from bot.status import Status
from handlers.render import action_label, pick_text, plan_list_lines, subtree_lines, unit_lines
from handlers.reports import digest_lines

VI = translator("vi")
UNIT = Unit(id=1, code="HU-DIENBIEN", name="Huyện ủy Điện Biên", path="/1/")
TITLE = ("Kế hoạch thực hiện chế độ thông tin, báo cáo định kỳ của các huyện, thị, thành ủy và đảng ủy trực thuộc "
         "Tỉnh ủy Điện Biên trong quý II năm 2020")
SAMPLE = Plan(id=1, code="DB-CT35-2019", title="Kế hoạch thực hiện Chỉ thị số 35-CT/TW")
SECOND = Plan(id=2, code="DB-BC-2020", number="15-KH/TU", title=TITLE)
LABELS = {1: "DB-CT35-2019", 2: "15-KH/TU"}


def item(code: str, plan_id: int, days_left: int = 3, status: Status = Status.due_soon) -> Item:
    return Item(assignment_id=10 * plan_id + int(code[1:]), milestone_id=10 * plan_id + int(code[1:]),
                milestone_code=code, title=f"Việc {code} của kế hoạch {plan_id}", due_date=date(2020, 5, 15),
                status=status, days_left=days_left, unit_id=1, unit_code="HU-DIENBIEN", unit_name="Huyện ủy",
                plan_id=plan_id)


def progress(code: str, plan_id: int, *, late: bool = False) -> MilestoneProgress:
    return MilestoneProgress(milestone_id=10 * plan_id + int(code[1:]), code=code, title=f"Mốc {code}",
                             due_date=date(2020, 5, 15), total=2, done=0, reported=0, is_due=late,
                             late_units=["Huyện ủy Điện Biên"] if late else [], plan_id=plan_id)


def test_a_secretarys_items_are_grouped_under_short_plan_labels() -> None:
    items = [item("M03", 1, -225, Status.overdue), item("M01", 2, 2), item("M16", 1, 3), item("M03", 2, 8)]
    lines = unit_lines(VI, UNIT, items, item_rates(items), LABELS)
    headings = [n for n, line in enumerate(lines) if line.startswith("📋")]
    assert [lines[n] for n in headings] == ["📋 <b>DB-CT35-2019</b>", "📋 <b>15-KH/TU</b>"]
    first, second = lines[headings[0] + 1:headings[1]], lines[headings[1] + 1:]
    assert [line.split("</b>")[0].rsplit("<b>", 1)[1] for line in first] == ["M03", "M16"]
    assert [line.split("</b>")[0].rsplit("<b>", 1)[1] for line in second] == ["M01", "M03"]
    assert not any(TITLE[:40] in line for line in lines)  # the label, never the thirty-word title


def test_with_one_plan_nothing_is_added() -> None:
    items = [item("M03", 1, -225, Status.overdue), item("M16", 1, 3)]
    assert unit_lines(VI, UNIT, items, item_rates(items), {}) == unit_lines(VI, UNIT, items, item_rates(items))
    assert len(unit_lines(VI, UNIT, items, item_rates(items))) == 4  # header, rates, two items: as before plans
    milestones = [progress("M01", 1, late=True), progress("M02", 1)]
    plain = subtree_lines(VI, UNIT, milestones, Rates(4, 0, 2, 0))
    assert subtree_lines(VI, UNIT, milestones, Rates(4, 0, 2, 0), {}) == plain
    assert not any(line.startswith("📋") for line in plain)
    week = digest_lines(VI, UNIT, milestones, Rates(4, 0, 2, 0), date(2020, 5, 12))
    assert week == digest_lines(VI, UNIT, milestones, Rates(4, 0, 2, 0), date(2020, 5, 12), {})
    assert not any(line.startswith("📋") for line in week)


def test_a_supervisors_subtree_and_weekly_digest_group_by_plan() -> None:
    milestones = [progress("M01", 1, late=True), progress("M01", 2), progress("M02", 1)]
    lines = subtree_lines(VI, UNIT, milestones, Rates(6, 0, 2, 0), LABELS)
    assert lines[2] == "📋 <b>DB-CT35-2019</b>" and "<b>M02</b>" in lines[4] and lines[5] == "📋 <b>15-KH/TU</b>"
    week = digest_lines(VI, UNIT, milestones, Rates(6, 0, 2, 0), date(2020, 5, 12), LABELS)
    assert week[2] == "📋 <b>DB-CT35-2019</b>" and "<b>M02</b>" in week[4] and week[5] == "📋 <b>15-KH/TU</b>"
    assert week[-1] == "Báo cáo đầy đủ: /baocao"


def test_buttons_name_the_plan_only_where_codes_repeat() -> None:
    codes = ["M03", "M16", "M03"]
    assert action_label("✅", "M03", 2, LABELS, codes) == "✅ M03 · 15-KH/TU"
    assert action_label("✅", "M16", 1, LABELS, codes) == "✅ M16"
    assert action_label("✅", "M03", 1, {}, codes) == "✅ M03"  # one plan: no label to give


def test_which_plan_question_and_the_commands_to_send_again() -> None:
    question = pick_text(VI, "M03", [(SAMPLE, "DB-CT35-2019"), (SECOND, "15-KH/TU")])
    lines = question.splitlines()
    assert lines[0] == "❓ <b>M03</b> có trong 2 kế hoạch. Bạn chọn kế hoạch nào?"
    assert lines[2].startswith("📋 <b>15-KH/TU</b> Kế hoạch thực hiện chế độ") and lines[2].endswith("…")
    assert len(lines) == 3
    again = pick_text(VI, "M03", [(SAMPLE, "DB-CT35-2019"), (SECOND, "15-KH/TU")], ("/xong", "đã gửi <b>"))
    assert again.splitlines()[0].endswith("Hãy gửi lại, ghi rõ kế hoạch:")
    assert "    <code>/xong DB-BC-2020:M03 đã gửi &lt;b&gt;</code>" in again.splitlines()
    assert len(pick_text(VI, "M03", [(SAMPLE, "A"), (SECOND, "B")], ("/xong", "x" * 4000))) < 1000


def test_the_plan_list_gives_each_plans_progress() -> None:
    lines = plan_list_lines(VI, [(SAMPLE, "DB-CT35-2019", 3, 232), (SECOND, "15-KH/TU", 0, 0)])
    assert lines[0] == "📋 <b>Kế hoạch đang thực hiện</b>: 2"
    assert lines[1] == ("1. <b>DB-CT35-2019</b> Kế hoạch thực hiện Chỉ thị số 35-CT/TW\n"
                        "    Hoàn thành 3/232 (1%)")
    assert lines[2].endswith("    không có việc của đơn vị bạn")
    assert plan_list_lines(VI, [])[1] == "Chưa có kế hoạch nào đang thực hiện."


def test_codes_qualified_with_their_plan() -> None:
    assert split_code("M01") == (None, "M01")
    assert split_code(" DB-BC-2020:M01 ") == ("DB-BC-2020", "M01")
    assert split_code("15-KH/TU/M01") == ("15-KH/TU", "M01")  # a label with its own "/"
    assert split_code("15-KH/TU:M01") == ("15-KH/TU", "M01")
    assert split_code("DB-BC-2020:") == ("DB-BC-2020", "")


def test_labels_and_groups() -> None:
    twin = Plan(id=3, code="DB-BC-2021", number="15-KH/TU", title="Năm sau")
    assert labels_of([SAMPLE, SECOND]) == LABELS
    assert labels_of([SAMPLE, SECOND, twin]) == {1: "DB-CT35-2019", 2: "DB-BC-2020", 3: "DB-BC-2021"}
    groups = group_by_plan([("a", 2), ("b", 1), ("c", 2)], lambda pair: pair[1], LABELS)
    assert groups == [("DB-CT35-2019", [("b", 1)]), ("15-KH/TU", [("a", 2), ("c", 2)])]
    assert group_by_plan([("a", 2)], lambda pair: pair[1], {}) == [("", [("a", 2)])]
    assert group_by_plan([], lambda pair: pair[1], {}) == []
