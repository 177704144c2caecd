"""A document as its structure: paragraphs (with a heading level when the document's styles give one) and tables
(rows of cells, merged cells already spread over the rows and columns they cover), in reading order.

The readers (readers.py) build it from .docx and PDF; plain text is read here: lines of cells separated by '|'
(a Markdown-like table, its '|---|' line skipped) or by tabs are a table. A table that goes on after a page
break (the same columns, the header repeated or not, perhaps cut by a page number) is joined to the one before.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass
class Paragraph:
    text: str
    heading: int | None = None  # the level its style gives (Heading 1 -> 1), None when the style says nothing


@dataclass
class Table:
    rows: list[list[str]] = field(default_factory=list)  # line breaks inside a cell kept as "\n"


Item = Paragraph | Table


@dataclass
class Document:
    items: list[Item] = field(default_factory=list)

    def text(self) -> str:
        """Plain text: paragraphs, and each table row as a line of '|'-separated cells."""
        lines: list[str] = []
        for item in self.items:
            if isinstance(item, Paragraph):
                lines.append(item.text)
            else:
                lines.extend("| " + " | ".join(" ".join(cell.split()) for cell in row) + " |" for row in item.rows)
        return "\n".join(lines)

    def size(self) -> int:
        return sum(len(item.text) if isinstance(item, Paragraph) else sum(len(c) for row in item.rows for c in row)
                   for item in self.items)


def normalised(document: Document) -> Document:
    """Every text in NFC (a .docx or PDF may hold decomposed letters): names and dates are matched in NFC."""
    for item in document.items:
        if isinstance(item, Paragraph):
            item.text = unicodedata.normalize("NFC", item.text)
        else:
            item.rows = [[unicodedata.normalize("NFC", cell) for cell in row] for row in item.rows]
    return document


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u00a0", " ").replace("\u200b", "").replace("\f", "\n")


_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$|^\s*\+[-=+]+\+\s*$")


# A section heading written on a line of its own inside a text table ("I. TUYÊN TRUYỀN", "B- Sơ kết").
_SECTION = re.compile(r"^\s*(?:[IVX]{1,4}|[A-DĐ])\s*[.)/-]\s*[^\W\d_]")


def _pipe_cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if stripped.count("|") < 2 and not (stripped.startswith("|") and stripped.count("|") >= 1):
        return None
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|"):
        stripped = stripped[:-1]
    return [cell.strip().replace("<br>", "\n").replace("<br/>", "\n") for cell in stripped.split("|")]


def _tab_cells(line: str) -> list[str] | None:
    """A tab table's line, one cell per tab (an empty cell kept: "\t\t" is a blank "phối hợp" between two
    filled ones), widths settled by `_tab_rows` once the whole table is read."""
    if line.count("\t") < 2:
        return None
    return [cell.strip() for cell in line.strip("\n").split("\t")]


def _tab_continued(line: str) -> list[str] | None:
    """Inside a tab table: a line with one tab ("\tthanh huyện, xã", a cell wrapped onto the next line)."""
    return [cell.strip() for cell in line.strip("\n").split("\t")] if line.count("\t") == 1 else None


def _tab_rows(rows: list[list[str]]) -> list[list[str]]:
    """Rows of a tab table on the header's columns. One tab between cells is the rule, so an empty cell stays a
    column ("Bộ phận thực hiện" left blank: the body above); a header with blank cells, or a row with more cells
    than the header, was aligned with runs of tabs: those runs are one separator."""
    def trimmed(row: list[str]) -> list[str]:
        while len(row) > 1 and not row[-1]:
            row = row[:-1]
        return row

    header = trimmed(rows[0])
    if "" in header:
        return [[cell for cell in row if cell] or [""] for row in rows]
    result = [header]
    for row in rows[1:]:
        row = trimmed(row)
        if len(row) > len(header):
            row = [row[0], *(cell for cell in row[1:] if cell)]
        result.append(row)
    return result


def from_text(text: str) -> Document:
    """Plain text -> paragraphs (one per line; text.py joins what runs on) and '|' or tab tables."""
    document = Document()
    lines = _normal(text).split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        for cells_of in (_pipe_cells, _tab_cells):
            rows: list[list[str]] = []
            probe = index
            while probe < len(lines):
                current = lines[probe]
                if _SEPARATOR.match(current) and (rows or cells_of is _pipe_cells):
                    probe += 1
                    continue
                cells = cells_of(current)
                if cells is None and rows and cells_of is _tab_cells:
                    cells = _tab_continued(current) or _wrapped(current, rows[-1])
                if cells is None and rows and _SECTION.match(current) and probe + 1 < len(lines) \
                        and cells_of(lines[probe + 1]):
                    cells = [current.strip()]  # "II. Sơ kết" between two rows: the table's heading row
                if cells is None:
                    # a blank line inside a table, when the table goes on right after it
                    if not current.strip() and rows and probe + 1 < len(lines) and cells_of(lines[probe + 1]):
                        probe += 1
                        continue
                    break
                rows.append(cells)
                probe += 1
            if len(rows) >= 2 or (rows and cells_of is _pipe_cells and len(rows[0]) >= 3):
                if cells_of is _tab_cells:
                    rows = _tab_rows(rows)
                width = max(len(row) for row in rows)
                document.items.append(Table([row + [""] * (width - len(row)) for row in rows]))
                index = probe
                break
        else:
            document.items.append(Paragraph(line.replace("\t", " ")))
            index += 1
    return join_continued(document)


def _wrapped(line: str, previous: list[str]) -> list[str] | None:
    """A line without tabs that goes on with the row above ("học sinh nộp bài về Đoàn trường" under a task cut at
    the end of a line): starting in lower case, it continues the row's longest cell, its task as a rule."""
    text = line.strip()
    if not text or not text[0].islower() or "\t" in line:
        return None
    column = max(range(len(previous)), key=lambda index: len(previous[index]))
    return [text if index == column else "" for index in range(len(previous))]


