"""The layout of a draft sheet, shared by its writer (bot.intake.sheet) and its reader (bot.intake.sheet_read).

The titles are the sheet's own words, Vietnamese whatever the reader's language, as offices write them; a reader
finds rows and columns by these titles, so a person may move columns, or add rows above the table.
"""

from __future__ import annotations

SHEET_TITLE = "Kế hoạch"
UNITS_SHEET_TITLE = "Đơn vị"
# The rows above the table: label in column A, value in column B.
PLAN_LABELS = {"code": "Mã kế hoạch", "title": "Tên kế hoạch", "remind_coordinating": "Nhắc cả đơn vị phối hợp"}
NOTE_LABEL = "Hướng dẫn"
# key (as in a plan file, or a name column) -> the column's title; the order of the sheet.
COLUMNS = {
    "code": "Mã",
    "title": "Nội dung",
    "start": "Bắt đầu",
    "due": "Hạn",
    "lead_names": "Chủ trì",
    "units": "Mã đơn vị chủ trì",
    "coordinating_names": "Phối hợp",
    "coordinating": "Mã đơn vị phối hợp",
    "repeat": "Lặp lại",
    "review": "Cần xem lại",
    "source": "Trích nguyên văn",
    "phase": "Giai đoạn",
}
REQUIRED = ("code", "title", "due", "units")
DATE_FORMAT = "DD/MM/YYYY"
