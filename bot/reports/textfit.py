"""How much room text takes on a printed sheet: widths from the font's own metrics, lines wrapped as a
spreadsheet wraps them, row heights and the print scale that follow.

openpyxl cannot size rows, and LibreOffice keeps a stored row height even when the wrapped text needs more (the
lines then overlap the next row). So the workbook names one font, DejaVu Sans (matplotlib ships it, it has every
Vietnamese letter, and LibreOffice finds it wherever fontconfig is installed), makes it the workbook's default
(a column width is counted in that font's digits) and sizes every row and column from these measures.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

FONT_NAME = "DejaVu Sans"
FONT_SIZE = 10.0  # points: body text; the workbook's default font, so a column "unit" is one digit of it
LINE_FACTOR = 1.28  # a wrapped line's height in em (the font's ascent + descent is 1.164 em; spreadsheets pad it)
CELL_PADDING = 6.0  # points a cell keeps free on its left and right together
ROW_PADDING = 3.0  # points above and below a row's text together

# A4 landscape, in points, and the margins the sheets print with (inches, as the file stores them).
PAGE_WIDTH, PAGE_HEIGHT = 841.89, 595.28
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM, MARGIN_HEADER = 0.4, 0.5, 0.55, 0.25
PRINT_WIDTH = PAGE_WIDTH - 2 * 72 * MARGIN_SIDE
PRINT_HEIGHT = PAGE_HEIGHT - 72 * (MARGIN_TOP + MARGIN_BOTTOM)


@lru_cache(maxsize=2)
def _metrics(bold: bool) -> tuple[dict[int, float], float]:
    """{code point: advance in em}, and the average advance for characters the font lacks."""
    import matplotlib
    from fontTools.ttLib import TTFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    font = TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name, lazy=True)
    per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    advances = {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    return advances, advances[ord("n")]


def text_points(text: str, *, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of one line of text, in points."""
    advances, fallback = _metrics(bold)
    return size * sum(advances.get(ord(ch), fallback) for ch in text)


def digit_points(size: float = FONT_SIZE) -> float:
    """One column-width unit: the default font's digit width."""
    return text_points("0", size=size)


def column_points(width: float) -> float:
    return width * digit_points()


@lru_cache(maxsize=8192)  # a report repeats its cell texts ("Quá hạn 42 ngày") thousands of times
def wrapped_lines(text: str, width: float, *, size: float = FONT_SIZE, bold: bool = False) -> int:
    """How many lines `text` takes in a wrapping cell `width` units wide: words move whole to the next line,
    a word longer than the line is broken, each newline starts a line."""
    room = column_points(width) - CELL_PADDING
    space = text_points(" ", size=size, bold=bold)
    count = 0
    for paragraph in str(text).split("\n"):
        lines, used = 1, 0.0
        for word in paragraph.split():
            need = text_points(word, size=size, bold=bold)
            if used and used + space + need <= room:
                used += space + need
                continue
            if used:
                lines += 1
            if need > room:  # broken across lines
                lines += math.ceil(need / room) - 1
                need = need % room or room
            used = need
        count += lines
    return count


def row_points(lines: int, *, size: float = FONT_SIZE) -> float:
    """A row's height for this many lines of text."""
    return round(max(1, lines) * size * LINE_FACTOR + ROW_PADDING, 1)


def columns_for(text: str, *, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The column width (units) that shows the longest line of `text` unwrapped."""
    longest = max((text_points(line, size=size, bold=bold) for line in str(text).split("\n")), default=0.0)
    return (longest + CELL_PADDING) / digit_points() + 0.5


def fit_scale(widths: list[float]) -> int:
    """The print scale (percent) at which columns this wide fill the page width, as "fit to one page wide"
    computes it; 100 when they fit unscaled."""
    total = sum(column_points(w) for w in widths)
    return min(100, math.floor(100 * PRINT_WIDTH / total)) if total else 100


def widths_for_scale(scale: float) -> float:
    """The total column width (units) one page holds at this scale."""
    return PRINT_WIDTH / (scale / 100) / digit_points()
