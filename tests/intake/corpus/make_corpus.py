"""Build the intake corpus's .docx and .pdf documents (and its NFD .txt) from the marked-up sources in sources/.

    .venv/bin/python tests/intake/corpus/make_corpus.py            # every document
    .venv/bin/python tests/intake/corpus/make_corpus.py NAME ...   # only these (source names without .src)
    .venv/bin/python tests/intake/corpus/make_corpus.py --folder after-freeze-3 [NAME ...]   # a later set, alike

A source `sources/NAME.src` whose first line is `@format docx` becomes `NAME.docx`; `@format pdf` becomes `NAME.pdf`
(a .docx built the same way, converted by LibreOffice: `soffice --headless --convert-to pdf`, in a private profile so
that it never touches anyone's running LibreOffice). `sources/NAME.nfc.txt` becomes `NAME.txt` in Unicode NFD (text
pasted from a system that decomposes accents). The other .txt documents are written by hand, next to this script.

The .docx files are byte-for-byte reproducible (fixed core properties and zip timestamps); the PDFs depend on the
LibreOffice version and the fonts installed (wrapping points may move; the keys do not depend on them).

Markup of a .src file (one block per line; a line is a paragraph unless it starts with a directive):
    @format docx|pdf          first line
    @size N                   body font size in points from here on (default 14)
    @header ... @end          the header table: `L: text` lines (issuing body, number) and `R: text` lines
                              (quốc hiệu, tiêu ngữ, place and date)
    @sign ... @end            the closing table: `L:` (Nơi nhận) and `R:` (signature) lines
    @title TEXT               centred bold line;  @center TEXT  centred line;  @right TEXT  right-aligned line
    @h TEXT                   bold heading line (indented like the body)
    @plain TEXT               a paragraph without first-line indent
    @table widths=W,W,... [size=N] [header=N] [repeat]
        cell | cell | ...     one row per line; `^` merges with the cell above, `<` with the cell to the left;
        !cell | ...           a bold row;  `\\n` inside a cell starts a new paragraph in the cell
    @end
    @box TEXT                 a bordered one-cell table (a stamp); `\\n` separates its lines
    @break                    page break;   @section landscape|portrait   new section
    @nfd / @nfc               the following paragraphs are written decomposed (NFD) / composed again
Inline: **bold**, *italic*, ***bold italic***; `\\*` is a literal asterisk.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
FONT = "Times New Roman"
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)


class Doc:
    """A python-docx document written in the layout of Nghị định 30/2020/NĐ-CP (A4, Times New Roman)."""

    def __init__(self) -> None:
        self.document = docx.Document()
        self.size = 14.0
        self.nfd = False
        style = self.document.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(self.size)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.space_before = Pt(0)
        section = self.document.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
        props = self.document.core_properties
        props.author = props.last_modified_by = ""
        props.created = props.modified = FIXED_TIME
        props.revision = 1

    def text(self, value: str) -> str:
        return unicodedata.normalize("NFD" if self.nfd else "NFC", value)

    def runs(self, paragraph, value: str, size: float | None = None, bold: bool = False) -> None:
        """Add `value` to `paragraph`, honouring **bold**, *italic* and ***both***."""
        value = value.replace("\\*", "\x00")
        state_bold, state_italic = bold, False
        for token in re.split(r"(\*\*\*|\*\*|\*)", value):
            if token == "***":
                state_bold, state_italic = not state_bold, not state_italic
            elif token == "**":
                state_bold = not state_bold
            elif token == "*":
                state_italic = not state_italic
            elif token:
                run = paragraph.add_run(self.text(token.replace("\x00", "*")))
                run.bold, run.italic = state_bold, state_italic
                run.font.size = Pt(size or self.size)

    def paragraph(self, value: str, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True,
                  bold: bool = False, size: float | None = None, container=None):
        paragraph = (container or self.document).add_paragraph()
        paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Cm(1)
        self.runs(paragraph, value, size, bold)
        return paragraph

    def cell_text(self, cell, value: str, *, size: float, bold: bool = False, align=None) -> None:
        lines = value.split("\\n")
        first = cell.paragraphs[0]
        for index, line in enumerate(lines):
            paragraph = first if index == 0 else cell.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(1)
            if align is not None:
                paragraph.alignment = align
            self.runs(paragraph, line.strip(), size, bold)

    def two_columns(self, left: list[str], right: list[str], widths: tuple[float, float], *,
                    left_size: float, right_size: float, left_align, right_align) -> None:
        table = self.document.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        fixed_widths(table, widths)
        for cell, lines, size, align in ((table.cell(0, 0), left, left_size, left_align),
                                         (table.cell(0, 1), right, right_size, right_align)):
            self.cell_text(cell, "\\n".join(lines), size=size, align=align)
        self.document.add_paragraph()

    def table(self, rows: list[list[str]], widths: list[float], *, size: float, header: int, repeat: bool) -> None:
        table = self.document.add_table(rows=len(rows), cols=len(widths))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        fixed_widths(table, widths)
        for r, row in enumerate(rows):
            bold_row = row[0].startswith("!")
            if bold_row:
                row[0] = row[0][1:]
            if len(row) != len(widths):
                raise ValueError(f"row {r + 1} has {len(row)} cells, table has {len(widths)}: {row}")
            for c, value in enumerate(row):
                value = value.strip()
                if value in ("^", "<"):
                    continue
                align = WD_ALIGN_PARAGRAPH.CENTER if r < header or c == 0 else WD_ALIGN_PARAGRAPH.LEFT
                self.cell_text(table.cell(r, c), value, size=size, bold=bold_row or r < header, align=align)
            if repeat and r < header:
                mark_header_row(table.rows[r])
        # Merges after filling: a merged cell keeps the text of its first (top, left) part.
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                value = value.strip()
                if value == "^":
                    top = r - 1
                    while rows[top][c].strip() == "^":
                        top -= 1
                    table.cell(top, c).merge(table.cell(r, c))
                elif value == "<":
                    left = c - 1
                    while rows[r][left].strip() == "<":
                        left -= 1
                    table.cell(r, left).merge(table.cell(r, c))
        strip_empty_merge_paragraphs(table)
        self.document.add_paragraph()

    def box(self, value: str) -> None:
        table = self.document.add_table(rows=1, cols=1)
        table.style = self.document.styles["Table Grid"]
        fixed_widths(table, [6.0])
        self.cell_text(table.cell(0, 0), value, size=11)

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def new_section(self, landscape: bool) -> None:
        section = self.document.add_section()
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        long, short = Cm(29.7), Cm(21)
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin, section.right_margin = (Cm(2), Cm(1.5)) if landscape else (Cm(3), Cm(1.5))

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return reproducible_zip(buffer.getvalue())


def fixed_widths(table, widths) -> None:
    """Column widths Word and LibreOffice both respect: a fixed layout, the grid and every cell's width."""
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def mark_header_row(row) -> None:
    """Repeat this row at the top of every page the table continues on."""
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def strip_empty_merge_paragraphs(table) -> None:
    """python-docx's merge keeps the empty paragraph of each absorbed cell; drop the trailing empty ones."""
    seen = set()
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            paragraphs = cell.paragraphs
            while len(paragraphs) > 1 and not paragraphs[-1].text.strip():
                paragraphs[-1]._p.getparent().remove(paragraphs[-1]._p)
                paragraphs = cell.paragraphs


