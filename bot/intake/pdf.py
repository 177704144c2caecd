"""A text PDF's layout -> paragraphs and tables (structure.py), with pdfplumber.

Why pdfplumber: pypdf gives a page's text as one stream of lines, where a table's cells come out side by side
and a narrow cell's wrapped text ("(từ 02/9 đến" / "07/9/2024)") lands between its neighbours' lines. pdfplumber
(on pdfminer.six) keeps every character's position and finds a table by its ruling lines, so each cell's lines
are read together, the cells of a row together, and a cell that spans rows or columns is known by its box. It is
pure Python (no binary to install, unlike PyMuPDF, whose AGPL licence is also a burden), maintained, and already
the usual choice for tables in PDFs; tested here with 0.11.10 (pdfminer.six 20260107).

Outside tables, a page's lines are joined into paragraphs by their geometry: a line that was full goes on in the
next one ("… trình" / "UBND huyện trước ngày 15/3/2025"), unless that one starts a bullet or a number.

pdfminer inflates streams without a bound, so a PDF reaches it only after pypdf has opened it within the limits
of limits.py and `check_streams` has inflated every stream under pypdf's caps.
"""

from __future__ import annotations

import io
import re
from typing import Any

from bot.intake.structure import Document, Item, Paragraph, Table, join_continued


def check_streams(reader: Any) -> None:
    """Inflates every stream object of the PDF under pypdf's configured caps (raises LimitReachedError)."""
    from pypdf.generic import IndirectObject, StreamObject

    for generation, numbers in reader.xref.items():
        for number in numbers:
            obj = reader.get_object(IndirectObject(number, generation if generation != 65535 else 0, reader))
            if isinstance(obj, StreamObject):
                obj.get_data()
    for number in reader.xref_objStm:
        obj = reader.get_object(IndirectObject(number, 0, reader))
        if isinstance(obj, StreamObject):
            obj.get_data()


def layout(data: bytes) -> Document:
    import pdfplumber

    document = Document()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        full = False  # the last page's text ended mid-sentence on a full line
        for page in pdf.pages:
            items, starts_plain, ends_full = _page(page)
            if full and starts_plain and items and isinstance(items[0], Paragraph) and document.items \
                    and isinstance(document.items[-1], Paragraph):
                # a sentence cut by the page break ("… phản biện xã hội năm" / "2024 về …, trước ngày 05/12/2024.")
                document.items[-1] = Paragraph(f"{document.items[-1].text} {items[0].text}")
                items = items[1:]
            document.items.extend(items)
            full = ends_full
            page.close()  # frees the page's cached objects
    return join_continued(document)


def _page(page: Any) -> tuple[list[Item], bool, bool]:
    """A page's items; whether its text starts with a plain line at the body's left edge (no bullet, number or
    indent: it may go on from the page before) and ends on a full line with no closing punctuation."""
    found = [table for table in page.find_tables() if len(table.rows) >= 1 and len(table.columns) >= 2]
    boxes = [table.bbox for table in found]

    def outside(obj: dict[str, Any]) -> bool:
        x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
        y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    placed: list[tuple[float, Item]] = []
    text_page = page.filter(outside) if boxes else page
    lines = [line for line in text_page.extract_text_lines(return_chars=False) if line.get("text", "").strip()]
    for top, text in _paragraphs(lines):
        placed.append((top, Paragraph(text)))
    for table in found:
        placed.append((table.bbox[1], Table(_grid(table))))
    placed.sort(key=lambda pair: pair[0])
    items = [item for _, item in placed]
    if not lines:
        return items, False, False
    first, last = lines[0], lines[-1]
    tables_at = [table.bbox[1] for table in found]
    starts_plain = not _MARKER.match(first["text"].strip()) and not _capitals(first["text"].strip()) \
        and first["x0"] <= min(line["x0"] for line in lines) + 2 and not any(y < first["top"] for y in tables_at)
    margin = max(line["x1"] for line in lines)
    ends_full = last["x1"] >= margin - 2 and not last["text"].rstrip().endswith((".", ";", ":", "!", "?")) \
        and not any(y > last["top"] for y in tables_at)
    return items, starts_plain, ends_full


