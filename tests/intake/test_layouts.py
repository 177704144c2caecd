"""Tables as tables: one test per layout a plan puts its tasks in — an appendix "Phân công nhiệm vụ" (.txt with
'|', tabs), a timetable, a .docx with merged cells and a two-row header, a PDF whose cells wrap and whose table
goes on over a page break — each read into milestones with their dates, lead and co-ordinating bodies."""

from __future__ import annotations

from datetime import date

from bot.intake.draft import Draft, build_draft
from bot.intake.readers import read_structure
from bot.intake.units import UnitIndex, UnitRef
from tests.intake.documents import PdfPage, make_docx, make_pdf

NO_TREE = UnitIndex([])


def rows(draft: Draft) -> list[tuple[str, date | None, date | None, list[str], list[str]]]:
    return [(m.title, m.start, m.due, m.lead_names, m.coordinating_names) for m in draft.milestones]


APPENDIX = """KẾ HOẠCH
Triển khai chuyển đổi số năm 2025

Phụ lục: PHÂN CÔNG NHIỆM VỤ
| STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành | Sản phẩm |
|---|---|---|---|---|---|
| I | CÔNG TÁC CHUẨN BỊ | | | | |
| 1 | Rà soát danh mục thủ tục hành chính | Văn phòng HĐND và UBND xã | Công chức Tư pháp - Hộ tịch | Quý III/2025 | - |
| 2 | Tập huấn kỹ năng số | UBND xã | Đoàn Thanh niên xã; Hội LHPN xã | Tháng 5 - tháng 8/2025 | Lớp tập huấn |
| 3 | Hoàn thiện hồ sơ lưu trữ | UBND xã | | Thường xuyên | |
"""


def test_an_appendix_table_in_text_reads_its_columns_by_their_header() -> None:
    draft = build_draft(APPENDIX, NO_TREE)
    assert rows(draft) == [
        ("Rà soát danh mục thủ tục hành chính", None, date(2025, 9, 30),
         ["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"], ["Công chức Tư pháp - Hộ tịch"]),
        ("Tập huấn kỹ năng số", date(2025, 5, 1), date(2025, 8, 31), ["Ủy ban nhân dân xã"],
         ["Đoàn Thanh niên xã", "Hội Liên hiệp Phụ nữ xã"]),
    ]  # "Thường xuyên" is no deadline: no milestone; the co-ordinating bodies are never the lead


def test_a_tab_separated_timetable() -> None:
    text = ("LỊCH CÔNG TÁC\nChuẩn bị Đại hội Chi bộ năm 2025\n\n"
            "TT\tNội dung công việc\tNgày chậm nhất phải hoàn thành\n"
            "1\tChi ủy xây dựng dự thảo báo cáo chính trị\t15/6/2025\n"
            "2\tGửi dự thảo xin ý kiến Đảng ủy xã\t30/6/2025\n")
    draft = build_draft(text, NO_TREE)
    assert [(m.title, m.due, m.lead_names) for m in draft.milestones] == [
        ("Xây dựng dự thảo báo cáo chính trị", date(2025, 6, 15), ["Chi ủy"]),  # the lead is not the title
        ("Gửi dự thảo xin ý kiến Đảng ủy xã", date(2025, 6, 30), []),
    ]
    assert draft.milestones[1].review  # no lead named: said, never guessed


def test_a_docx_table_with_merged_cells_and_a_two_row_header() -> None:
    header = ["STT", "Nội dung", "Cơ quan thực hiện", "Cơ quan thực hiện", "Thời gian"]
    data = make_docx(
        ["ỦY BAN NHÂN DÂN TỈNH", "Số: 123/KH-UBND", "KẾ HOẠCH", "Cải cách hành chính năm 2025"], header,
        [["", "", "Chủ trì", "Phối hợp", ""],
         [("II. NHIỆM VỤ TRỌNG TÂM", 5)],
         ["1", "Xây dựng kế hoạch kiểm tra công vụ", "Sở Nội vụ", "Sở Tư pháp", "Quý II/2025"],
         ["2", "Đánh giá chỉ số cải cách hành chính", "", "Các sở, ban, ngành", "Tháng 11/2025"]],
        ["Nơi nhận:", "- Như trên;"], vertical=[(2, 3, 4)])
    draft = build_draft(read_structure(data, "kh.docx"), NO_TREE)
    assert draft.code == "KH-123-UBND-2025" and draft.number == "123/KH-UBND"  # numbers restart each year
    assert rows(draft) == [
        ("Xây dựng kế hoạch kiểm tra công vụ", None, date(2025, 6, 30), ["Sở Nội vụ"], ["Sở Tư pháp"]),
        ("Đánh giá chỉ số cải cách hành chính", None, date(2025, 11, 30), ["Sở Nội vụ"], ["Các sở, ban, ngành"]),
    ]  # the lead cell merged down over row 2 leads it too


