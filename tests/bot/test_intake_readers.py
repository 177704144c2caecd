"""Readers: .txt, .docx (built with python-docx), a text PDF (written by hand, with a ToUnicode map so Vietnamese
letters survive), the Vietnamese errors for what cannot be read, and the bounds a hostile document meets before
anything of it is inflated or parsed."""

from __future__ import annotations

from datetime import date

import docx
import pytest

from bot.i18n import translator
from bot.intake import readers
from bot.intake.dates import find_deadlines
from bot.intake.limits import MAX_FILE_BYTES
from bot.intake.readers import ReadError, read_bytes
from bot.intake.text import paragraphs
from tests.bot.intake_documents import LINES, docx_bomb, make_docx, make_pdf, pdf_stream_bomb, zip_of

DOCX_PARTS = {"[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="x">',  # cut short
              "_rels/.rels": b"<Relationships/>", "word/document.xml": b"<w:document>"}


def _deadline_of(text: str) -> list[date]:
    return [d.due for d in find_deadlines(" ".join(paragraphs(text))).deadlines]


def test_txt_utf8_with_and_without_bom() -> None:
    text = "\n".join(LINES)
    assert read_bytes(text.encode("utf-8"), "kh.txt") == text
    assert read_bytes(("\ufeff" + text).encode("utf-8"), "kh.TXT") == text


def test_docx() -> None:
    text = read_bytes(make_docx(), "ke-hoach.docx")
    assert "Ban Thường vụ Tỉnh ủy chỉ đạo đại hội điểm" in text
    assert date(2020, 5, 31) in _deadline_of(text)


def test_text_pdf() -> None:
    text = read_bytes(make_pdf(LINES), "ke-hoach.pdf")
    assert "Ban Thường vụ Tỉnh ủy chỉ đạo" in " ".join(text.split())
    assert paragraphs(text)[-1].endswith("xong trước ngày 31/5/2020.")  # the line break is joined
    assert date(2020, 5, 31) in _deadline_of(text)


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"PK\x03\x04 not really a zip", "hong.docx", "không phải tệp Word .docx hợp lệ"),
    (b"%PDF-1.4 garbage", "hong.pdf", "không phải PDF đọc được"),
    (b"\x00\x01\x02" * 50, "rac.txt", "không có chữ đọc được"),
    (b"abc", "ke-hoach.doc", "chỉ nhận văn bản .txt, .docx hoặc .pdf"),
    (b"", "rong.txt", "không có chữ đọc được"),
    (b"", "rong.docx", "không phải tệp Word .docx hợp lệ"),
    (b"", "rong.pdf", "không phải PDF đọc được"),
    (make_docx(), "bang-tinh.xlsx", "chỉ nhận văn bản .txt, .docx hoặc .pdf"),
    (b"Just some text, not a zip at all", "khong-phai-zip.docx", "không phải tệp Word .docx hợp lệ"),
    (zip_of(DOCX_PARTS), "xml-hong.docx", "không phải tệp Word .docx hợp lệ"),
    (zip_of({"xl/workbook.xml": b"<workbook/>"}), "bang-tinh-doi-ten.docx", "không phải tệp Word .docx hợp lệ"),
    (make_pdf(LINES)[:300], "chua-tai-xong.pdf", "không phải PDF đọc được"),
    (bytes(range(256)) * 8, "rac.pdf", "không phải PDF đọc được"),
    (b"\xff\xfe\x00", "utf16-hong.txt", "không phải văn bản UTF-8"),
    (("Việc " * 250_000).encode(), "qua-dai.txt", "Tệp qua-dai.txt quá dài (hơn 400 trang chữ)"),
    (b"a" * (MAX_FILE_BYTES + 1), "qua-lon.txt", "Tệp qua-lon.txt quá lớn (11 MB; tối đa 10 MB)"),
])
def test_unreadable_files_say_why_in_vietnamese(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(data, name)
    assert message in str(caught.value)


def test_image_only_pdf_is_refused() -> None:
    with pytest.raises(ReadError, match="bản scan"):
        read_bytes(make_pdf(["1 2"]), "scan.pdf")


def test_a_reason_speaks_the_readers_language() -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(b"abc", "ke-hoach.doc")
    assert caught.value.render(translator("en")).startswith("Cannot read the file ke-hoach.doc: only .txt, .docx")


def test_a_docx_bomb_is_refused_by_its_declared_sizes_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object) -> None:
        raise AssertionError("python-docx was given the bomb")

    bomb = docx_bomb(50)  # as in issue 11: a few hundred KB, 50 MB of XML
    monkeypatch.setattr(docx, "Document", never)
    assert len(bomb) < 400_000
    with pytest.raises(ReadError, match="giải nén ra tới 51 MB \\(tối đa 8 MB\\): đây không phải văn bản kế hoạch"):
        read_bytes(bomb, "bom.docx")


def test_a_docx_of_too_many_parts_is_refused() -> None:
    parts = {f"word/media/image{number}.png": b"" for number in range(1001)}
    with pytest.raises(ReadError, match="có quá nhiều thành phần \\(1001; tối đa 1000\\)"):
        read_bytes(zip_of(parts), "nhieu-phan.docx")


def test_a_pdf_of_too_many_pages_is_refused() -> None:
    with pytest.raises(ReadError, match=r"Tệp PDF dai\.pdf có 401 trang \(tối đa 400\)"):
        read_bytes(make_pdf(LINES, pages=401), "dai.pdf")


def test_a_pdf_stream_that_inflates_too_far_is_refused() -> None:
    with pytest.raises(ReadError, match=r"Tệp PDF bom\.pdf giải nén ra quá lớn"):
        read_bytes(pdf_stream_bomb(40), "bom.pdf")


def test_reading_a_pdf_stops_at_the_text_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_TEXT_CHARS", 300)  # a page of LINES is 142 characters
    read_bytes(make_pdf(LINES, pages=2), "vua.pdf")
    with pytest.raises(ReadError, match="quá dài"):
        read_bytes(make_pdf(LINES, pages=3), "dai.pdf")
