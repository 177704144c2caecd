"""Plan documents with tables, built in the tests: a .docx (python-docx, merged cells), and a text PDF written by
hand whose tables are drawn with ruling lines as Word or LibreOffice draw them (a cell's text on several lines,
a heading cell spanning the row, a table going on over a page break)."""

from __future__ import annotations

import io

from tests.bot.intake_documents import _pdf, pdf_file

Cell = str | tuple[str, int]  # text (lines split at "\n"), or (text, columns it spans)

FONT_SIZE = 9
LINE = 11
CHAR = FONT_SIZE * 0.5  # every glyph 500/1000 wide


def make_docx(paragraphs_before: list[str], header: list[str], rows: list[list[Cell]],
              paragraphs_after: list[str] = (), *, vertical: list[tuple[int, int, int]] = ()) -> bytes:
    """A .docx: paragraphs, one table (row cells may span columns; `vertical`: (column, first row, last row) merged
    down, the text written in the first), paragraphs."""
    import docx

    document = docx.Document()
    for text in paragraphs_before:
        document.add_paragraph(text)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for index, row in enumerate(rows, start=1):
        column = 0
        for cell in row:
            text, span = (cell, 1) if isinstance(cell, str) else cell
            target = table.cell(index, column)
            if span > 1:
                target = target.merge(table.cell(index, column + span - 1))
            target.text = text
            column += span
    for column, first, last in vertical:
        top = table.cell(first, column)
        text = top.text
        merged = top.merge(table.cell(last, column))
        merged.text = text
    for text in paragraphs_after:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class PdfPage:
    def __init__(self) -> None:
        self.texts: list[tuple[float, float, str]] = []
        self.rects: list[tuple[float, float, float, float]] = []
        self.y = 800.0

    def line(self, text: str, x: float = 50) -> None:
        self.texts.append((x, self.y, text))
        self.y -= LINE + 3

    def table(self, widths: list[float], rows: list[list[Cell]], x: float = 40) -> None:
        for row in rows:
            height = max(len((c if isinstance(c, str) else c[0]).split("\n")) for c in row) * LINE + 4
            left = x
            column = 0
            for cell in row:
                text, span = (cell, 1) if isinstance(cell, str) else cell
                width = sum(widths[column:column + span])
                self.rects.append((left, self.y - height, width, height))
                for number, part in enumerate(text.split("\n")):
                    if part:
                        self.texts.append((left + 2, self.y - (number + 1) * LINE, part))
                left += width
                column += span
            self.y -= height
        self.y -= LINE


def make_pdf(pages: list[PdfPage]) -> bytes:
    chars = sorted({ch for page in pages for _, _, text in page.texts for ch in text} | {" "})
    codes = {ch: 32 + index for index, ch in enumerate(chars)}
    assert len(codes) < 224, len(codes)
    contents = []
    for page in pages:
        content = b""
        for left, bottom, width, height in page.rects:
            content += b"%.1f %.1f %.1f %.1f re S\n" % (left, bottom, width, height)
        for left, bottom, text in page.texts:
            raw = bytes(codes[ch] for ch in text).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            content += b"BT /F1 %d Tf %.1f %.1f Td (" % (FONT_SIZE, left, bottom) + raw + b") Tj ET\n"
        contents.append(content)
    cmap = "\n".join([
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CMapName /Adhoc def /CMapType 2 def",
        "1 begincodespacerange <00> <FF> endcodespacerange",
        f"{len(codes)} beginbfchar",
        *(f"<{code:02X}> <{ord(ch):04X}>" for ch, code in codes.items()),
        "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
    ]).encode()
    return _pages_pdf(contents, cmap, last=31 + len(codes))


def _pages_pdf(contents: list[bytes], cmap: bytes, last: int) -> bytes:
    """Like tests.bot.intake_documents._pdf, with a page per content stream and glyph widths declared."""
    pages = len(contents)
    first_page = 7 + pages
    font = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /LastChar %d /Widths [" % last
            + b" ".join(b"500" for _ in range(32, last + 1)) + b"] /ToUnicode 6 0 R >>")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (first_page + i) for i in range(pages))
        + b"] /Count %d >>" % pages,
        b"<< >>",
        b"<< >>",
        font,
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        *(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream" for content in contents),
        *(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
          b"/Resources << /Font << /F1 5 0 R >> >> >>" % (7 + i) for i in range(pages)),
    ]
    return pdf_file(objects)


__all__ = ["PdfPage", "_pdf", "make_docx", "make_pdf"]
