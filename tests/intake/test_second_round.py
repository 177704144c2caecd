"""Second round of the extractor (issue 16), for the kinds of failure the documents written after the first freeze
showed: a periodic rule's bounds taken from its own sentence, a sentence cut by a PDF page break, lettered items,
abbreviated halves of department names, a dispatch task naming its own lead, joint plans led by two bodies."""

from __future__ import annotations

from datetime import date

import pytest

from bot.intake.dates import Context, find_deadlines
from bot.intake.draft import build_draft
from bot.intake.names import expand
from bot.intake.readers import read_structure
from bot.intake.units import UnitIndex, UnitRef
from tests.intake.documents import PdfPage, make_pdf

DOCUMENT_2024 = Context(document=date(2024, 10, 21), year=2024)
TREE = UnitIndex([
    UnitRef("UBND-H", "Ủy ban nhân dân huyện Lạc Thủy", "other"),
    UnitRef("HND-H", "Hội Nông dân huyện Lạc Thủy", "other", parent="UBND-H"),
    UnitRef("PNN-H", "Phòng Nông nghiệp và Phát triển nông thôn huyện Lạc Thủy", "other", parent="UBND-H",
            short_name="Phòng Nông nghiệp và Phát triển nông thôn"),
    UnitRef("TD", "Tỉnh đoàn Hòa Bình", "other"),
    UnitRef("MT", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hòa Bình", "other",
            aliases=("Ban Thường trực UBMTTQ Việt Nam tỉnh",)),
    UnitRef("BDV", "Ban Dân vận Tỉnh ủy Hòa Bình", "other"),
])


def rules(text: str) -> list[dict[str, object]]:
    return [d.repeat for d in find_deadlines(text, DOCUMENT_2024, task=True).deadlines if d.repeat is not None]


def test_a_bound_that_opens_the_sentence_bounds_every_rule_in_it() -> None:
    assert rules("Kể từ năm 2025, các đơn vị báo cáo định kỳ 6 tháng và năm trước ngày 10/6 và ngày 10/11 hằng năm; "
                 "báo cáo kết quả thực hiện dân chủ ở cơ sở hằng quý, trước ngày 20 của tháng cuối quý.") == [
        {"dates": ["10/6", "10/11"], "from": date(2025, 1, 1)},
        {"every": "quarter", "day": 20, "from": date(2025, 1, 1)},  # not the document's date: the sentence says
    ]


def test_a_bound_inside_one_clause_stays_with_that_clause() -> None:
    assert rules("Các xã báo cáo trước ngày 25 hằng tháng, kể từ năm 2025; các trường báo cáo hằng quý, trước ngày "
                 "20 của tháng cuối quý.") == [{"every": "month", "day": 25, "from": date(2025, 1, 1)},
                                              {"every": "quarter", "day": 20}]
    # a neighbouring sentence's bound is not this one's
    assert rules("Từ tháng 7/2025, các xã báo cáo trước ngày 25 hằng tháng. Các trường báo cáo hằng quý, trước ngày "
                 "20 của tháng cuối quý.") == [{"every": "month", "day": 25, "from": date(2025, 7, 1)},
                                              {"every": "quarter", "day": 20}]


@pytest.mark.parametrize("text", ["Từ tháng 7/2025, các xã báo cáo trước ngày 25 hằng tháng.",
                                  "Các xã báo cáo trước ngày 25 hằng tháng kể từ tháng 7 năm 2025."])
def test_a_periodic_rule_from_a_month(text: str) -> None:
    assert rules(text) == [{"every": "month", "day": 25, "from": date(2025, 7, 1)}]


def test_a_sentence_cut_by_a_pdf_page_break_is_one_paragraph() -> None:
    first, second = PdfPage(), PdfPage()
    first.line("CÔNG VĂN")
    first.line("3. Giám sát và phản biện xã hội")
    first.line("Đề nghị Ban Thường trực UBMTTQ Việt Nam tỉnh chủ trì tổng hợp kết quả giám sát năm")
    second.line("2024 về thực hiện dân chủ ở cơ sở, gửi Ban Dân vận Tỉnh ủy trước ngày 05/12/2024.")
    second.line("4. Hội nghị tổng kết")
    draft = build_draft(read_structure(make_pdf([first, second]), "cv.pdf"), TREE)
    [milestone] = draft.milestones
    assert milestone.due == date(2024, 12, 5) and milestone.unit_codes == {"MT"}
    assert "kết quả giám sát năm 2024 về thực hiện dân chủ" in milestone.title


def test_a_page_that_starts_with_its_own_paragraph_is_not_joined() -> None:
    first, second = PdfPage(), PdfPage()
    first.line("CÔNG VĂN")
    first.line("Đề nghị Tỉnh đoàn Hòa Bình tổng hợp danh sách đoàn viên tiêu biểu năm 2024.")
    second.line("- Ban Dân vận Tỉnh ủy tổ chức hội nghị trước ngày 19/12/2024.")
    draft = build_draft(read_structure(make_pdf([first, second]), "cv.pdf"), TREE)
    assert [(m.due, m.unit_codes) for m in draft.milestones] == [(date(2024, 12, 19), {"BDV"})]