def test_a_pdf_table_with_wrapped_cells_a_spanning_heading_and_a_row_over_a_page_break() -> None:
    widths = [30, 200, 110, 110, 90]
    first = PdfPage()
    first.line("KẾ HOẠCH")
    first.line("Tổ chức tuần sinh hoạt công dân năm học 2024 - 2025")
    first.table(widths, [
        ["TT", "Nội dung công việc", "Chủ trì", "Phối hợp", "Thời gian"],
        [("I. TUẦN ĐẦU", 5)],
        ["1", "Họp giáo viên chủ nhiệm", "Ban Giám hiệu", "Tổ chuyên môn", "7h30 ngày 28/8/2024"],
        ["2", "Tổ chức khai giảng", "Ban Giám hiệu", "Đoàn Thanh niên;\nLiên đội", "Tuần 1 (từ 02/9 đến\n07/9/2024)"],
        ["3", "Rà soát hồ sơ học sinh, cập\nnhật cơ sở dữ liệu ngành", "Giáo viên chủ\nnhiệm", "", "(từ 09/9 đến"]])
    second = PdfPage()
    second.line("2")
    second.table(widths, [["", "", "", "", "14/9/2024)"],
                          ["4", "Báo cáo kết quả", "Hiệu trưởng", "", "Trước 20/9/2024"]])
    draft = build_draft(read_structure(make_pdf([first, second]), "kh.pdf"), NO_TREE)
    assert rows(draft) == [
        ("Họp giáo viên chủ nhiệm", None, date(2024, 8, 28), ["Ban Giám hiệu"], ["Tổ chuyên môn"]),
        ("Tổ chức khai giảng", date(2024, 9, 2), date(2024, 9, 7), ["Ban Giám hiệu"], ["Đoàn Thanh niên", "Liên đội"]),
        ("Rà soát hồ sơ học sinh, cập nhật cơ sở dữ liệu ngành", date(2024, 9, 9), date(2024, 9, 14),
         ["Giáo viên chủ nhiệm"], []),
        ("Báo cáo kết quả", None, date(2024, 9, 20), ["Hiệu trưởng"], []),
    ]
    assert draft.milestones[0].due_time == "07:30"


def test_a_periodic_row_is_a_periodic_milestone() -> None:
    text = ("Số: 45/KH-UBND\nThanh Minh, ngày 10 tháng 8 năm 2025\n\n"
            "| STT | Nội dung | Chủ trì | Thời hạn |\n|---|---|---|---|\n"
            "| 1 | Báo cáo tiến độ giải ngân | Phòng Tài chính - Kế hoạch | Trước ngày 20 hằng tháng |\n")
    milestone = build_draft(text, NO_TREE).milestones[0]
    assert milestone.due is None and milestone.repeat == {"every": "month", "day": 20, "from": date(2025, 8, 10)}
    assert milestone.lead_names == ["Phòng Tài chính - Kế hoạch"]


