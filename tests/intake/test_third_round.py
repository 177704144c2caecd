"""Third round of the extractor (issue 16), for what the documents written after the second freeze showed and what
a new writer's document will hold: tab tables with blank cells and cells wrapped onto the next line, a collective
name written without its "trực thuộc …" tail, a list of bodies one of which a comma separates from a long name, a
period bounding a periodic report, and date forms (weekdays, times, day ranges, dashes, "năm 2025" after "15/6")."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.dates import Context, find_deadlines
from bot.intake.draft import Draft, build_draft
from bot.intake.readers import read_structure
from bot.intake.units import GroupRef, UnitIndex, UnitRef
from tests.intake.documents import make_docx

NO_TREE = UnitIndex([])
CONTEXT = Context(document=date(2025, 2, 10), year=2025)


def dated(draft: Draft) -> list[tuple[str, date | None, date | None, list[str]]]:
    return [(m.title, m.start, m.due, m.lead_names) for m in draft.milestones]


# 1. Tab tables ------------------------------------------------------------------------------------------------------

TIMETABLE = ("ĐOÀN TRƯỜNG THPT LẠC THỦY B\nLạc Thủy, ngày 14 tháng 10 năm 2024\n\nKẾ HOẠCH\n"
             "Chào mừng Ngày Nhà giáo Việt Nam năm 2024\n\n"
             "TT\tNội dung công việc\tBộ phận thực hiện\tPhối hợp\tThời gian\n"
             "1\tPhát động thi đua dưới cờ\tĐoàn trường\tBan Giám hiệu\t7h00 ngày 21/10\n"
             "2\tThi đua tuần học tốt trong các chi đoàn\t\tCác tổ chuyên môn\tTừ 28/10 đến 16/11\n"
             "3\tCuộc thi viết về thầy cô:\t\tTổ Ngữ văn\tXong trước 08/11\n"
             "\thọc sinh nộp bài về Đoàn trường\n"
             "4\tChuẩn bị khánh tiết, âm thanh\tTổ Văn phòng\t\tXong trước 18/11\n"
             "5\tTổng kết đợt thi đua, báo cáo kết quả\t\t\tTrước 25/11/2024\n"
             "và đề xuất khen thưởng\n\n"
             "III. TỔ CHỨC THỰC HIỆN\n")


def test_a_tab_table_keeps_blank_cells_as_columns_and_the_year_of_the_document() -> None:
    draft = build_draft(TIMETABLE, NO_TREE)
    assert dated(draft) == [
        ("Phát động thi đua dưới cờ", None, date(2024, 10, 21), ["Đoàn trường"]),
        ("Thi đua tuần học tốt trong các chi đoàn", date(2024, 10, 28), date(2024, 11, 16), ["Đoàn trường"]),
        ("Cuộc thi viết về thầy cô", None, date(2024, 11, 8), ["Đoàn trường"]),
        ("Chuẩn bị khánh tiết, âm thanh", None, date(2024, 11, 18), ["Tổ Văn phòng"]),
        ("Tổng kết đợt thi đua, báo cáo kết quả và đề xuất khen thưởng", None, date(2024, 11, 25), ["Tổ Văn phòng"]),
    ]  # a blank lead cell is the body above; a blank "Phối hợp" shifts no column; wrapped task lines are joined
    assert "học sinh nộp bài về Đoàn trường" in draft.milestones[2].source  # the wrapped line is the row's
    assert [m.coordinating_names for m in draft.milestones[:2]] == [["Ban Giám hiệu"], ["Các tổ chuyên môn"]]
    assert all(m.year_guessed for m in draft.milestones[:4])  # the year is the document's: marked for review


def test_a_tab_table_aligned_with_runs_of_tabs_is_still_read() -> None:
    text = ("KẾ HOẠCH\nTháng Thanh niên năm 2025\n\n"
            "TT\t\tNội dung công việc\t\tĐơn vị thực hiện\t\tThời gian\n"
            "1\t\tLễ ra quân Tháng Thanh niên\t\tHuyện đoàn\t\t7h00 ngày 02/3/2025\n"
            "2\t\tKết nạp đoàn viên mới\t\tCác đoàn cơ sở\t\tXong trước 24/3/2025\n")
    assert dated(build_draft(text, NO_TREE)) == [
        ("Lễ ra quân Tháng Thanh niên", None, date(2025, 3, 2), ["Huyện đoàn"]),
        ("Kết nạp đoàn viên mới", None, date(2025, 3, 24), ["Các đoàn cơ sở"]),
    ]


# 2. Collective names and lists ---------------------------------------------------------------------------------------

PARTY = UnitIndex(
    [UnitRef("HU", "Huyện ủy Lạc Thủy", "other"),
     UnitRef("BTC", "Ban Tổ chức Huyện ủy Lạc Thủy", "other", parent="HU", short_name="Ban Tổ chức Huyện ủy"),
     UnitRef("DU-A", "Đảng ủy xã Phú Thành", "other", parent="HU"),
     UnitRef("DU-B", "Đảng ủy xã Đồng Tâm", "other", parent="HU")],
    [GroupRef("TCCSD", "Các tổ chức cơ sở đảng trực thuộc Huyện ủy Lạc Thủy", frozenset({"DU-A", "DU-B"}))])


@pytest.mark.parametrize("sentence", [
    "Các tổ chức cơ sở đảng hoàn thiện hồ sơ, gửi Ban Tổ chức Huyện ủy thẩm định đến hết ngày 05-5-2025.",
    "Từ tháng 4 đến tháng 11/2025, các tổ chức cơ sở đảng báo cáo tiến độ về Ban Tổ chức Huyện ủy trước ngày 25 "
    "hằng tháng.",
])
def test_a_collective_name_without_its_tail_is_the_document_issuers_group(sentence: str) -> None:
    text = f"HUYỆN ỦY LẠC THỦY\nSố 415-CV/HU\nLạc Thủy, ngày 06 tháng 3 năm 2025\n\n4. Hồ sơ kết nạp\n{sentence}\n"
    [milestone] = build_draft(text, PARTY).milestones
    assert milestone.unit_codes == {"DU-A", "DU-B"} and not milestone.review


def test_a_comma_before_a_body_of_its_own_ends_the_long_name_before_it() -> None:
    index = UnitIndex([
        UnitRef("UBND-T", "Ủy ban nhân dân tỉnh Hòa Bình", "other"),
        UnitRef("SVH", "Sở Văn hóa, Thể thao và Du lịch tỉnh Hòa Bình", "other", parent="UBND-T",
                short_name="Sở Văn hóa, Thể thao và Du lịch"),
        UnitRef("SYT", "Sở Y tế tỉnh Hòa Bình", "other", parent="UBND-T", short_name="Sở Y tế"),
        UnitRef("TD", "Tỉnh đoàn Hòa Bình", "other")])
    text = ("UBND TỈNH HÒA BÌNH\nSỞ Y TẾ\nHòa Bình, ngày 02 tháng 5 năm 2025\n\nKẾ HOẠCH\nTháng hành động năm 2025\n"
            "Sở Y tế, Sở Văn hóa, Thể thao và Du lịch, Tỉnh đoàn báo cáo kết quả trước ngày 10/7/2025.\n")
    [milestone] = build_draft(text, index).milestones
    assert milestone.unit_codes == {"SYT", "SVH", "TD"}
    assert milestone.lead_names == ["Sở Y tế", "Sở Văn hóa, Thể thao và Du lịch", "Tỉnh đoàn"]


# 3. A period bounds a periodic rule, never a due date of its own -----------------------------------------------------

def test_a_period_opening_the_sentence_bounds_its_periodic_report() -> None:
    text = ("Lạc Thủy, ngày 10 tháng 3 năm 2025\nKẾ HOẠCH\nTiêm chủng năm 2025\nIV. TỔ CHỨC THỰC HIỆN\n"
            "1. Trung tâm Y tế huyện chịu trách nhiệm chuyên môn. Trong năm 2025, Trung tâm Y tế huyện báo cáo tình "
            "hình tiêm chủng trước ngày 05 hằng tháng.\n")
    [milestone] = build_draft(text, NO_TREE).milestones
    assert milestone.due is None  # "Trong năm 2025" is no deadline of 31/12/2025
    assert milestone.repeat == {"every": "month", "day": 5, "from": date(2025, 1, 1), "until": date(2025, 12, 31)}


@pytest.mark.parametrize(("sentence", "bounds"), [
    ("Các xã báo cáo trước ngày 20 hằng tháng trong Quý III/2025.", (date(2025, 7, 1), date(2025, 9, 30))),
    ("Trong 6 tháng cuối năm 2025, các xã báo cáo trước ngày 20 hằng tháng.", (date(2025, 7, 1), date(2025, 12, 31))),
    ("Trong năm, các xã báo cáo trước ngày 20 hằng tháng.", (date(2025, 1, 1), date(2025, 12, 31))),
])
def test_a_period_in_the_sentence_is_the_series_bounds(sentence: str, bounds: tuple[date, date]) -> None:
    [rule] = find_deadlines(sentence, CONTEXT, task=True).deadlines
    assert rule.repeat is not None and (rule.repeat["from"], rule.repeat["until"]) == bounds


def test_a_school_year_or_the_next_year_is_no_bound() -> None:
    for sentence in ("Trong năm học, các trường báo cáo trước ngày 20 hằng tháng.",
                     "Trong năm tới, các trường báo cáo trước ngày 20 hằng tháng."):
        [rule] = find_deadlines(sentence, CONTEXT, task=True).deadlines
        assert rule.repeat == {"every": "month", "day": 20}


TABLE_HEAD = "KẾ HOẠCH\nCông tác năm 2025\n\n| TT | Nội dung | Đơn vị thực hiện | Thời gian |\n|---|---|---|---|\n"


@pytest.mark.parametrize(("cell", "bounds"), [
    ("Năm 2025", (date(2025, 1, 1), date(2025, 12, 31))),
    ("Trong năm 2025", (date(2025, 1, 1), date(2025, 12, 31))),
    ("Từ tháng 4 đến tháng 11/2025", (date(2025, 4, 1), date(2025, 11, 30))),
])
def test_a_period_cell_bounds_the_periodic_task_of_its_row(cell: str, bounds: tuple[date, date]) -> None:
    text = TABLE_HEAD + f"| 1 | Báo cáo tiến độ trước ngày 25 hằng tháng | Văn phòng | {cell} |\n"
    [milestone] = build_draft(text, NO_TREE).milestones
    assert milestone.due is None
    assert milestone.repeat == {"every": "month", "day": 25, "from": bounds[0], "until": bounds[1]}


def test_a_how_often_cell_and_the_day_in_the_task() -> None:
    text = TABLE_HEAD + "| 1 | Gửi báo cáo tiến độ trước ngày 25 | Văn phòng | Hằng tháng |\n"
    [milestone] = build_draft(text, NO_TREE).milestones
    assert milestone.due is None and milestone.repeat is not None
    assert {k: v for k, v in milestone.repeat.items() if k != "from"} == {"every": "month", "day": 25}


def test_a_docx_table_dated_without_years_takes_the_titles_year() -> None:
    data = make_docx(["TRƯỜNG THCS CHI NÊ", "KẾ HOẠCH", "Hoạt động tháng 3 năm 2025"],
                     ["TT", "Nội dung công việc", "Người thực hiện", "Thời gian"],
                     [["1", "Họp hội đồng sư phạm", "Hiệu trưởng", "Thứ Hai, ngày 3/3"],
                      ["2", "Nộp hồ sơ thi giáo viên giỏi", "Tổ trưởng", "Chậm nhất 15/3"],
                      ["3", "Tập huấn chuyển đổi số", "Phó Hiệu trưởng", "Từ ngày 10 - 14/3"]])
    draft = build_draft(read_structure(data, "kh.docx"), NO_TREE)
    assert [(m.start, m.due, m.year_guessed) for m in draft.milestones] == [
        (None, date(2025, 3, 3), True), (None, date(2025, 3, 15), True), (date(2025, 3, 10), date(2025, 3, 14), True)]


# 4. Date forms -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "start", "due", "time"), [
    ("Hội nghị sơ kết tổ chức vào thứ Hai, ngày 03/3/2025 tại hội trường.", None, date(2025, 3, 3), None),
    ("Hội nghị sơ kết tổ chức vào sáng thứ Hai, ngày 03/3/2025.", None, date(2025, 3, 3), None),
    ("Các đơn vị nộp báo cáo xong trước thứ Sáu, ngày 14/3/2025.", None, date(2025, 3, 14), None),
    ("Các đơn vị nộp báo cáo chậm nhất vào thứ Sáu ngày 14/3/2025.", None, date(2025, 3, 14), None),
    ("Khai mạc vào 14:30 ngày 05/3/2025.", None, date(2025, 3, 5), "14:30"),
    ("Khai mạc vào 7g30 ngày 05/3/2025.", None, date(2025, 3, 5), "07:30"),
    ("Khai mạc vào hồi 07 giờ 30 phút, Chủ nhật, ngày 16/3/2025.", None, date(2025, 3, 16), "07:30"),
    ("Tổ chức tập huấn từ ngày 01 - 05/9/2025.", date(2025, 9, 1), date(2025, 9, 5), None),
    ("Tổ chức tập huấn từ ngày 01 đến ngày 05/9/2025.", date(2025, 9, 1), date(2025, 9, 5), None),
    ("Tổ chức hội thi trong 02 ngày (ngày 10 và 11/4/2025).", date(2025, 4, 10), date(2025, 4, 11), None),
    ("Gửi báo cáo đến hết ngày 30–4–2025.", None, date(2025, 4, 30), None),
    ("Hạn nộp hồ sơ là ngày 15/4/2025.", None, date(2025, 4, 15), None),
    ("Tổ chức hội thi, dự kiến ngày 15/8/2025.", None, date(2025, 8, 15), None),
])
def test_more_deadline_forms_in_a_sentence(sentence: str, start: date | None, due: date, time: str | None) -> None:
    [deadline] = find_deadlines(sentence, CONTEXT, task=True).deadlines
    assert (deadline.start, deadline.due, deadline.time, deadline.year_guessed) == (start, due, time, False)


@pytest.mark.parametrize("written", ["Các xã báo cáo trước ngày 15/6 năm 2025.", "Xong trước ngày 15/6 năm 2025"])
def test_a_year_written_after_the_day_is_its_year_not_a_second_deadline(written: str) -> None:
    for found in (find_deadlines(written, CONTEXT, task=True), find_deadlines(written, CONTEXT, cell=True)):
        assert [(d.due, d.year_guessed) for d in found.deadlines] == [(date(2025, 6, 15), False)]


@pytest.mark.parametrize("cell", ["Tuần 2 tháng 3/2025", "Tuần thứ 2 của tháng 3/2025"])
def test_a_week_of_a_month_is_not_dated_rather_than_dated_wrongly(cell: str) -> None:
    assert find_deadlines(cell, CONTEXT, cell=True).deadlines == []  # not 2/3, not the month's end


@pytest.mark.parametrize(("cell", "start", "due"), [
    ("Từ ngày 01 - 05/9/2025", date(2025, 9, 1), date(2025, 9, 5)),
    ("01-05/9/2025", date(2025, 9, 1), date(2025, 9, 5)),
    ("Ngày 10, 11/4/2025", date(2025, 4, 10), date(2025, 4, 11)),
    ("Thứ Hai, ngày 3/3/2025", None, date(2025, 3, 3)),
    ("Trước thứ Sáu, 14/3/2025", None, date(2025, 3, 14)),
])
def test_more_date_cells(cell: str, start: date | None, due: date) -> None:
    assert [(d.start, d.due) for d in find_deadlines(cell, CONTEXT, cell=True).deadlines] == [(start, due)]


def test_decomposed_text_reads_as_composed() -> None:
    import unicodedata

    text = unicodedata.normalize("NFD", TABLE_HEAD + "| 1 | Tổng kết công tác | Văn phòng | Trước ngày 15 tháng 12 |\n")
    [milestone] = build_draft(text, NO_TREE).milestones
    assert (milestone.title, milestone.due) == ("Tổng kết công tác", date(2025, 12, 15))
