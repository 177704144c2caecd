"""Fifth round of the extractor (issue 16): no invented date. A period a task looks at ("Thời kỳ kiểm tra: …"), a
year a task is about ("(… công trình hoàn thành trong năm 2025)"), the start of a timed range, an aim's date with
nobody in charge: none is a due date — better none, or a milestone held for review, than a wrong one. And what the
blind sets missed: "thăm hỏi", "làm việc" as actions, and a table row cut by a page break inside a unit's name or a
date ("Quý" / "III/2025")."""

from __future__ import annotations

from datetime import date

from bot.intake.dates import Context, find_deadlines
from bot.intake.draft import Draft, build_draft
from bot.intake.units import UnitIndex

NO_TREE = UnitIndex([])
CONTEXT = Context(document=date(2024, 6, 20))


def dues(text: str) -> list[tuple[date | None, date | None]]:
    return [(d.start, d.due) for d in find_deadlines(text, CONTEXT, task=True).deadlines]


def dated(draft: Draft) -> list[tuple[str, date | None, date | None, list[str]]]:
    return [(m.title, m.start, m.due, m.lead_names) for m in draft.milestones]


# 1. The period a task looks at is not its time ------------------------------------------------------------------------

def test_a_period_under_review_is_no_deadline_but_the_time_of_the_review_is() -> None:
    assert dues("Thời kỳ kiểm tra: từ ngày 01/01/2023 đến ngày 31/5/2024.") == []
    assert dues("Kỳ báo cáo: 6 tháng đầu năm 2024.") == []
    assert dues("Phạm vi số liệu thống kê: từ tháng 01 đến tháng 6/2024.") == []
    assert dues("Thời gian kiểm tra: trong tháng 8/2024.") == [(None, date(2024, 8, 31))]


# 2. A timed range is one span: its first day is a start, never a due --------------------------------------------------

def test_a_range_with_hours_is_one_span_from_its_first_day() -> None:
    assert dues("Thời gian dự thi: từ 8h00 ngày 15/7/2024 đến 20h00 ngày 25/7/2024.") == [
        (date(2024, 7, 15), date(2024, 7, 25))]


# 3. A year the task is about is not its deadline ----------------------------------------------------------------------

def test_a_year_in_a_gloss_is_what_the_task_is_about() -> None:
    assert dues("Lập danh sách công trình (ưu tiên công trình hoàn thành trong năm 2025), gửi Phòng Kinh tế.") == []


def test_a_year_beside_a_stated_day_is_what_the_task_is_about() -> None:
    assert dues("Đề xuất công trình hoàn thành trong năm 2025, gửi Phòng Kinh tế, hạn chót: 12.7.2024.") == [
        (None, date(2024, 7, 12))]
    assert dues("Tổ chức tập huấn cho cán bộ xã trong năm 2025.") == [(None, date(2025, 12, 31))]  # its time frame


# 4. Actions the blind sets used ---------------------------------------------------------------------------------------

def test_visiting_and_working_with_are_actions_that_a_span_dates() -> None:
    assert dues("Phối hợp tuyên truyền; thăm hỏi gia đình thương binh trong tháng 7 và tháng 8/2024.") == [
        (date(2024, 7, 1), date(2024, 8, 31))]
    assert dues("Phòng Nội vụ làm việc với từng xã về biên chế từ ngày 12/8/2024 đến ngày 16/8/2024.") == [
        (date(2024, 8, 12), date(2024, 8, 16))]


# 5. A table row cut by a page break ----------------------------------------------------------------------------------

CUT_TABLE = """ỦY BAN NHÂN DÂN
HUYỆN TÂN LẠC
Số: 77/KH-UBND
Tân Lạc, ngày 02 tháng 7 năm 2024

KẾ HOẠCH
Hỗ trợ sinh kế năm 2024

| TT | Nội dung công việc | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian |
| 1 | Khảo sát nhu cầu hỗ trợ sinh kế | Phòng Nông nghiệp và Phát | UBND các xã | Xong trước 30/8 |
|  |  | triển nông thôn |  |  |
| 2 | Tổng hợp danh sách hộ được hỗ trợ |  |  | Tháng 9/2024 |
| 3 | Tổ chức hội nghị tổng kết mô hình | Văn phòng HĐND và UBND | Phòng Tài chính | Quý |
|  |  |  | Kế hoạch | IV/2024 |
"""


def test_a_unit_name_cut_by_a_page_break_is_one_name_for_the_rows_below() -> None:
    rows = dated(build_draft(CUT_TABLE, NO_TREE))
    assert rows[1] == ("Tổng hợp danh sách hộ được hỗ trợ", None, date(2024, 9, 30),
                       ["Phòng Nông nghiệp và Phát triển nông thôn"])


def test_a_date_cut_by_a_page_break_after_its_period_word_is_read_whole() -> None:
    rows = dated(build_draft(CUT_TABLE, NO_TREE))
    assert rows[2][1:3] == (None, date(2024, 12, 31))
    assert rows[2][0] == "Tổ chức hội nghị tổng kết mô hình"


# 6. An aim's date with nobody in charge is held for review, undated ---------------------------------------------------

AIMS = """ỦY BAN NHÂN DÂN
XÃ NGỌC LƯƠNG
Số: 41/KH-UBND
Ngọc Lương, ngày 05 tháng 3 năm 2025

KẾ HOẠCH
Vệ sinh môi trường nông thôn năm 2025

I. MỤC ĐÍCH, YÊU CẦU
1. Hoàn thành việc thu gom rác thải ở các thôn trong năm 2025.
II. NHIỆM VỤ
1. Phấn đấu đến hết ngày 30/11/2025 có 90% hộ gia đình phân loại rác tại nguồn.
2. Đoàn Thanh niên xã phấn đấu ra quân dọn vệ sinh trước ngày 30/4/2025.
3. Công an xã tổ chức tuyên truyền trước ngày 15/4/2025.
"""


def test_an_aim_with_nobody_in_charge_is_held_for_review_without_a_due() -> None:
    draft = build_draft(AIMS, NO_TREE)
    held = [m for m in draft.milestones if m.due is None]
    assert [m.title for m in held] == ["Hoàn thành việc thu gom rác thải ở các thôn",
                                       "Phấn đấu có 90% hộ gia đình phân loại rác tại nguồn"]
    assert all(any("mục tiêu" in note for note in m.review) for m in held)
    # a body that aims at a date is in charge of it: its date stands
    assert [m.due for m in draft.milestones if m.due is not None] == [date(2025, 4, 30), date(2025, 4, 15)]
