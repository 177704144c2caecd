"""Readers: .txt, .docx (built here with python-docx), a text PDF (written here by hand, with a ToUnicode map so
Vietnamese letters survive) and the Vietnamese errors for what cannot be read."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot.intake.dates import find_deadlines
from bot.intake.readers import ReadError, read_bytes
from bot.intake.text import paragraphs

LINES = ["2.4- Từ ngày 01/4/2020 đến hết ngày 30/6/2020",
         "- Ban Thường vụ Tỉnh ủy chỉ đạo đại hội điểm Đảng bộ huyện Điện Biên xong",
         "trước ngày 31/5/2020."]


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    for line in LINES:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text is `lines`, in a simple font with a ToUnicode CMap (one byte per character)."""
    chars = sorted({ch for line in lines for ch in line})
    codes = {ch: 32 + index for index, ch in enumerate(chars)}
    assert len(codes) < 224
    content = b"BT /F1 11 Tf 14 TL 50 780 Td\n"
    for line in lines:
        raw = bytes(codes[ch] for ch in line)
        escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        content += b"(" + escaped + b") Tj T*\n"
    content += b"ET"
    cmap = "\n".join([
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CMapName /Adhoc def /CMapType 2 def",
        "1 begincodespacerange <00> <FF> endcodespacerange",
        f"{len(codes)} beginbfchar",
        *(f"<{code:02X}> <{ord(ch):04X}>" for ch, code in codes.items()),
        "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
    ]).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


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
])
def test_unreadable_files_say_why_in_vietnamese(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(data, name)
    assert message in str(caught.value)


def test_image_only_pdf_is_refused() -> None:
    with pytest.raises(ReadError, match="bản scan"):
        read_bytes(make_pdf(["1 2"]), "scan.pdf")