DISPATCH = """TỈNH ỦY HÒA BÌNH
BAN DÂN VẬN
Số 312-CV/BDVTU
V/v tổng kết công tác dân vận năm 2024
Hòa Bình, ngày 21 tháng 10 năm 2024
Kính gửi:
- Ban Thường trực UBMTTQ Việt Nam tỉnh;
- Tỉnh đoàn Hòa Bình.
2. Tổng kết phong trào thi đua năm 2024
a) Hoàn thiện hồ sơ đề nghị Ban Dân vận Tỉnh ủy tặng Bằng khen, gửi đến hết ngày 30-11-2024.
b) Đề nghị Tỉnh đoàn Hòa Bình phối hợp với Ban Dân vận Tỉnh ủy lựa chọn 05 gương đoàn viên; hoàn thành trong \
tháng 11/2024.
c) Để chuẩn bị Hội nghị, giao Tỉnh đoàn Hòa Bình in giấy khen trước ngày 10/12/2024.
d) Về tuyên truyền, Ban Thường trực UBMTTQ Việt Nam tỉnh chủ trì, phối hợp với Tỉnh đoàn Hòa Bình đưa tin \
trước ngày 15/12/2024.
"""


def test_a_dispatch_task_that_names_its_own_lead_takes_it_not_all_the_recipients() -> None:
    draft = build_draft(DISPATCH, TREE)
    got = [(m.due, m.unit_codes, [r.selector for r in m.coordinating]) for m in draft.milestones]
    assert got == [
        (date(2024, 11, 30), {"MT", "TD"}, []),  # nobody named ("đề nghị Ban … tặng" is the file's, not a lead)
        (date(2024, 11, 30), {"TD"}, ["BDV"]),  # "b) Đề nghị Tỉnh đoàn …": the letter is no part of the sentence
        (date(2024, 12, 10), {"TD"}, []),  # "…, giao Tỉnh đoàn …"
        (date(2024, 12, 15), {"MT"}, ["TD"]),  # "…, X chủ trì, phối hợp với Y …"
    ]
    assert draft.milestones[0].title.startswith("Hoàn thiện hồ sơ")  # "a)" does not run on from the heading


@pytest.mark.parametrize(("written", "expanded"), [
    ("Phòng Nông nghiệp và PTNT", "Phòng Nông nghiệp và Phát triển nông thôn"),
    ("Sở NN&PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("tình hình KT-XH", "tình hình Kinh tế - Xã hội"),
    ("Sở TN&MT", "Sở Tài nguyên và Môi trường"),
    ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
    ("Sở VH-TT&DL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("Phòng GD&ĐT", "Phòng Giáo dục và Đào tạo"),
    ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
    ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
    ("Kế hoạch số 03/KHPH-HND-PNN", "Kế hoạch số 03/KHPH-HND-PNN"),  # a document's code is not a name
])
def test_abbreviations_in_unit_names_are_written_out(written: str, expanded: str) -> None:
    assert expand(written) == expanded


def test_an_abbreviated_department_resolves_in_the_tree() -> None:
    found = TREE.resolve("Phòng Nông nghiệp và PTNT")
    assert found is not None and found.selector == "PNN-H"


JOINT = """HỘI NÔNG DÂN HUYỆN LẠC THỦY
PHÒNG NÔNG NGHIỆP VÀ PTNT HUYỆN
Số: 03/KHPH-HND-PNN
Lạc Thủy, ngày 20 tháng 02 năm 2025
KẾ HOẠCH PHỐI HỢP
Hỗ trợ hội viên nông dân ứng dụng công nghệ số năm 2025
II. NỘI DUNG PHỐI HỢP
| TT | Nội dung | Chủ trì | Phối hợp | Thời gian |
|----|----------|---------|----------|-----------|
| 1 | Tổ chức lớp tập huấn kỹ năng số | Phòng Nông nghiệp và | Hội Nông dân huyện | Tháng 5/2025 |
|   |                                 | PTNT                 |                    |              |
| 2 | Sơ kết, đánh giá kết quả | Hội Nông dân huyện; Phòng Nông nghiệp và PTNT | | Xong trước 10/12 |
III. TỔ CHỨC THỰC HIỆN
Hội Nông dân huyện và Phòng NN&PTNT định kỳ 6 tháng, năm báo cáo kết quả phối hợp về UBND huyện trước ngày 15/6 \
và ngày 05/12 hằng năm.
"""


def test_a_joint_plan_gives_both_leads() -> None:
    draft = build_draft(JOINT, TREE)
    assert [(m.due, m.repeat and {k: v for k, v in m.repeat.items() if k != "from"}, m.unit_codes)
            for m in draft.milestones] == [
        (date(2025, 5, 31), None, {"PNN-H"}),  # "Phòng Nông nghiệp và / PTNT" wrapped in its cell
        (date(2025, 12, 10), None, {"HND-H", "PNN-H"}),
        (None, {"dates": ["15/6", "5/12"]}, {"HND-H", "PNN-H"}),
    ]