def test_a_pdf_paragraph_wrapped_over_lines_is_one_paragraph() -> None:
    page = PdfPage()
    page.line("KẾ HOẠCH")
    page.line("Xây dựng nông thôn mới năm 2025")
    # full lines (justified to the same right edge) go on; a bullet, or a line after a short one, starts anew
    page.line("3. Giao Phòng Tài chính - Kế hoạch chủ trì, phối hợp với Phòng Nông nghiệp và")
    page.line("Phát triển nông thôn tham mưu phân bổ vốn thực hiện Chương trình năm 2025, trình")
    page.line("UBND huyện trước ngày 15/3/2025.")
    page.line("- Nộp lệ phí dự thi và hồ sơ dự thi của học sinh tại Phòng GD&ĐT đến hết ngày 22-")
    page.line("11-2024.")
    page.line("- Báo cáo kết quả.")
    page.line("Danh sách kèm theo trước ngày 30/11/2024.")
    draft = build_draft(read_structure(make_pdf([page]), "kh.pdf"), NO_TREE)
    assert [(m.title, m.due, m.lead_names) for m in draft.milestones] == [
        ("Tham mưu phân bổ vốn thực hiện Chương trình năm 2025, trình Ủy ban nhân dân huyện", date(2025, 3, 15),
         ["Phòng Tài chính - Kế hoạch"]),
        ("Nộp lệ phí dự thi và hồ sơ dự thi của học sinh tại Phòng GD&ĐT", date(2024, 11, 22), []),
        ("Danh sách kèm theo", date(2024, 11, 30), []),  # not "Báo cáo kết quả.": that line ended short
    ]


def test_an_empty_lead_cell_of_a_text_table_is_the_body_above_it() -> None:
    text = ("KẾ HOẠCH\nPhát triển du lịch năm 2025\n\n"
            "| STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành |\n|---|---|---|---|\n"
            "| I | PHÁT TRIỂN SẢN PHẨM | | |\n"
            "| 1 | Xây dựng tour trải nghiệm tại bản Lác, | Phòng Văn hóa và Thông tin | Quý II/2025 |\n"
            "| | bản Pom Coọng | | |\n"
            "| 2 | Tổ chức Lễ hội Mùa vàng | | Tháng 9/2025 |\n"
            "| II | QUẢNG BÁ | | |\n"
            "| 3 | Cập nhật bản đồ số | | 6 tháng đầu năm 2025 |\n")
    draft = build_draft(text, NO_TREE)
    assert [(m.title, m.due, m.lead_names) for m in draft.milestones] == [
        ("Xây dựng tour trải nghiệm tại bản Lác, bản Pom Coọng", date(2025, 6, 30), ["Phòng Văn hóa và Thông tin"]),
        ("Tổ chức Lễ hội Mùa vàng", date(2025, 9, 30), ["Phòng Văn hóa và Thông tin"]),  # merged down
        ("Cập nhật bản đồ số", date(2025, 6, 30), []),  # a merged cell never spans a heading row: none named
    ]


def test_a_timetable_week_gives_way_to_a_date_the_task_itself_states() -> None:
    text = ("KẾ HOẠCH\nCông tác tháng 9 năm 2024\n\n"
            "| TT | Thời gian | Nội dung công việc | Bộ phận thực hiện |\n|---|---|---|---|\n"
            "| 1 | Tuần 1 (từ 02/9 đến 07/9/2024) | Tổ chức Lễ khai giảng (7h00 ngày 05/9/2024) | Ban Giám hiệu |\n"
            "| 2 | Tuần 1 (từ 02/9 đến 07/9/2024) | Ổn định nề nếp lớp học | Giáo viên chủ nhiệm |\n"
            "| 3 | Tuần 3 (từ 16/9 đến 21/9/2024) | Các tổ xây dựng kế hoạch, xong trước 20/9 | Tổ Văn phòng |\n")
    draft = build_draft(text, NO_TREE)
    assert [(m.start, m.due, m.due_time, m.year_guessed) for m in draft.milestones] == [
        (None, date(2024, 9, 5), "07:00", False),  # the ceremony's own day and hour
        (date(2024, 9, 2), date(2024, 9, 7), None, False),  # no date of its own: the week
        (None, date(2024, 9, 20), None, False),  # "xong trước 20/9": the week says the year
    ]


def test_a_docx_in_decomposed_letters_reads_as_composed() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Ủy ban nhân dân xã Thanh Hòa")
    data = make_docx(["KẾ HOẠCH", "Tổng kết năm 2025"], ["TT", "Nội dung", "Chủ trì", "Thời gian"],
                     [["1", unicodedata.normalize("NFD", "Tổng kết công tác năm"), decomposed, "Tháng 12/2025"]])
    document = read_structure(data, "kh.docx")
    tree = UnitIndex([UnitRef("UBND-XA", "Ủy ban nhân dân xã Thanh Hòa", "other")])
    [milestone] = build_draft(document, tree).milestones
    assert (milestone.title, milestone.unit_codes) == ("Tổng kết công tác năm", {"UBND-XA"})
