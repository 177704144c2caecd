"""Validation of plan files: every mistake reported with its line, in Vietnamese, all at once."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from bot.i18n import translator
from bot.plans.validate import check_plan_text, read_plan

UNITS = """\
units:
  - code: TU
    name: Tỉnh ủy Điện Biên
    kind: province_committee
    children:
      - code: HU-DIENBIEN
        name: Huyện ủy Điện Biên
        kind: district_committee
      - code: HU-TUANGIAO
        name: Huyện ủy Tuần Giáo
        kind: district_committee
"""  # lines 2-12 after PLAN

PLAN = """\
plan: {code: KH-THU, title: Kế hoạch thử}
"""


def problems(text: str) -> list[str]:
    check = check_plan_text(dedent(text), filename="kh.yaml")
    assert check.plan is None or not check.errors
    return check.render(translator("vi"))


def with_milestones(milestones: str) -> str:
    """A valid plan head (lines 1-12) followed by `milestones:` at line 13."""
    return PLAN + UNITS + "milestones:\n" + dedent(milestones)


def test_a_valid_plan_has_no_problem() -> None:
    check = check_plan_text(with_milestones("""\
        - code: M01
          title: Đại hội điểm
          due: 31/05/2020
          units: [HU-DIENBIEN]
        """), filename="kh.yaml")
    assert check.problems == []
    assert check.plan is not None
    assert [unit.code for unit in check.plan.units] == ["TU", "HU-DIENBIEN", "HU-TUANGIAO"]
    assert check.plan.units[1].parent == "TU"


def test_unknown_unit_code_suggests_the_nearest() -> None:
    assert problems(with_milestones("""\
        - code: M01
          title: Đại hội điểm
          due: 31/05/2020
          units:
            - HU-DIENBIEN
            - HU-DIENBEN
            - HU-XYZ
        """)) == [
        'kh.yaml:19: không có đơn vị mã "HU-DIENBEN" (có phải "HU-DIENBIEN"?)',
        'kh.yaml:20: không có đơn vị mã "HU-XYZ"',
    ]


def test_duplicate_unit_and_milestone_codes() -> None:
    text = PLAN + UNITS + dedent("""\
              - code: HU-TUANGIAO
                name: Huyện ủy Tuần Giáo (lần hai)
                kind: district_committee
        milestones:
          - {code: M01, title: Một, due: 01/05/2020, units: [TU]}
          - {code: M01, title: Hai, due: 02/05/2020, units: [TU]}
        """)
    assert problems(text) == [
        'kh.yaml:13: mã đơn vị "HU-TUANGIAO" bị trùng (đã dùng ở dòng 10)',
        'kh.yaml:18: mã mốc "M01" bị trùng (đã dùng ở dòng 17)',
    ]


@pytest.mark.parametrize(("written", "message"), [
    ("31/02/2020", 'ngày "31/02/2020" không tồn tại (tháng 2 năm 2020 có 29 ngày)'),
    ("29/02/2019", 'ngày "29/02/2019" không tồn tại (tháng 2 năm 2019 có 28 ngày)'),
    ("31/4/2020", 'ngày "31/4/2020" không tồn tại (tháng 4 năm 2020 có 30 ngày)'),
    ("15/13/2020", 'ngày "15/13/2020" không tồn tại (không có tháng 13)'),
    ("2020-02-30", 'ngày "2020-02-30" không tồn tại (tháng 2 năm 2020 có 29 ngày)'),
    ("15 tháng 5", '"15 tháng 5" không phải là ngày: hãy viết ngày/tháng/năm, ví dụ 15/05/2020'),
])
def test_impossible_dates(written: str, message: str) -> None:
    assert problems(with_milestones(f"""\
        - code: M01
          title: Một
          units: [TU]
          due: {written}
        """)) == [f"kh.yaml:17: {message}"]


def test_due_before_start() -> None:
    assert problems(with_milestones("""\
        - code: M01
          title: Đại hội cấp cơ sở
          start: 15/06/2020
          due: 01/04/2020
          units: [TU]
        """)) == ["kh.yaml:17: hạn 01/04/2020 trước ngày bắt đầu 15/06/2020"]


def test_empty_and_missing_title() -> None:
    assert problems(with_milestones("""\
        - code: M01
          title: ""
          due: 01/04/2020
          units: [TU]
        - code: M02
          due: 01/04/2020
          units: [TU]
        """)) == [
        'kh.yaml:15: trường "title" để trống',
        'kh.yaml:18: thiếu trường "title"',
    ]


def test_unknown_key_suggests_the_field_meant() -> None:
    assert problems(with_milestones("""\
        - code: M01
          titel: Một
          due: 01/04/2020
          units: [TU]
          colour: red
        """)) == [
        'kh.yaml:14: thiếu trường "title"',
        'kh.yaml:15: không có trường "titel" (có phải "title"?)',
        'kh.yaml:18: không có trường "colour"; các trường dùng được ở đây: code, title, phase, start, due, '
        'due_time, source, units, coordinating, requires_acceptance, reminder_days, repeat, review',
    ]


def test_milestone_without_units() -> None:
    assert problems(with_milestones("""\
        - code: M01
          title: Một
          due: 01/04/2020
        - code: M02
          title: Hai
          due: 01/04/2020
          units: []
        """)) == [
        'kh.yaml:14: mốc "M01" chưa giao cho đơn vị nào: hãy thêm "units:"',
        'kh.yaml:17: mốc "M02" chưa giao cho đơn vị nào: hãy thêm "units:"',
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("plan:\n  code: X\n   title: y\n",
     "kh.yaml:3: lỗi cú pháp YAML ở cột 9: không được có dấu hai chấm ở đây: sau dấu hai chấm của tên trường phải "
     'có dấu cách, và giá trị có chứa ": " phải đặt trong ngoặc kép'),
    ("plan:\n\tcode: X\n", "kh.yaml:2: lỗi cú pháp YAML ở cột 1: không thụt lề bằng phím Tab: hãy dùng dấu cách"),
    ('plan:\n  title: "Kế hoạch\n', "kh.yaml:3: lỗi cú pháp YAML ở cột 1: thiếu dấu ngoặc kép đóng"),
    ("units:\n  - code: A\n  name: b\n",
     "kh.yaml:3: lỗi cú pháp YAML ở cột 3: thụt lề không khớp với các dòng phía trên"),
])
def test_malformed_yaml_is_explained(text: str, message: str) -> None:
    assert problems(text) == [message]


def test_yaml_traps_are_avoided() -> None:
    """`NO` stays a code, `2020-05-15` a date as written, `17:00` a time (YAML 1.1 would make false / 1020)."""
    check = check_plan_text(dedent("""\
        plan: {code: KH, title: Thử}
        units:
          - {code: "TU", name: Tỉnh ủy, kind: province_committee}
          - {code: NO, name: Đơn vị NO, kind: other, parent: TU}
        milestones:
          - {code: M01, title: Một, due: 2020-05-15, due_time: 17:00, units: [NO], requires_acceptance: yes}
        """), filename="kh.yaml")
    assert check.problems == []
    assert check.plan is not None
    milestone = check.plan.milestones[0]
    assert (milestone.units, str(milestone.due), str(milestone.due_time)) == (("NO",), "2020-05-15", "17:00:00")
    assert milestone.requires_acceptance is True


def test_tree_mistakes() -> None:
    assert problems(dedent("""\
        plan: {code: KH, title: Thử}
        units:
          - {code: TU, name: Tỉnh ủy, kind: province_committee}
          - {code: HU-ĐIỆNBIÊN, name: Huyện ủy Điện Biên, kind: district_committee, parent: TU}
          - {code: HU-A, name: A, kind: huyen_uy, parent: TU}
          - {code: HU-B, name: B, kind: district_committee, parent: HU-C}
          - {code: X, name: X, kind: other, parent: Y}
          - {code: Y, name: Y, kind: other, parent: X}
          - {code: HU-D, name: D, kind: distric_committee, parent: TU}
        milestones:
          - {code: M01, title: Một, due: 01/05/2020, units: [TU]}
        """)) == [
        'kh.yaml:4: mã "HU-ĐIỆNBIÊN" không hợp lệ: chỉ dùng chữ in hoa không dấu A-Z, chữ số và dấu gạch ngang, '
        'ví dụ "HU-DIENBIEN"',
        'kh.yaml:5: không có loại đơn vị "huyen_uy"; các loại: province_committee, standing_committee, party_board, '
        "advisory_board, sub_committee, district_committee, grassroots, other",
        'kh.yaml:6: đơn vị "HU-B" có đơn vị cấp trên "HU-C" không tồn tại (có phải "HU-B"?)',
        "kh.yaml:7: các đơn vị X → Y → X tạo thành vòng lặp: một đơn vị không thể là cấp trên của chính nó",
        'kh.yaml:9: không có loại đơn vị "distric_committee" (có phải "district_committee"?)',
    ]


def test_selectors_groups_and_phases() -> None:
    check = check_plan_text(PLAN + UNITS + dedent("""\
        groups:
          - code: HUYEN
            name: Các huyện ủy
            units: [{kind: district_committee}]
        phases:
          - {code: "2.4", title: "2.4- Từ ngày 01/4/2020 đến hết ngày 30/6/2020", start: 01/04/2020, end: 30/06/2020}
        milestones:
          - {code: M01, title: Một, phase: "2.4", units: [{group: HUYEN}]}
          - {code: M02, title: Hai, phase: "2.4", due: 15/07/2020, units: [{subtree: TU}]}
          - {code: M03, title: Ba, due: 01/05/2020, units: [{children: TU, kind: grassroots}, HUYEN]}
          - {code: M04, title: Bốn, phase: "2.5", units: [{group: HUYENN}, {kind: district_committee, under: TU}]}
        """), filename="kh.yaml")
    assert check.render(translator("vi")) == [
        "kh.yaml:21: cảnh báo: hạn 15/07/2020 nằm ngoài giai đoạn 2.4 (01/04/2020 – 30/06/2020)",
        'kh.yaml:22: "children: TU, kind: grassroots" không chọn được đơn vị nào',
        'kh.yaml:22: không có đơn vị mã "HUYEN" ("HUYEN" là một nhóm: hãy ghi "group: HUYEN")',
        'kh.yaml:23: không có nhóm mã "HUYENN" (có phải "HUYEN"?)',
        'kh.yaml:23: không có giai đoạn mã "2.5" (có phải "2.4"?)',
    ]


def test_phase_window_gives_start_and_due() -> None:
    check = check_plan_text(PLAN + UNITS + dedent("""\
        phases:
          - {code: "2.2", title: "2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019", start: 01/10/2019, end: 31/12/2019}
        milestones:
          - {code: M01, title: Một, phase: "2.2", units: [TU]}
          - {code: M02, title: Hai, phase: "2.2", due: trong tháng 10/2019, units: [TU]}
        """), filename="kh.yaml")
    assert check.plan is not None
    first, second = check.plan.milestones
    assert (str(first.start), str(first.due), first.phase) == (
        "2019-10-01", "2019-12-31", "2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019")
    assert (second.start, str(second.due)) == (None, "2019-10-31")


def test_missing_sections_and_files(tmp_path: Path) -> None:
    assert problems("plan: {code: KH, title: Thử}\nunit: []\n") == [
        'kh.yaml:1: thiếu mục "units"',
        'kh.yaml:1: thiếu mục "milestones"',
        'kh.yaml:2: không có mục "unit" (có phải "units"?)',
    ]
    missing = read_plan(tmp_path / "khong-co.yaml")
    assert missing.render(translator("vi")) == [f"{tmp_path / 'khong-co.yaml'}: không tìm thấy tệp"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(with_milestones("- {code: M01, title: Một, due: 31/02/2020, units: [TU]}\n"), encoding="utf-8")
    assert read_plan(bad).render(translator("vi")) == [
        f'{bad}:14: ngày "31/02/2020" không tồn tại (tháng 2 năm 2020 có 29 ngày)']


@pytest.mark.parametrize("written", ["31/12/9999", "02/01/0001", "00/01/0000", "31/12/1989", "01/01/2101",
                                     "9999-12-31", "tháng 12/9999"])
def test_a_date_outside_the_plausible_years_is_refused(written: str) -> None:
    # 9999 passed the check, then the real import died with OverflowError computing a week after it.
    assert problems(with_milestones(f"- {{code: M01, title: Một, due: {written}, units: [TU]}}\n")) == [
        f'kh.yaml:14: ngày "{written}" nằm ngoài khoảng năm 1990–2100 mà kế hoạch được dùng']


def test_the_first_and_last_plausible_days_are_accepted() -> None:
    check = check_plan_text(with_milestones("""\
        - {code: M01, title: Một, start: 01/01/1990, due: 31/12/2100, units: [TU], reminder_days: [366, 0]}
        """), filename="kh.yaml")
    assert check.problems == []
    assert check.plan is not None
    milestone = check.plan.milestones[0]
    assert (str(milestone.start), str(milestone.due), milestone.reminder_days) == ("1990-01-01", "2100-12-31", (366, 0))


def test_reminder_days_are_bounded() -> None:
    sixteen = ", ".join(str(day) for day in range(351, 367))
    seventeen = ", ".join(str(day) for day in range(350, 367))
    assert problems(with_milestones(f"""\
        - {{code: M01, title: Một, due: 01/05/2020, units: [TU], reminder_days: [7, 1000000]}}
        - {{code: M02, title: Hai, due: 01/05/2020, units: [TU], reminder_days: [367]}}
        - {{code: M03, title: Ba, due: 01/05/2020, units: [TU], reminder_days: [{"9" * 5000}]}}
        - {{code: M04, title: Bốn, due: 01/05/2020, units: [TU], reminder_days: [-1]}}
        - {{code: M05, title: Năm, due: 01/05/2020, units: [TU], reminder_days: [bảy]}}
        - {{code: M06, title: Sáu, due: 01/05/2020, units: [TU], reminder_days: [{seventeen}]}}
        - {{code: M07, title: Bảy, due: 01/05/2020, units: [TU], reminder_days: [{sixteen}, 366, 0366]}}
        """)) == [
        "kh.yaml:14: nhắc trước hạn 1000000 ngày là quá sớm: tối đa 366 ngày",
        "kh.yaml:15: nhắc trước hạn 367 ngày là quá sớm: tối đa 366 ngày",
        "kh.yaml:16: nhắc trước hạn 999999999… ngày là quá sớm: tối đa 366 ngày",
        'kh.yaml:17: trường "reminder_days" không được là số âm',
        'kh.yaml:18: trường "reminder_days" phải là số nguyên',
        # 17 days do not fit the 64-character column: PostgreSQL refused the import with a raw error.
        'kh.yaml:19: trường "reminder_days" có hơn 16 ngày nhắc khác nhau',
    ]
