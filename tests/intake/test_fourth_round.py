"""Fourth round of the extractor (issue 16): short documents in layouts the keyed sets do not have — a plan dated in
October for the next year, a dispatch to "các trường tiểu học, THCS", a .docx appendix of a party committee, a text
table whose section headings stand on lines of their own, a PDF table cut by a page break under page numbers — and
what they showed: data named in a report's sentence ("số liệu 6 tháng đầu năm") hid its deadline, a series over the
new year ("từ tháng 11/2024 đến tháng 02/2025") lost its end, "Đầu tháng 3/2025" read as the month's last day,
"Hạn cuối … là ngày …", "Các chi, đảng bộ trực thuộc" and the heading lines and page numbers of text and PDF tables."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from bot.intake.dates import Context, find_deadlines
from bot.intake.draft import Draft, build_draft
from bot.intake.readers import read_structure
from bot.intake.units import GroupRef, UnitIndex, UnitRef
from tests.intake.documents import PdfPage, make_docx, make_pdf

NO_TREE = UnitIndex([])


def dated(draft: Draft) -> list[tuple[str, date | None, date | None, list[str]]]:
    return [(m.title, m.start, m.due, m.lead_names) for m in draft.milestones]


# 1. A plan dated in October for the next year ------------------------------------------------------------------------

OCTOBER_PLAN = """ỦY BAN NHÂN DÂN
HUYỆN KIM BÔI
Số: 215/KH-UBND
Kim Bôi, ngày 08 tháng 10 năm 2024

KẾ HOẠCH
Phòng, chống dịch bệnh gia súc, gia cầm năm 2025

Căn cứ Nghị quyết số 05-NQ/HU ngày 12/3/2024 của Ban Chấp hành Đảng bộ huyện.
II. NHIỆM VỤ
1. Phòng Nông nghiệp và Phát triển nông thôn:
- Tham mưu kế hoạch tiêm phòng vụ Xuân, xong trước 31/10.
- Tổng hợp số liệu 6 tháng đầu năm 2025, báo cáo UBND huyện trước ngày 20/7/2025.
2. UBND các xã, thị trấn:
- Tổ chức tiêm phòng bổ sung từ tháng 11 đến tháng 02/2025.
- Từ tháng 11/2024 đến tháng 02/2025, báo cáo tiến độ tiêm phòng trước ngày 25 hằng tháng.
3. Trung tâm Dịch vụ nông nghiệp:
- Hạn cuối nộp báo cáo kết quả cả năm là ngày 15/12/2025.
"""


def test_an_october_plan_for_next_year_dates_this_autumn_and_next_year_apart() -> None:
    draft = build_draft(OCTOBER_PLAN, NO_TREE)
    *first, due = [m for m in draft.milestones if m.repeat is None]
    assert [(m.title, m.start, m.due, m.lead_names) for m in first] == [
        ("Tham mưu kế hoạch tiêm phòng vụ Xuân", None, date(2024, 10, 31),
         ["Phòng Nông nghiệp và Phát triển nông thôn"]),  # the document's October, not the title year's
        ("Tổng hợp số liệu 6 tháng đầu năm 2025, báo cáo UBND huyện", None, date(2025, 7, 20),
         ["Phòng Nông nghiệp và Phát triển nông thôn"]),  # the data's period does not hide the report's deadline
        ("Tổ chức tiêm phòng bổ sung", date(2024, 11, 1), date(2025, 2, 28), ["Ủy ban nhân dân các xã, thị trấn"]),
    ]  # "từ tháng 11 đến tháng 02/2025": November of the year before
    assert (due.due, due.lead_names) == (date(2025, 12, 15), ["Trung tâm Dịch vụ nông nghiệp"])
    assert "báo cáo kết quả cả năm" in due.source  # "Hạn cuối nộp … là ngày …"
    assert draft.milestones[0].year_guessed  # the year is read, not written: marked for review
    [series] = [m for m in draft.milestones if m.repeat is not None]
    assert series.repeat == {"every": "month", "day": 25, "from": date(2024, 11, 1), "until": date(2025, 2, 28)}
    assert all(m.due != date(2024, 3, 12) for m in draft.milestones)  # the cited resolution's date



@pytest.mark.parametrize("sentence", [
    "Các xã báo cáo tiến độ trước ngày 25 hằng tháng (từ tháng 11 đến tháng 02/2025).",
    "Các xã báo cáo tiến độ trước ngày 25 hằng tháng, từ tháng 11 năm 2024 đến tháng 02 năm 2025.",
])
def test_a_monthly_series_over_the_new_year_ends_in_the_new_year(sentence: str) -> None:
    [series] = find_deadlines(sentence, Context(document=date(2024, 10, 8), year=2025)).deadlines
    assert series.repeat == {"every": "month", "day": 25, "from": date(2024, 11, 1), "until": date(2025, 2, 28)}


# 2. A dispatch to a collective written with a comma --------------------------------------------------------------

DISPATCH = """UBND HUYỆN KIM BÔI
PHÒNG GIÁO DỤC VÀ ĐÀO TẠO
Số: 456/PGDĐT-THCS
V/v tổ chức Hội khỏe Phù Đổng cấp huyện
Kim Bôi, ngày 10 tháng 02 năm 2025