_MARKER = re.compile(r"^\s*(?:[-+•*–]\s|\d{1,2}(?:\.\d{1,2})*\s*[.)\-–]\s|[IVXLC]+\s*[.\-–)]\s|[a-zđ]\)\s)")


def _paragraphs(lines: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """A page's lines -> paragraphs: a line goes on the one above when that one was full (the first word of the
    line would not have fitted on it) and the line starts no further right and with no bullet or number of its
    own ("… tham mưu phân bổ vốn thực hiện Chương trình năm 2025, trình" / "UBND huyện trước ngày 15/3/2025").
    Lines in capitals (a letterhead, a heading) stand alone."""
    if not lines:
        return []
    margin = max(line["x1"] for line in lines)
    result: list[tuple[float, str]] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        text = line["text"].strip()
        if previous is not None and _goes_on(previous, line, margin):
            result[-1] = (result[-1][0], f"{result[-1][1]} {text}")
        else:
            result.append((line["top"], text))
        previous = line
    return result


def _goes_on(above: dict[str, Any], line: dict[str, Any], margin: float) -> bool:
    text, upper = line["text"].strip(), above["text"].strip()
    if _MARKER.match(text) or _capitals(upper) or _capitals(text) or line["x0"] > above["x0"] + 2:
        return False
    if line["top"] - above["bottom"] > 1.2 * (above["bottom"] - above["top"]):
        return False  # a blank line between
    width = (line["x1"] - line["x0"]) / max(len(text), 1)
    first = len(text.split()[0]) if text.split() else 0
    return bool(above["x1"] + (first + 1) * width >= margin - 2)


def _capitals(text: str) -> bool:
    return text == text.upper() and any(ch.isalpha() for ch in text)


def _grid(table: Any) -> list[list[str]]:
    """The table's cells on a grid: a cell spanning rows or columns is written into each place it covers."""
    texts = table.extract()
    xs = sorted({round(cell[0], 1) for cell in table.cells} | {round(cell[2], 1) for cell in table.cells})
    ys = sorted({round(cell[1], 1) for cell in table.cells} | {round(cell[3], 1) for cell in table.cells})
    columns = _bounds(xs)
    rows = _bounds(ys)
    grid = [["" for _ in range(len(columns) - 1)] for _ in range(len(rows) - 1)]
    for row_index, row in enumerate(table.rows):
        for column_index, box in enumerate(row.cells):
            if box is None or row_index >= len(texts) or column_index >= len(texts[row_index]):
                continue
            text = _joined(texts[row_index][column_index] or "")
            for r in _covered(rows, box[1], box[3]):
                for c in _covered(columns, box[0], box[2]):
                    grid[r][c] = text
    return [row for row in grid if any(cell.strip() for cell in row)]


def _bounds(values: list[float]) -> list[float]:
    """Edges closer than 2 points are one edge."""
    result: list[float] = []
    for value in values:
        if not result or value - result[-1] > 2:
            result.append(value)
    return result


def _covered(edges: list[float], start: float, end: float) -> list[int]:
    return [index for index in range(len(edges) - 1)
            if edges[index] >= start - 2 and edges[index + 1] <= end + 2]


_NEW_LINE_ITEM = re.compile(r"^(?:[-+•*]\s|\d{1,2}[.)]\s|[a-zđ]\)\s)")


def _joined(text: str) -> str:
    """A cell's wrapped lines joined into one; a line break stays before a new item or a new name."""
    from bot.intake.names import starts_with_name

    lines = [line.strip() for line in text.split("\n") if line.strip()]
    result = ""
    for line in lines:
        if not result:
            result = line
        elif _NEW_LINE_ITEM.match(line) or result.endswith((";", ".")) or (
                line[:1].isupper() and starts_with_name(line)
                and not re.search(r"(?:\bvà|\bcủa|\bvới|,|-|–|\()$", result)):
            result = f"{result}\n{line}"
        else:
            result = f"{result} {line}"
    return result