def reproducible_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename)):
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info))
    return out.getvalue()


def build(source: Path) -> tuple[str, bytes]:
    """The document of one .src file: its format ('docx' or 'pdf') and the .docx bytes."""
    lines = source.read_text(encoding="utf-8").splitlines()
    head = lines[0].split()
    if head[:1] != ["@format"] or head[1] not in ("docx", "pdf"):
        raise ValueError(f"{source.name}: first line must be '@format docx' or '@format pdf'")
    fmt = head[1]
    doc = Doc()
    index = 1

    def block() -> list[str]:
        nonlocal index
        body = []
        index += 1
        while lines[index].strip() != "@end":
            body.append(lines[index])
            index += 1
        return body

    while index < len(lines):
        line = lines[index].rstrip()
        word, _, rest = line.partition(" ")
        if not line.strip() or line.startswith("%%"):
            pass
        elif word == "@size":
            doc.size = float(rest)
        elif word in ("@header", "@sign"):
            body = block()
            left = [b[2:].strip() for b in body if b.startswith("L:")]
            right = [b[2:].strip() for b in body if b.startswith("R:")]
            if word == "@header":
                doc.two_columns(left, right, (6.5, 10.0), left_size=13, right_size=13,
                                left_align=WD_ALIGN_PARAGRAPH.CENTER, right_align=WD_ALIGN_PARAGRAPH.CENTER)
            else:
                doc.two_columns(left, right, (8.0, 8.5), left_size=11, right_size=14,
                                left_align=WD_ALIGN_PARAGRAPH.LEFT, right_align=WD_ALIGN_PARAGRAPH.CENTER)
        elif word == "@title":
            doc.paragraph(rest, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, bold=True)
        elif word == "@center":
            doc.paragraph(rest, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        elif word == "@right":
            doc.paragraph(rest, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        elif word == "@h":
            doc.paragraph(rest, bold=True)
        elif word == "@plain":
            doc.paragraph(rest, indent=False)
        elif word == "@table":
            options = dict(part.split("=") if "=" in part else (part, "1") for part in rest.split())
            widths = [float(w) for w in options["widths"].split(",")]
            rows = [[cell for cell in row.split("|")] for row in block()]
            doc.table(rows, widths, size=float(options.get("size", 12)), header=int(options.get("header", 1)),
                      repeat="repeat" in options)
        elif word == "@box":
            doc.box(rest)
        elif word == "@break":
            doc.page_break()
        elif word == "@section":
            doc.new_section(rest.strip() == "landscape")
        elif word == "@nfd":
            doc.nfd = True
        elif word == "@nfc":
            doc.nfd = False
        elif word.startswith("@"):
            raise ValueError(f"{source.name}:{index + 1}: unknown directive {word}")
        else:
            doc.paragraph(line.strip())
        index += 1
    return fmt, doc.save()


def to_pdf(name: str, data: bytes, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        work = Path(tmp)
        (work / f"{name}.docx").write_bytes(data)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless",
                        "--convert-to", "pdf", "--outdir", str(work), str(work / f"{name}.docx")],
                       check=True, capture_output=True, timeout=300)
        shutil.copyfile(work / f"{name}.pdf", out)


def build_folder(folder: Path, names: list[str]) -> None:
    """Every `folder/sources/*.src` (or those `names`) as its .docx or .pdf in `folder`, and every
    `sources/*.nfc.txt` as its NFD .txt: the corpus and each set written after a freeze, laid out alike."""
    for source in sorted((folder / "sources").glob("*.src")):
        name = source.stem
        if names and name not in names:
            continue
        fmt, data = build(source)
        if fmt == "docx":
            (folder / f"{name}.docx").write_bytes(data)
        else:
            to_pdf(name, data, folder / f"{name}.pdf")
        print(f"{name}.{fmt}")
    for source in sorted((folder / "sources").glob("*.nfc.txt")):
        name = source.name.removesuffix(".nfc.txt")
        if names and name not in names:
            continue
        text = unicodedata.normalize("NFD", source.read_text(encoding="utf-8"))
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        print(f"{name}.txt (NFD)")


def main(args: list[str]) -> None:
    folder = HERE
    if args[:1] == ["--folder"]:
        folder, args = HERE / args[1], args[2:]
    build_folder(folder, args)


if __name__ == "__main__":
    main(sys.argv[1:])
