"""Deadline phrases of Vietnamese plans -> (start, due), and the errors for days that do not exist."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.dates import Context, find_deadlines, parse_window
from bot.intake.draft import build_draft
from bot.intake.text import paragraphs
from bot.intake.units import UnitIndex, UnitRef

Q2_2020 = Context(window=(date(2020, 4, 1), date(2020, 6, 30)))


@pytest.mark.parametrize(("phrase", "start", "due"), [
    ("trình Ban Thường vụ trước ngày 15/5/2020.", None, date(2020, 5, 15)),
    ("hoàn thành trước ngày 15 tháng 5 năm 2020.", None, date(2020, 5, 15)),
    ("xong trước ngày 31/5/2020.", None, date(2020, 5, 31)),
    ("chậm nhất ngày 10/6/2020 phải báo cáo", None, date(2020, 6, 10)),
    ("chậm nhất là ngày 10/06/2020", None, date(2020, 6, 10)),
    ("Thực hiện xong trong tháng 10/2019.", None, date(2019, 10, 31)),
    ("hoàn thành trong tháng 02/2020", None, date(2020, 2, 29)),
    ("hoàn thành trong tháng 02/2019", None, date(2019, 2, 28)),
    ("trong quý I/2020", None, date(2020, 3, 31)),
    ("trong quý IV năm 2020", None, date(2020, 12, 31)),
    ("từ ngày 01/10/2019 đến hết ngày 31/12/2019", date(2019, 10, 1), date(2019, 12, 31)),
    ("Từ tháng 8/2019 đến ngày 30/9/2019", date(2019, 8, 1), date(2019, 9, 30)),
    ("bắt đầu từ tháng 4, hoàn thành trước ngày 15/6/2020", date(2020, 4, 1), date(2020, 6, 15)),
    ("xong trước ngày 01/7/2020 để báo cáo Bộ Chính trị", None, date(2020, 6, 30)),
])
def test_phrase(phrase: str, start: date | None, due: date) -> None:
    found = find_deadlines(phrase)
    assert found.errors == []
    assert [(d.start, d.due) for d in found.deadlines] == [(start, due)]


def test_before_the_first_of_a_month_means_the_end_of_the_month_before() -> None:
    deadline = find_deadlines("xong trước ngày 01/7/2020").deadlines[0]
    assert deadline.due == date(2020, 6, 30)
    assert deadline.note and "30/06/2020" in deadline.note


@pytest.mark.parametrize(("phrase", "due"), [
    ("trước ngày 15/5", date(2020, 5, 15)),
    ("trong tháng 5", date(2020, 5, 31)),
    ("trước ngày 15 tháng 5", date(2020, 5, 15)),
])
def test_year_implied_by_the_window(phrase: str, due: date) -> None:
    assert [d.due for d in find_deadlines(phrase, Q2_2020).deadlines] == [due]


def test_year_implied_by_a_heading() -> None:
    assert [d.due for d in find_deadlines("trước ngày 15/5", Context(year=2021)).deadlines] == [date(2021, 5, 15)]


def test_no_year_anywhere_is_an_error() -> None:
    found = find_deadlines("trước ngày 15/5")
    assert found.deadlines == [] and "không ghi năm" in found.errors[0]


@pytest.mark.parametrize(("phrase", "message"), [
    ("trước ngày 31/02/2020", 'ngày "31/02/2020" không tồn tại (tháng 2 năm 2020 có 29 ngày)'),
    ("trước ngày 29/02/2019", 'ngày "29/02/2019" không tồn tại (tháng 2 năm 2019 có 28 ngày)'),
    ("trong tháng 13/2020", "không có tháng 13"),
    ("trước ngày 31 tháng 4 năm 2020", "không tồn tại (tháng 4 năm 2020 có 30 ngày)"),
])
def test_impossible_dates_are_reported(phrase: str, message: str) -> None:
    found = find_deadlines(phrase)
    assert found.deadlines == []
    assert len(found.errors) == 1 and message in found.errors[0]


def test_a_reference_date_is_not_a_deadline() -> None:
    assert find_deadlines("Thực hiện Chỉ thị số 35-CT/TW, ngày 30/5/2019 của Bộ Chính trị").deadlines == []


def test_two_deadlines_in_one_sentence() -> None:
    found = find_deadlines("Các đảng bộ trực thuộc tỉnh hoàn thành dự thảo trong tháng 01/2020; cấp tỉnh hoàn thành "
                           "dự thảo trong tháng 02/2020.")
    assert [d.due for d in found.deadlines] == [date(2020, 1, 31), date(2020, 2, 29)]


def test_window_of_a_heading() -> None:
    assert parse_window("2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019") == (date(2019, 10, 1), date(2019, 12, 31))
    assert parse_window("2.1- Dự thảo văn kiện của cấp uỷ") is None


def test_mid_sentence_line_breaks_are_joined() -> None:
    text = ("- Các tiểu ban Đại hội Đảng bộ tỉnh kiểm tra lại toàn bộ công việc chuẩn bị\n\n"
            "đại hội; tiếp tục.\n\n- Khác.")
    assert paragraphs(text) == ["- Các tiểu ban Đại hội Đảng bộ tỉnh kiểm tra lại toàn bộ công việc chuẩn bị đại hội; "
                                "tiếp tục.", "- Khác."]


INDEX = UnitIndex([
    UnitRef("TU", "Tỉnh ủy Điện Biên", "province_committee", aliases=("cấp tỉnh",)),
    UnitRef("BTV-TU", "Ban Thường vụ Tỉnh ủy", "standing_committee", parent="TU"),
    UnitRef("HU-A", "Huyện ủy A", "district_committee", parent="TU"),
    UnitRef("HU-B", "Huyện ủy B", "district_committee", parent="TU"),
])

DOCUMENT = """
I- KẾ HOẠCH NĂM 2020

1. Việc trong năm

- Ban Thường vụ Tỉnh ủy duyệt kế hoạch trước ngày 15/5.

- Các đảng bộ trực thuộc tỉnh báo cáo chậm nhất ngày 31/02/2020.

II. TỪNG GIAI ĐOẠN

2.3- Từ ngày 01/01/2021 đến ngày 31/3/2021

- Cấp uỷ cấp huyện tổ chức hội nghị.

- Ban Chỉ đạo XYZ tổng hợp kết quả.

- Danh sách kèm theo.
"""


def test_draft_rules_on_a_small_document() -> None:
    draft = build_draft(DOCUMENT, INDEX)
    rows = [(m.due, m.phase, sorted(m.unit_codes), bool(m.review)) for m in draft.milestones]
    assert rows == [
        (date(2020, 5, 15), None, ["BTV-TU"], False),  # year from the heading "NĂM 2020"
        (None, None, ["HU-A", "HU-B"], True),  # 31/02/2020 does not exist: marked, not moved
        (None, "2.3", ["HU-A", "HU-B"], False),  # no date of its own: the window's end
        (None, "2.3", [], True),  # an actor not in the tree: marked for review, never guessed
    ]
    assert "31/02/2020" in draft.milestones[1].review[0]
    assert 'Ban Chỉ đạo XYZ' in draft.milestones[3].review[0]
    assert draft.phases[0].end == date(2021, 3, 31)