# A page number, or two (the foot of one page and the head of the next, read as one line).
_PAGE_NOISE = re.compile(r"^\s*(?:(?:-?\s*\d{1,3}\s*-?|trang\s+\d+(?:\s*/\s*\d+)?)\s*){1,2}$", re.IGNORECASE)


def join_continued(document: Document) -> Document:
    """Tables cut by a page break (only blank lines or a page number between, the same number of columns) are
    one table; a repeated header row at the top of the continuation is dropped."""
    items: list[Item] = []
    for item in document.items:
        if isinstance(item, Table):
            previous = _previous_table(items)
            if previous is not None and previous[0].rows and item.rows \
                    and len(previous[0].rows[0]) == len(item.rows[0]):
                table, at = previous
                del items[at + 1:]  # the page number between
                rows = item.rows
                if rows and table.rows and _same_row(rows[0], table.rows[0]):
                    rows = rows[1:]
                    if rows and len(table.rows) > 1 and _same_row(rows[0], table.rows[1]) and _numbers_row(rows[0]):
                        rows = rows[1:]
                table.rows.extend(rows)
                continue
        items.append(item)
    document.items = items
    return document


def _previous_table(items: list[Item]) -> tuple[Table, int] | None:
    for at in range(len(items) - 1, -1, -1):
        item = items[at]
        if isinstance(item, Table):
            return item, at
        if item.text.strip() and not _PAGE_NOISE.match(item.text):
            return None
    return None


def _same_row(a: list[str], b: list[str]) -> bool:
    return [" ".join(x.lower().split()) for x in a] == [" ".join(y.lower().split()) for y in b]


def _numbers_row(row: list[str]) -> bool:
    """The '(1) (2) (3)' row under a header."""
    return all(re.fullmatch(r"\(?\d{1,2}\)?|", cell.strip()) for cell in row)