Kính gửi: Hiệu trưởng các trường tiểu học, THCS trên địa bàn huyện.

Căn cứ Kế hoạch số 35/KH-UBND ngày 05/02/2025 của UBND huyện, Phòng GD&ĐT đề nghị Hiệu trưởng các trường:
1. Đăng ký danh sách vận động viên gửi về Phòng GD&ĐT trước 17h00 ngày 28/02/2025.
2. Tổ chức Hội khỏe Phù Đổng cấp trường, hoàn thành trong tháng 3/2025.
"""

SCHOOLS = UnitIndex(
    [UnitRef("TH-TS", "Trường Tiểu học Tú Sơn", "other"), UnitRef("THCS-TS", "Trường THCS Tú Sơn", "other")],
    [GroupRef("TRUONG", "Các trường tiểu học, THCS trên địa bàn huyện", frozenset({"TH-TS", "THCS-TS"}))])


def test_a_recipient_collective_of_school_levels_is_one_name() -> None:
    draft = build_draft(DISPATCH, SCHOOLS)
    assert [(m.due, m.due_time, m.lead_names) for m in draft.milestones] == [
        (date(2025, 2, 28), "17:00", ["Hiệu trưởng các trường tiểu học, Trung học cơ sở trên địa bàn huyện"]),
        (date(2025, 3, 31), None, ["Hiệu trưởng các trường tiểu học, Trung học cơ sở trên địa bàn huyện"]),
    ]  # "THCS" after the comma is a second kind of school, not a body of its own
    assert all(m.unit_codes == {"TH-TS", "THCS-TS"} and not m.review for m in draft.milestones)
    assert build_draft(DISPATCH, NO_TREE).milestones[0].lead_names == [
        "Hiệu trưởng các trường tiểu học, Trung học cơ sở trên địa bàn huyện"]  # the same without a units tree


def test_collective_names_of_party_cells_and_school_levels_are_one_name_each() -> None:
    text = ("HUYỆN UỶ KIM BÔI\nSố: 77-KH/HU\nKim Bôi, ngày 03 tháng 3 năm 2025\nKẾ HOẠCH\nKiểm tra, giám sát năm 2025\n"
            "1. Các chi, đảng bộ trực thuộc Huyện uỷ:\n"
            "- Xây dựng kế hoạch kiểm tra, giám sát của cấp ủy, hoàn thành trước ngày 15/3/2025.\n"
            "2. Các chi bộ, đảng bộ trực thuộc tổ chức kiểm điểm, xong trước 30/11/2025.\n"
            "3. Các trường mầm non, tiểu học, THCS trên địa bàn huyện báo cáo trước ngày 10/12/2025.\n")
    assert [m.lead_names for m in build_draft(text, NO_TREE).milestones] == [
        ["Các chi, đảng bộ trực thuộc Huyện uỷ"],  # a heading naming the lead of the bullets under it
        ["Các chi bộ, đảng bộ trực thuộc"],  # "trực thuộc" is part of the name, not "trực" (be on duty)
        ["Các trường mầm non, tiểu học, Trung học cơ sở trên địa bàn huyện"],
    ]


# 3. A party committee's .docx appendix --------------------------------------------------------------------------

PARTY = UnitIndex(
    [UnitRef("HU", "Huyện ủy Kim Bôi", "other"),
     UnitRef("BTG", "Ban Tuyên giáo Huyện ủy Kim Bôi", "other", parent="HU", short_name="Ban Tuyên giáo Huyện ủy"),
     UnitRef("VP", "Văn phòng Huyện ủy Kim Bôi", "other", parent="HU", short_name="Văn phòng Huyện ủy"),
     UnitRef("DU-TS", "Đảng ủy xã Tú Sơn", "other", parent="HU"),
     UnitRef("CB-UB", "Chi bộ Cơ quan Ủy ban nhân dân huyện", "other", parent="HU")],
    [GroupRef("CDB", "Các chi, đảng bộ trực thuộc Huyện ủy Kim Bôi", frozenset({"DU-TS", "CB-UB"}))])


def test_a_party_appendix_with_merged_leads_anniversaries_and_the_start_of_a_month() -> None:
    data = make_docx(
        ["ĐẢNG BỘ TỈNH HÒA BÌNH", "HUYỆN ỦY KIM BÔI", "Số: 120-KH/HU", "Kim Bôi, ngày 05 tháng 01 năm 2025", "KẾ HOẠCH",
         "Tuyên truyền các ngày lễ lớn năm 2025",
         "Căn cứ Hướng dẫn số 12-HD/BTGTW ngày 10/12/2024 của Ban Tuyên giáo Trung ương."],
        ["STT", "Nội dung công việc", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"],
        [[("I. CÁC NGÀY LỄ KỶ NIỆM", 5)],
         ["1", "Kỷ niệm 95 năm Ngày thành lập Đảng Cộng sản Việt Nam (03/02/1930 - 03/02/2025)",
          "Ban Tuyên giáo Huyện ủy", "Ủy ban MTTQ huyện", "Tháng 01 và tháng 02/2025"],
         ["2", "Tuyên truyền theo Kết luận số 48-KL/TW ngày 30/01/2023", "", "Các đoàn thể huyện",
          "Đầu tháng 3/2025"],
         ["3", "Kỷ niệm 78 năm Ngày Thương binh - Liệt sĩ (27/7/1947 - 27/7/2025)", "", "", "Tháng 7/2025"],
         [("II. SƠ KẾT", 5)],
         ["4", "Báo cáo sơ kết công tác tuyên truyền 6 tháng đầu năm 2025", "Các chi, đảng bộ trực thuộc", "",
          "Trước ngày\n15/6/2025"]],
        vertical=[(2, 2, 4)])
    draft = build_draft(read_structure(data, "kh.docx"), PARTY)
    assert dated(draft) == [
        ("Kỷ niệm 95 năm Ngày thành lập Đảng Cộng sản Việt Nam (03/02/1930 - 03/02/2025)", date(2025, 1, 1),
         date(2025, 2, 28), ["Ban Tuyên giáo Huyện ủy"]),
        ("Kỷ niệm 78 năm Ngày Thương binh - Liệt sĩ (27/7/1947 - 27/7/2025)", None, date(2025, 7, 31),
         ["Ban Tuyên giáo Huyện ủy"]),  # the merged lead cell; the anniversary's dates are no deadline
        ("Báo cáo sơ kết công tác tuyên truyền 6 tháng đầu năm 2025", None, date(2025, 6, 15),
         ["Các chi, đảng bộ trực thuộc"]),
    ]  # "Đầu tháng 3/2025" is some early day of March: no date rather than 31/3
    assert draft.milestones[-1].unit_codes == {"DU-TS", "CB-UB"} and not draft.milestones[-1].review


# 4. A text table whose section headings stand on lines of their own ------------------------------------------------

def test_a_section_heading_line_between_the_rows_of_a_text_table_keeps_the_table_whole() -> None:
    text = ("ĐẢNG ỦY XÃ TÚ SƠN\nSố: 45-KH/ĐU\nTú Sơn, ngày 15 tháng 3 năm 2025\nKẾ HOẠCH\n"
            "Công tác tuyên truyền năm 2025\n\n"
            "| TT | Nội dung | Chủ trì | Phối hợp | Thời gian |\n"
            "I. TUYÊN TRUYỀN KỶ NIỆM\n"
            "| 1 | Tuyên truyền kỷ niệm 50 năm Ngày giải phóng miền Nam (30/4/1975 - 30/4/2025) | Ban Tuyên giáo | "
            "Đoàn xã | Tháng 4/2025 |\n"
            "| 2 | Hội thi tìm hiểu lịch sử Đảng bộ xã | Đoàn xã | | Cuối tháng 5/2025 |\n"
            "II. SƠ KẾT\n"
            "| 3 | Báo cáo sơ kết 6 tháng | Văn phòng Đảng ủy | | Trước 20/6/2025 |\n")
    assert dated(build_draft(text, NO_TREE)) == [
        ("Tuyên truyền kỷ niệm 50 năm Ngày giải phóng miền Nam (30/4/1975 - 30/4/2025)", None, date(2025, 4, 30),
         ["Ban Tuyên giáo"]),
        ("Hội thi tìm hiểu lịch sử Đảng bộ xã", None, date(2025, 5, 31), ["Đoàn xã"]),
        ("Báo cáo sơ kết 6 tháng", None, date(2025, 6, 20), ["Văn phòng Đảng ủy"]),
    ]


# 5. A PDF table cut by a page break, under the page numbers of both pages -----------------------------------------

def test_a_pdf_row_cut_by_a_page_break_under_two_page_numbers_is_one_row() -> None:
    widths = [30, 200, 100, 100, 80]
    header = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
    first = PdfPage()
    for line in ("ỦY BAN NHÂN DÂN HUYỆN KIM BÔI", "Số: 88/KH-UBND", "Kim Bôi, ngày 12 tháng 3 năm 2025", "KẾ HOẠCH",
                 "Phát triển du lịch cộng đồng năm 2025"):
        first.line(line)
    first.table(widths, [header,
                         ["1", "Xây dựng kế hoạch quảng bá theo\nNghị quyết số 05-NQ/HU ngày\n12/3/2024",
                          "Phòng Văn hóa\nvà Thông tin", "Các xã, thị trấn", "Tháng 01 và\ntháng 02/2025"],
                         ["2", "Báo cáo kết quả, số liệu 6 tháng\nđầu năm 2025", "Phòng Văn hóa\nvà Thông tin", "",
                          "Trước ngày"]])
    first.line("1", x=290)  # the foot of page 1 …
    second = PdfPage()
    second.line("2", x=290)  # … and the head of page 2 read as one line "1 2"
    second.table(widths, [header, ["", "gửi UBND huyện", "", "", "20/7/2025"],
                          ["3", "Hội nghị tổng kết", "Văn phòng HĐND\nvà UBND huyện", "", "14h00 ngày\n26/12/2025"]])
    draft = build_draft(read_structure(make_pdf([first, second]), "kh.pdf"), NO_TREE)
    assert dated(draft) == [
        ("Xây dựng kế hoạch quảng bá theo Nghị quyết số 05-NQ/HU ngày 12/3/2024", date(2025, 1, 1),
         date(2025, 2, 28), ["Phòng Văn hóa và Thông tin"]),
        ("Báo cáo kết quả, số liệu 6 tháng đầu năm 2025 gửi UBND huyện", None, date(2025, 7, 20),
         ["Phòng Văn hóa và Thông tin"]),
        ("Hội nghị tổng kết", None, date(2025, 12, 26), ["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện"]),
    ]
    assert draft.milestones[-1].due_time == "14:00"


# 6. A party dispatch, decomposed (NFD), whose sentence names the asker first --------------------------------------

PARTY_DISPATCH = """HUYỆN UỶ KIM BÔI
Số: 78-CV/HU
V/v báo cáo kết quả thực hiện Chỉ thị 05
Kim Bôi, ngày 02 tháng 6 năm 2025
Kính gửi:
- Các chi, đảng bộ trực thuộc Huyện uỷ;
- Các ban xây dựng Đảng Huyện uỷ.
Ban Thường vụ Huyện uỷ đề nghị các đồng chí báo cáo kết quả 6 tháng đầu năm 2025 việc thực hiện Chỉ thị số \
05-CT/TW ngày 15/5/2016, gửi về Ban Tuyên giáo Huyện uỷ trước ngày 15/6/2025.
Giao Ban Tuyên giáo Huyện uỷ chủ trì, phối hợp với Văn phòng Huyện uỷ tổng hợp, báo cáo Ban Thường vụ trước ngày \
30/6/2025.
"""


def test_the_issuer_asking_is_not_the_lead_the_recipients_asked_are() -> None:
    draft = build_draft(unicodedata.normalize("NFD", PARTY_DISPATCH), NO_TREE)
    assert [(m.due, m.lead_names, m.coordinating_names) for m in draft.milestones] == [
        (date(2025, 6, 15), ["Các chi, đảng bộ trực thuộc Huyện uỷ", "Các ban xây dựng Đảng Huyện uỷ"], []),
        (date(2025, 6, 30), ["Ban Tuyên giáo Huyện uỷ"], ["Văn phòng Huyện uỷ"]),
    ]  # "Ban Thường vụ Huyện uỷ đề nghị các đồng chí …": the Kính gửi recipients; the 2016 directive is no deadline
