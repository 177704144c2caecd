"""The date grammar (bot/intake/dates.py): one test per form a real plan writes, in a sentence or in a table's date
column; the year taken from the nearest context and marked as a guess; periodic deadlines as `repeat:`; and the
dates that are not deadlines (cited documents, data cut-offs, signature stamps) left out."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.dates import Context, find_deadlines, find_repeats

DOCUMENT_2024 = Context(document=date(2024, 8, 20))


NO_CONTEXT = Context()


def one(text: str, context: Context = NO_CONTEXT, *, cell: bool = False) -> tuple[date | None, date | None]:
    found = find_deadlines(text, context, cell=cell)
    assert found.errors == []
    assert len(found.deadlines) == 1, found.deadlines
    return found.deadlines[0].start, found.deadlines[0].due


@pytest.mark.parametrize(("cell", "start", "due"), [
    ("Quý III/2025", None, date(2025, 9, 30)),
    ("Quý IV năm 2025", None, date(2025, 12, 31)),
    ("Tháng 9/2025", None, date(2025, 9, 30)),
    ("Tháng 02/2024", None, date(2024, 2, 29)),
    ("6 tháng đầu năm 2025", None, date(2025, 6, 30)),
    ("6 tháng cuối năm 2025", None, date(2025, 12, 31)),
    ("Năm 2025", None, date(2025, 12, 31)),
    ("Tháng 5 - tháng 8/2025", date(2025, 5, 1), date(2025, 8, 31)),
    ("tháng 4 và tháng 5/2025", date(2025, 4, 1), date(2025, 5, 31)),
    ("31/3/2025", None, date(2025, 3, 31)),
    ("Trước 15/6/2025", None, date(2025, 6, 15)),
    ("Tuần 1 (từ 02/9 đến 07/9/2024)", date(2024, 9, 2), date(2024, 9, 7)),
    ("Ngày 5 tháng 3 năm 2025", None, date(2025, 3, 5)),
])
def test_a_date_column_cell(cell: str, start: date | None, due: date) -> None:
    assert one(cell, cell=True) == (start, due)


@pytest.mark.parametrize(("sentence", "start", "due"), [
    ("Các đơn vị gửi báo cáo, hạn chót: 31.03.2025.", None, date(2025, 3, 31)),
    ("Thực hiện đến hết ngày 30-4-2025.", None, date(2025, 4, 30)),
    ("Hoàn thành trước ngày 5 tháng 3 năm 2025.", None, date(2025, 3, 5)),
    ("Tổ chức sơ kết trong quý III/2025.", None, date(2025, 9, 30)),
    ("Hoàn thành trong tháng 9/2025.", None, date(2025, 9, 30)),
    ("Triển khai xong trong 6 tháng đầu năm 2025.", None, date(2025, 6, 30)),
    ("Hoàn thành trong năm 2025.", None, date(2025, 12, 31)),
    ("Tổ chức tập huấn trong tháng 5 - tháng 8/2025.", date(2025, 5, 1), date(2025, 8, 31)),
    ("Khảo sát trong tháng 4 và tháng 5/2025.", date(2025, 4, 1), date(2025, 5, 31)),
    ("Khai giảng Tuần 1 (từ 02/9 đến\n07/9/2024).", date(2024, 9, 2), date(2024, 9, 7)),  # a wrapped cell, joined
    ("chậm nhất là ngày 10/06/2020", None, date(2020, 6, 10)),
])
def test_a_deadline_in_a_sentence(sentence: str, start: date | None, due: date) -> None:
    assert one(sentence) == (start, due)


def test_a_meeting_is_a_milestone_at_its_time_without_a_deadline_word() -> None:
    deadline = find_deadlines("Hội nghị khai mạc lúc 7h30 ngày 28/9/2024 tại hội trường UBND xã.").deadlines[0]
    assert (deadline.due, deadline.time) == (date(2024, 9, 28), "07:30")
    spoken = find_deadlines("Thời gian: 14 giờ 00 phút, thứ Sáu, ngày 27/9/2024.").deadlines[0]
    assert (spoken.due, spoken.time) == (date(2024, 9, 27), "14:00")


def test_the_year_from_the_document_date_is_a_guess_and_said_so() -> None:
    deadline = find_deadlines("Các trường xong trước 10/4.", DOCUMENT_2024).deadlines[0]
    assert deadline.due == date(2025, 4, 10) and deadline.year_guessed  # April after a plan of August 2024
    assert deadline.note and "suy đoán" in deadline.note
    october = find_deadlines("xong trước 10/10", DOCUMENT_2024).deadlines[0]
    assert october.due == date(2024, 10, 10) and october.year_guessed


def test_the_year_from_a_heading_is_a_guess_the_window_decides_it() -> None:
    assert find_deadlines("trước ngày 15/5", Context(year=2021)).deadlines[0].year_guessed
    windowed = find_deadlines("trước ngày 15/5", Context(window=(date(2020, 4, 1), date(2020, 6, 30))))
    assert windowed.deadlines[0].due == date(2020, 5, 15) and not windowed.deadlines[0].year_guessed
    assert not find_deadlines("trước ngày 15/5/2020", DOCUMENT_2024).deadlines[0].year_guessed


@pytest.mark.parametrize(("text", "repeat"), [
    ("Báo cáo kết quả trước ngày 20 hằng tháng.", {"every": "month", "day": 20}),
    ("định kỳ 6 tháng trước ngày 15/6 và 15/12 hằng năm", {"dates": ["15/6", "15/12"]}),
    ("Hằng quý, báo cáo trước ngày 15 tháng cuối quý.", {"every": "quarter", "day": 15}),
    ("báo cáo quý trước ngày 5 của tháng đầu quý sau", {"every": "quarter", "day": 5, "month": 4}),
    ("Tổng kết trước ngày 10/12 hằng năm.", {"every": "year", "day": 10, "month": 12}),
    ("Định kỳ hằng tháng, các xã gửi báo cáo trước ngày 25.", {"every": "month", "day": 25}),
    ("Trước ngày 20 hằng tháng", {"every": "month", "day": 20}),  # a date column's cell
])
def test_a_periodic_deadline_is_a_repeat_not_a_date(text: str, repeat: dict[str, object]) -> None:
    found = find_deadlines(text, DOCUMENT_2024)
    assert [(d.due, d.repeat) for d in found.deadlines] == [(None, repeat)]
    assert [d.repeat for d in find_repeats(text)] == [repeat]


def test_two_dates_of_one_year_are_two_deadlines_not_a_repeat() -> None:
    found = find_deadlines("Báo cáo trước ngày 15/6/2025 và 15/12/2025.", cell=False)
    assert [d.due for d in find_deadlines("15/6/2025 và 15/12/2025", cell=True).deadlines] == [
        date(2025, 6, 15), date(2025, 12, 15)]
    assert [d.repeat for d in found.deadlines] == [None]


@pytest.mark.parametrize("text", [
    "Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ.",
    "Căn cứ Kế hoạch số 190-KH/TU ngày 16/8/2024 của Ban Thường vụ Tỉnh ủy.",
    "Số liệu báo cáo tính đến ngày 30/6/2025.",
    "Số liệu tính từ ngày 15/12/2024 đến ngày 14/6/2025.",
    "Điện Biên, ngày 16 tháng 8 năm 2024",
    "Thời gian ký: 12/09/2024 08:30:15 +07:00",
    "Quyết định có hiệu lực kể từ ngày 01/9/2024.",
])
def test_dates_that_are_not_deadlines_stay_out(text: str) -> None:
    assert find_deadlines(text, DOCUMENT_2024).deadlines == []


def test_a_cited_document_in_a_date_column_is_not_its_deadline() -> None:
    assert find_deadlines("Theo Kế hoạch số 190-KH/TU ngày 5/3/2025", cell=True).deadlines == []


def test_a_register_verb_does_not_hide_a_deadline() -> None:  # "đăng ký" ends with "ký", a signing word
    assert one("Các đơn vị đăng ký trước ngày 15/5/2025.") == (None, date(2025, 5, 15))


def test_a_school_year_puts_autumn_in_its_first_year_and_spring_in_its_second() -> None:
    school = Context(school_year=2024)
    assert [d.due for d in find_deadlines("xong trước 15/9; trước 10/4", school).deadlines] == [
        date(2024, 9, 15), date(2025, 4, 10)]


@pytest.mark.parametrize(("sentence", "start", "due"), [
    ("Nâng cấp Nền tảng LGSP; thời gian hoàn thành: Quý III/2025.", None, date(2025, 9, 30)),
    ("- Đợt 2 (ôn tập nâng cao, luyện đề): tháng 4 và tháng 5/2025.", date(2025, 4, 1), date(2025, 5, 31)),
    ("- Thời gian cao điểm của Chiến dịch: Tháng 5 - tháng 8/2025.", date(2025, 5, 1), date(2025, 8, 31)),
    ("Họp nghe báo cáo vào hồi 7h30 ngày 15/7/2025 tại Hội trường.", None, date(2025, 7, 15)),
])
def test_a_date_given_as_a_value_after_a_label(sentence: str, start: date | None, due: date) -> None:
    assert one(sentence) == (start, due)


def test_a_period_given_as_a_value_is_not_a_deadline() -> None:
    assert find_deadlines("Kỳ báo cáo: Quý I/2025.").deadlines == []
    assert find_deadlines("HUYỆN ỦY MAI CHÂU Số: 2111 ĐẾN Ngày: 14/3/2025").deadlines == []  # an incoming-mail stamp


@pytest.mark.parametrize(("text", "repeat"), [
    # one report, two dates a year, however the sentence spells them
    ("Tổng hợp, báo cáo kết quả định kỳ 6 tháng trước ngày 15/6 và báo cáo năm trước ngày 15/12.",
     {"dates": ["15/6", "15/12"]}),
    # bounded by the months the document gives, in the same sentence
    ("Các huyện đoàn báo cáo nhanh trước ngày 25 hằng tháng, từ tháng 6 đến tháng 8/2025; báo cáo tổng kết trước "
     "ngày 10/9/2025.", {"every": "month", "day": 25, "from": date(2025, 6, 1), "until": date(2025, 8, 31)}),
    ("Trong mùa mưa bão (từ tháng 6 đến tháng 10/2025), các thành viên báo cáo trước ngày 20 hằng tháng.",
     {"every": "month", "day": 20, "from": date(2025, 6, 1), "until": date(2025, 10, 31)}),
    ("Kể từ năm 2025, các đơn vị báo cáo định kỳ 6 tháng trước ngày 15/6 và 15/12 hằng năm.",
     {"dates": ["15/6", "15/12"], "from": date(2025, 1, 1)}),
])
def test_a_periodic_deadline_and_its_bounds(text: str, repeat: dict[str, object]) -> None:
    found = find_deadlines(text, DOCUMENT_2024, task=True)
    assert [d.repeat for d in found.deadlines if d.repeat is not None] == [repeat]
    assert all(d.due != date(2025, 8, 31) and d.due != date(2025, 10, 31) for d in found.deadlines)  # no one-off end


@pytest.mark.parametrize("sentence", [
    "Đây là nhiệm vụ trọng tâm của xã trong năm 2025, đề nghị các thôn nghiêm túc thực hiện.",
    "Dự báo năm 2025 thời tiết tiếp tục diễn biến phức tạp, mùa mưa bão từ tháng 6 đến tháng 10.",
    "Mở chuyên trang tuyên truyền; thực hiện thường xuyên trong năm 2025.",
])
def test_a_period_a_task_sentence_only_mentions_is_no_deadline(sentence: str) -> None:
    assert find_deadlines(sentence, DOCUMENT_2024, task=True).deadlines == []


@pytest.mark.parametrize("sentence", [
    "Tổ chức tập huấn cho cán bộ y tế trong tháng 5/2025.",
    "Giám sát việc thực hiện Nghị quyết tại một số cấp ủy trong năm 2025.",
    "Trong tháng 3/2025, ban thường vụ các đảng bộ duyệt xong văn kiện.",
    "Ngày hội được tổ chức ở khu dân cư từ ngày 01/11/2024 đến ngày 15/11/2024.",
])
def test_a_period_a_task_is_done_in_is_its_deadline(sentence: str) -> None:
    assert len(find_deadlines(sentence, DOCUMENT_2024, task=True).deadlines) == 1
