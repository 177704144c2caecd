"""Plan documents built in the tests: a .docx (python-docx), text PDFs written by hand, and hostile ones (a .docx
that inflates to hundreds of MB, a PDF of too many pages, a PDF stream that inflates too far)."""

from __future__ import annotations

import io
import zipfile
import zlib

LINES = ["2.4- Từ ngày 01/4/2020 đến hết ngày 30/6/2020",
         "- Ban Thường vụ Tỉnh ủy chỉ đạo đại hội điểm Đảng bộ huyện Điện Biên xong",
         "trước ngày 31/5/2020."]


def make_docx(lines: list[str] = LINES) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_bomb(xml_mb: int) -> bytes:
    """A valid .docx whose document.xml inflates to `xml_mb` MB of one-letter paragraphs (200 MB: a 1.3 MB file)."""
    source = zipfile.ZipFile(io.BytesIO(make_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "word/document.xml":
                bomb.writestr(info.filename, data)
                continue
            head, tail = data.split(b"<w:body>")
            paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
            megabyte = paragraph * (1024 * 1024 // len(paragraph))
            with bomb.open(info.filename, "w", force_zip64=True) as part:  # streamed: never all in memory here
                part.write(head + b"<w:body>")
                for _ in range(xml_mb):
                    part.write(megabyte)
                part.write(tail)
    return out.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def make_pdf(lines: list[str], *, pages: int = 1) -> bytes:
    """A PDF of `pages` pages showing `lines`, in a simple font with a ToUnicode CMap (one byte per character)."""
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
    return _pdf(content, cmap=cmap, pages=pages)


def pdf_stream_bomb(mb: int) -> bytes:
    """One page whose compressed content stream inflates to `mb` MB of text operators."""
    operators = b"(Ban Thuong vu Tinh uy chi dao) Tj " * (mb * 1024 * 1024 // 35)
    return _pdf(zlib.compress(b"BT /F1 11 Tf 50 780 Td " + operators + b"ET", 9), flate=True)


def _pdf(content: bytes, *, cmap: bytes | None = None, pages: int = 1, flate: bool = False) -> bytes:
    kids = " ".join(f"{7 + page} 0 R" for page in range(pages)).encode()
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica" + (b" /ToUnicode 6 0 R" if cmap else b"") + b" >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< >>",  # unused: page objects start at 7
        b"<< /Length %d%s >>\nstream\n" % (len(content), b" /Filter /FlateDecode" if flate else b"") + content
        + b"\nendstream",
        font,
        b"<< /Length %d >>\nstream\n" % len(cmap or b"") + (cmap or b"") + b"\nendstream",
        *(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
          b"/Resources << /Font << /F1 5 0 R >> >> >>" for _ in range(pages)),
    ]
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """Numbered objects (1 = the catalog) as a PDF file, with its cross-reference table."""
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
