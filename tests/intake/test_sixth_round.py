"""Sixth round of the extractor (issue 16): no invented date. A sentence that cites what the plan implements is no
task, whatever dates it holds; a due before the document was signed is held for review, undated; a yearless day takes
the year that puts it on or after the document's date, not the year a heading is about. And what the fifth blind set
missed: a period written after a comma at the end of a task's sentence ("…, Tháng 5 - tháng 8/2025.")."""

from __future__ import annotations

from datetime import date

from bot.intake.dates import Context, find_deadlines
from bot.intake.draft import Draft, build_draft
from bot.intake.units import UnitIndex

NO_TREE = UnitIndex([])


def dated(draft: Draft) -> list[tuple[date | None, date | None]]:
    return [(m.start, m.due) for m in draft.milestones]


# 1. A sentence citing what the plan implements is its basis, not a task -----------------------------------------------

CITING = """BAN TUYÊN GIÁO HUYỆN ỦY
Số 30-HD/BTGHU
Tân Lạc, ngày 21 tháng 10 năm 2024

HƯỚNG DẪN
học tập Nghị quyết

Thực hiện Hướng dẫn số 145-HD/BTGTW ngày 30/9/2024 của Ban Tuyên giáo Trung ương về học tập các văn bản của Hội nghị \
Trung ương (họp từ ngày 18/9 đến ngày 20/9/2024), Ban Tuyên giáo Huyện ủy hướng dẫn như sau:
1. Văn phòng Huyện ủy tổ chức hội nghị học tập trước ngày 15/11/2024.
"""


def test_a_citing_sentence_gives_no_milestone_and_the_tasks_after_it_keep_theirs() -> None:
    draft = build_draft(CITING, NO_TREE)
    assert dated(draft) == [(None, date(2024, 11, 15))]


def test_a_legal_basis_sentence_gives_no_milestone() -> None:
    text = CITING.replace("Thực hiện Hướng dẫn", "Căn cứ Hướng dẫn").replace(
        ", Ban Tuyên giáo Huyện ủy hướng dẫn như sau:", ";")
    assert dated(build_draft(text, NO_TREE)) == [(None, date(2024, 11, 15))]


# 2. A due before the document's own date is held for review, undated ------------------------------------------------

PAST = """ỦY BAN NHÂN DÂN
XÃ MÃN ĐỨC
Số: 12/KH-UBND
Mãn Đức, ngày 10 tháng 3 năm 2025

KẾ HOẠCH
Tổng vệ sinh môi trường

1. Hội nghị triển khai đã họp xong trước ngày 20/02/2025 tại hội trường xã.
2. Công an xã tổ chức tuyên truyền trước ngày 15/4/2025.
"""


def test_a_due_before_the_document_was_signed_is_held_for_review() -> None:
    draft = build_draft(PAST, NO_TREE)
    assert dated(draft) == [(None, None), (None, date(2025, 4, 15))]
    assert "trước ngày ban hành văn bản (10/03/2025)" in draft.milestones[0].review[0]


# 3. A yearless day: the first such day on or after the document's date ------------------------------------------------

ACCOUNTS = """SỞ TÀI CHÍNH
Số: 58/STC-QLNS
Hòa Bình, ngày 08 tháng 01 năm 2025
V/v quyết toán ngân sách năm 2024

Kính gửi: Các sở, ban, ngành tỉnh

1. Lập báo cáo quyết toán năm 2024 theo thời hạn sau:
Đề nghị các cơ quan đăng ký danh sách cán bộ dự tập huấn trước ngày 28/02.
"""


def test_a_yearless_day_is_not_read_in_the_year_a_heading_is_about() -> None:
    draft = build_draft(ACCOUNTS, NO_TREE)
    assert [(m.due, m.year_guessed) for m in draft.milestones] == [(date(2025, 2, 28), True)]


def test_a_yearless_day_takes_the_year_after_the_document_date_without_slack() -> None:
    context = Context(document=date(2025, 1, 20))
    assert [d.due for d in find_deadlines("Nộp hồ sơ trước ngày 05/01.", context, task=True).deadlines] == [
        date(2026, 1, 5)]
    # a heading's year that is not in the past still wins: a plan over several years
    context = Context(document=date(2025, 11, 20), year=2027)
    assert [d.due for d in find_deadlines("Nộp hồ sơ trước ngày 15/3.", context, task=True).deadlines] == [
        date(2027, 3, 15)]


# 4. A period after a comma closing a task's sentence is its time ------------------------------------------------------

def test_a_period_closing_a_task_sentence_after_a_comma_is_its_time() -> None:
    context = Context(document=date(2025, 1, 10))

    def dues(text: str) -> list[tuple[date | None, date | None]]:
        return [(d.start, d.due) for d in find_deadlines(text, context, task=True).deadlines]

    assert dues("- Kiểm tra an toàn giao thông tại các bến xe khách, đơn vị vận tải trong cao điểm du lịch hè, "
                "Tháng 5 - tháng 8/2025.") == [(date(2025, 5, 1), date(2025, 8, 31))]
    assert dues("Tổ chức tập huấn cho cán bộ xã, Quý III/2025.") == [(None, date(2025, 9, 30))]
    # a fact, not a task; a period without its year; data: none is a deadline
    assert dues("Lượng khách tăng mạnh vào mùa hè, tháng 5 - tháng 8/2025.") == []
    assert dues("Kiểm tra an toàn giao thông tại các bến xe, tháng 5 - tháng 8.") == []
    assert dues("Tổng hợp số liệu tai nạn, Quý III/2024.") == []
