"""Intake replies always fit one Telegram message and are valid HTML: whole lines up to the limit, then how many
were left out (the summary was once cut inside <b>, 25 long error lines went over 4,096 characters)."""

from __future__ import annotations

from datetime import date
from html import escape

from hypothesis import given, settings, strategies as st

from bot.i18n import translator
from bot.intake.draft import Draft, DraftMilestone
from bot.intake.units import Resolved
from handlers.intake_texts import LINE_CHARS, import_failed_text, problems_text, summary_text
from handlers.render import MESSAGE_LIMIT
from sandbox.text import parse_html

VI = translator("vi")
HEADER = "Không nhập: hãy sửa các lỗi sau trong tệp rồi gửi lại dạng .yaml:"


def shown(text: str) -> str:
    """What the admin reads: Telegram's own parse of the HTML (raises "can't parse entities" as Telegram would)."""
    plain, _ = parse_html(text)
    assert len(text) <= MESSAGE_LIMIT
    return plain


def test_twenty_five_long_error_lines_fit_with_a_count_of_the_rest() -> None:
    problems = [f"ke-hoach.yaml:{line}: đơn vị <{'HU-' * 60}{line}> & \"{'x' * 40}\" không có trong cây đơn vị"
                for line in range(1, 26)]
    text = shown(problems_text(HEADER, problems, VI))
    lines = text.split("\n")
    assert lines[0] == HEADER and lines[1:-1] == problems[: len(lines) - 2]  # whole lines, unescaped as sent
    assert lines[-1] == f"… và {25 - (len(lines) - 2)} dòng nữa"


def test_a_short_list_is_sent_whole() -> None:
    assert shown(problems_text(HEADER, ["a.yaml:3: lỗi <1>"], VI)) == f"{HEADER}\na.yaml:3: lỗi <1>"


def test_a_summary_of_long_titles_and_review_notes_stays_valid_html() -> None:
    unknown = [f'không nhận ra đơn vị "Ban Chấp hành Đảng bộ huyện số {n} & các chi bộ trực thuộc"' for n in range(12)]
    milestones = [DraftMilestone(code=f"KH-2111-M{n:02d}", title="Tổ chức đại hội <điểm> " * 40, source="…",
                                 due=date(2020, 5, 31), units=[Resolved("BTV-TU", frozenset({"BTV-TU"}), "Ban")],
                                 review=unknown) for n in range(1, 30)]
    problems = [f'dòng {n + 7}, cột "Cần xem lại": cần xem lại: {note} <{n}>' for n, note in enumerate(unknown * 29)]
    text = summary_text(Draft(title="Kế hoạch", milestones=milestones), "kế hoạch <2020>.docx", VI,
                        problems=problems)
    plain = shown(text)
    assert plain.startswith("📄 Bản nháp từ kế hoạch <2020>.docx: 29 mốc.")
    assert "<b>KH-2111-M01</b>" in text and plain.rstrip().endswith("dòng nữa")
    assert "29 mốc cần xem lại" in plain and '• dòng 7, cột "Cần xem lại": cần xem lại: không nhận ra' in plain


@settings(deadline=None, max_examples=80)
@given(header=st.text(max_size=200), problems=st.lists(st.text(max_size=1500), max_size=60))
def test_any_problem_list_fits_as_whole_lines(header: str, problems: list[str]) -> None:
    text = problems_text(header, problems, VI)
    shown(text)
    given_lines = "\n".join([header, *problems]).split("\n")
    sent = text.split("\n")
    if len(sent) < len(given_lines):
        assert sent.pop() == f"… và {len(given_lines) - len(sent)} dòng nữa"
    for line, raw in zip(sent, given_lines, strict=False):  # each line whole, a very long one cut at its end
        assert line == escape(raw if len(raw) <= LINE_CHARS else raw[: LINE_CHARS - 1] + "…")


def test_a_failed_import_says_what_and_that_the_draft_is_kept() -> None:
    text = shown(import_failed_text(OverflowError("date value out of range"), VI))
    assert "Nhập không thành công (OverflowError)" in text and "Bản nháp vẫn được giữ" in text
