"""The draft of the seed document (plans/sources/dien-bien-2019.txt) against an answer key written by hand
from the document's text (section III.2), not from the extractor's output.

Reading: each "- " item under a window "2.x- Từ … đến …" is one obligation; an item with its own deadlines gives
one milestone per deadline; without one, it is due at the window's end. The units are the subject of the clause:
"các đảng bộ trực thuộc tỉnh" -> the 15 district-level committees, "các tiểu ban" -> the 4 sub-committees,
"cấp tỉnh"/"Tỉnh ủy"/"Ban Chấp hành Đảng bộ tỉnh" -> TU. A sentence naming no responsible unit, or naming one the
tree does not have ("Cấp ủy các cấp"), is left to the reviewer (REVIEW) — the hand-made plan's choices for those
(M02/M03, M06, M09, M10, M13, M14, M24) are judgement, not text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.intake import draft_document
from bot.intake.draft import Draft
from bot.intake.render import render_draft
from bot.intake.sources import from_plan_file
from bot.intake.units import Resolved
from bot.plans.importer import run_import
from bot.plans.validate import check_plan_text
from bot.settings import PROJECT_ROOT

NOW = datetime(2019, 8, 20, 2, 0, tzinfo=UTC)
SEED = PROJECT_ROOT / "plans" / "sources" / "dien-bien-2019.txt"
PLAN = PROJECT_ROOT / "plans" / "dien-bien-2019.yaml"
DBTT = {"TPU-DIENBIENPHU", "TXU-MUONGLAY", "HU-DIENBIEN", "HU-DIENBIENDONG", "HU-MUONGANG", "HU-TUANGIAO",
        "HU-TUACHUA", "HU-MUONGCHA", "HU-MUONGNHE", "HU-NAMPO", "DU-KHOICQ", "DU-KHOIDN", "DU-QUANSU", "DU-CONGAN",
        "DU-BIENPHONG"}
TIEUBAN = {"TB-VANKIEN", "TB-NHANSU", "TB-TOCHUC", "TB-TUYENTRUYEN"}
REVIEW = None  # no unit named (or not in the tree): the draft must say so, not guess

# (due, start or None, a snippet of the quoted source, the responsible units)
ANSWER_KEY = [
    # 2.1- Từ tháng 8/2019 đến ngày 30/9/2019
    (date(2019, 9, 30), date(2019, 8, 1), "Ban Thường vụ Tỉnh ủy xây dựng Kế hoạch tổ chức thực hiện", {"BTV-TU"}),
    (date(2019, 9, 30), date(2019, 8, 1), "Tổ chức hội nghị cán bộ triển khai, quán triệt", REVIEW),
    (date(2019, 9, 30), date(2019, 8, 1), "Ban Tổ chức Tỉnh ủy tham mưu với Ban Thường vụ Tỉnh ủy", {"BTC-TU"}),
    (date(2019, 9, 30), date(2019, 8, 1), "Các tiểu ban giúp việc chuẩn bị và tổ chức đại hội", TIEUBAN),
    # 2.2- Từ ngày 01/10/2019 đến hết ngày 31/12/2019
    (date(2019, 12, 31), date(2019, 10, 1), "Cấp ủy các cấp chỉ đạo quyết liệt", REVIEW),
    (date(2019, 10, 31), None, "Ban Thường vụ cấp ủy cấp huyện phê duyệt", DBTT),
    (date(2019, 11, 30), None, "Ban Thường vụ Tỉnh ủy phê duyệt kết quả rà soát", {"BTV-TU"}),
    (date(2019, 12, 31), None, "Tổ chức thực hiện quy trình rà soát, bổ sung quy hoạch cấp ủy", REVIEW),
    (date(2019, 12, 31), date(2019, 10, 1), "Ban Thường vụ cấp ủy các cấp tiếp tục bố trí", REVIEW),
    # 2.3- Từ ngày 01/01/2020 đến ngày 31/3/2020
    (date(2020, 1, 31), None, "Các đảng bộ trực thuộc tỉnh hoàn thành dự thảo báo cáo chính trị", DBTT),
    (date(2020, 2, 29), None, "cấp tỉnh hoàn thành dự thảo báo cáo chính trị trong tháng 02/2020", {"TU"}),
    (date(2020, 3, 31), date(2020, 1, 1), "Tổ chức các hội nghị tham gia ý kiến", REVIEW),
    (date(2020, 2, 29), None, "Đại hội điểm cấp cơ sở hoàn thành trong tháng 02/2020", REVIEW),
    (date(2020, 3, 31), None, "Trong tháng 3/2020, ban thường vụ các đảng bộ trực thuộc tỉnh duyệt xong", DBTT),
    # 2.4- Từ ngày 01/4/2020 đến hết ngày 30/6/2020
    (date(2020, 5, 15), None, "trình Ban Thường vụ Tỉnh ủy trước ngày 15/5/2020", DBTT),
    (date(2020, 6, 15), date(2020, 4, 1), "bắt đầu từ tháng 4, hoàn thành trước ngày 15/6/2020", DBTT),
    (date(2020, 6, 30), None, "báo cáo kết quả tổ chức đại hội cấp cơ sở về Ban Thường vụ Tỉnh ủy", DBTT),
    (date(2020, 5, 31), None, "chỉ đạo đại hội điểm Đảng bộ huyện Điện Biên xong trước ngày 31/5/2020", {"BTV-TU"}),
    (date(2020, 6, 30), None, "Ban Thường vụ Tỉnh ủy duyệt chương trình, nội dung đại hội", {"BTV-TU"}),
    (date(2020, 6, 30), None, "xong trước ngày 01/7/2020 để báo cáo Bộ Chính trị", {"TU"}),  # by the end of 30/6
    # 2.5- Từ ngày 01/7/2020 đến hết ngày 31/8/2020
    (date(2020, 8, 31), date(2020, 7, 1), "Các tiểu ban Đại hội Đảng bộ tỉnh và các đảng bộ trực thuộc tiếp tục",
     TIEUBAN | DBTT),
    (date(2020, 8, 31), date(2020, 7, 1), "Cấp ủy các đảng bộ trực thuộc tỉnh tiếp tục hoàn thiện", DBTT),
    (date(2020, 8, 31), None, "Tổ chức đại hội các đảng bộ trực thuộc tỉnh hoàn thành trước ngày 31/8/2020", REVIEW),
    # 2.6- Từ ngày 01/9/2020 đến ngày 31/10/2020
    (date(2020, 9, 15), None, "Tỉnh ủy tổ chức rút kinh nghiệm việc tổ chức đại hội", {"TU"}),
    (date(2020, 10, 31), date(2020, 9, 1), "Các tiểu ban Đại hội Đảng bộ tỉnh kiểm tra lại", TIEUBAN),
    (date(2020, 10, 31), date(2020, 9, 1), "Tiểu ban Văn kiện tập trung hoàn thành các dự thảo văn kiện",
     {"TB-VANKIEN"}),
    (date(2020, 10, 31), None, "Ban Chấp hành Đảng bộ tỉnh tổ chức Đại hội đại biểu Đảng bộ tỉnh lần thứ XIV", {"TU"}),
]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def drafted():  # type: ignore[no-untyped-def]
    source = from_plan_file(PLAN)
    return source, draft_document(SEED.read_bytes(), SEED.name, source)


def _rows(draft: Draft) -> list[tuple[date, date | None, str, set[str] | None]]:
    phases = {phase.code: phase for phase in draft.phases}
    rows = []
    for m in draft.milestones:
        phase = phases.get(m.phase) if m.phase else None
        due = m.due or (phase.end if phase else None)
        start = m.start or (phase.start if phase and not m.due else None)
        rows.append((due, start, flat(m.source), m.unit_codes if not m.review else None))
    return rows


def test_seed_matches_the_answer_key(drafted) -> None:  # type: ignore[no-untyped-def]
    _, result = drafted
    rows = _rows(result.draft)
    unmatched = list(range(len(rows)))
    missing = []
    for due, start, snippet, units in ANSWER_KEY:
        hit = next((i for i in unmatched if rows[i][0] == due and rows[i][1] == start and snippet in rows[i][2]
                    and rows[i][3] == units), None)
        if hit is None:
            missing.append((due, start, snippet, units))
        else:
            unmatched.remove(hit)
    invented = [rows[i] for i in unmatched]
    assert missing == [] and invented == [], f"missing {missing}\ninvented {invented}"
    assert len(rows) == len(ANSWER_KEY) == 27


def test_review_items_explain_themselves(drafted) -> None:  # type: ignore[no-untyped-def]
    _, result = drafted
    notes = {m.source.split()[0] + " " + m.source.split()[1]: m.review for m in result.draft.unresolved}
    assert any('"Cấp ủy các cấp"' in note for review in notes.values() for note in review)
    m23 = next(m for m in result.draft.milestones if m.source.startswith("Tổ chức đại hội các đảng bộ"))
    assert "(nhóm DBTT)" in m23.review[0]  # a suggestion for the reviewer, not an assignment
    assert m23.units == []


def test_draft_is_a_plan_file_that_refuses_import_until_reviewed(drafted) -> None:  # type: ignore[no-untyped-def]
    _, result = drafted
    check = check_plan_text(result.yaml, filename="draft.yaml")
    assert check.plan is None
    codes = {m.code for m in result.draft.unresolved}
    errors = check.render(translator("vi"))
    code_of = re.compile(r'mốc "(KH-CT35-2019-M\d\d)"')
    assert errors and all(code_of.search(e) and code_of.search(e).group(1) in codes  # type: ignore[union-attr]
                          for e in errors), errors
    assert "# trước ngày 01/7/2020 → hạn hết ngày 30/06/2020" in result.yaml


async def test_reviewed_draft_validates_and_imports(drafted, session_factory) -> None:  # type: ignore[no-untyped-def]
    source, result = drafted
    draft = result.draft
    # The reviewer's fix: name a unit for every item the draft could not resolve, delete the notes.
    draft = replace(draft, milestones=[replace(m, units=m.units or [Resolved("TU", frozenset({"TU"}), "Tỉnh ủy")],
                                               review=[]) for m in draft.milestones])
    text = render_draft(draft, units_yaml=source.units_yaml, plan_code=source.plan_code, source_name=SEED.name)
    check = check_plan_text(text, filename="draft.yaml")
    assert check.errors == [], check.render(translator("vi"))
    assert check.warnings == []
    plan = check.plan
    assert plan is not None and len(plan.milestones) == 27
    assert [(m.due, m.start) for m in plan.milestones] == [(row[0], row[1]) for row in ANSWER_KEY]

    first = await run_import(session_factory=session_factory, plan=plan, now=NOW)
    again = await run_import(session_factory=session_factory, plan=plan, now=NOW)
    assert len(first.milestones_added) == 27 and not again.changed


def test_cli_draft(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    out = tmp_path / "draft.yaml"
    result = CliRunner().invoke(app, ["draft", str(SEED), "--units", str(PLAN), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "27 mốc, 7 mốc cần xem lại" in result.output
    written = out.read_text(encoding="utf-8")
    # "Số: 2111" / "ĐẾN Ngày: 16/8/2019" is the incoming-mail stamp, not the plan's number: the code comes from
    # the title ("thực hiện Chỉ thị số 35-CT/TW") and the year
    assert written.count("  - code: KH-CT35-2019-M") == 27 and "\n  code: KH-CT35-2019\n" in written
    bad = CliRunner().invoke(app, ["draft", str(PLAN), "--units", str(PLAN), "-o", str(out)])
    assert bad.exit_code == 1 and "chỉ nhận văn bản .txt, .docx hoặc .pdf" in bad.output
