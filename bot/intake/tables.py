"""A table of tasks -> its rows with their roles: column roles from the header row ("STT | Nội dung nhiệm vụ |
Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành | Sản phẩm", a two-row header "Cơ quan thực hiện" over
"Chủ trì | Phối hợp"), heading rows ("I. …", "A. …", a cell merged across the row) as phases, and a row cut by
a page break ("… (từ 02/9 đến" / "07/9/2024)") joined to the row it continues.

A table whose header names no task column is not a table of tasks (the letterhead, a signature block): its
cells are read as paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.intake.structure import Table
from bot.intake.units import key

# (role, pattern on the header cell in key() form); the first that matches wins.
_ROLES: list[tuple[str, re.Pattern[str]]] = [(role, re.compile(pattern)) for role, pattern in [
    ("stt", r"^(?:stt|tt|số tt|số thứ tự|thứ tự)$"),
    ("coord", r"phối hợp"),
    ("start", r"^(?:thời gian |ngày )?bắt đầu$|^từ ngày$"),
    ("due", r"thời gian|thời hạn|^hạn\b|hạn chót|hạn hoàn thành|ngày chậm nhất|tiến độ|thời điểm|kết thúc|"
            r"^đến ngày$|^ngày\b|^hoàn thành$"),
    ("lead", r"chủ trì|thực hiện|phụ trách|chịu trách nhiệm|trách nhiệm|đầu mối|cơ quan|đơn vị|người|bộ phận"),
    ("product", r"sản phẩm|kết quả|hình thức"),
    ("note", r"ghi chú"),
    ("task", r"nội dung|nhiệm vụ|công việc|hoạt động|^tên|đề án|việc|chương trình|giải pháp"),
]]
_ROMAN = re.compile(r"^(?:[IVXLC]+|[A-ZĐ])[.)\-–]?$")
_HEADING_TEXT = re.compile(r"^(?:[IVXLC]+|[A-ZĐ]|phần\s+\w+|giai\s+đoạn\s+\w+|tuần\s+\d+)\s*[.:)\-–]\s*\S",
                           re.IGNORECASE)


@dataclass
class Row:
    kind: str  # "heading" | "task"
    text: str  # the heading's text, or the row's cells joined (for the source)
    number: str = ""
    task: str = ""
    lead: str = ""
    coord: str = ""
    due: str = ""
    start: str = ""
    product: str = ""


def _role(cell: str) -> str | None:
    text = key(cell).strip(" :.*")
    if not text or len(text) > 60:
        return None
    for role, pattern in _ROLES:
        if pattern.search(text):
            return role
    return None


def roles_of(table: Table) -> tuple[list[str | None], int] | None:
    """The role of each column and the number of header rows; None when the table has no header of tasks."""
    roles: list[str | None] = [None] * (len(table.rows[0]) if table.rows else 0)
    header_rows = 0
    for row in table.rows[:4]:
        found = [_role(cell) for cell in row]
        if len({role for role in found if role is not None}) < 2:
            break
        header_rows += 1
        for index, role in enumerate(found[:len(roles)]):
            if role is not None and (roles[index] is None or role != "lead" or roles[index] in ("task", None)):
                roles[index] = role
    if not header_rows:
        return None
    if "task" not in roles:  # "Nội dung" missing: the widest text column after the number is the task
        candidates = [i for i, role in enumerate(roles) if role is None]
        if not candidates:
            return None
        roles[candidates[0]] = "task"
    if "lead" not in roles and "due" not in roles:
        return None
    if roles.count("lead") > 1:  # "Cơ quan thực hiện" over "Chủ trì | Phối hợp" without the second row read
        first = roles.index("lead")
        for index in range(first + 1, len(roles)):
            if roles[index] == "lead":
                roles[index] = "coord"
                break
    return roles, header_rows


def read_rows(table: Table, roles: list[str | None], header_rows: int) -> list[Row]:
    rows: list[Row] = []
    for cells in table.rows[header_rows:]:
        cells = cells + [""] * (len(roles) - len(cells))
        if all(re.fullmatch(r"\(?\d{1,2}\)?|", cell.strip()) for cell in cells):
            continue  # the "(1) (2) (3)" row
        values: dict[str, str] = {}
        for role, cell in zip(roles, cells, strict=False):
            if role is not None and role not in values:
                values[role] = cell.strip()
            elif role is not None and cell.strip() and cell.strip() != values[role]:
                values[role] = f"{values[role]}\n{cell.strip()}"
        filled = [cell.strip() for cell in cells if cell.strip()]
        number = values.get("stt", "")
        task = values.get("task", "")
        text = " | ".join(dict.fromkeys(filled))
        if not filled:
            continue
        row = Row("task", text, number=number, task=task, lead=values.get("lead", ""),
                  coord=values.get("coord", ""), due=values.get("due", ""), start=values.get("start", ""),
                  product=values.get("product", ""))
        previous = rows[-1] if rows and rows[-1].kind == "task" else None
        if previous is not None and _continues(previous, row):
            for name in ("task", "lead", "coord", "due", "start", "product"):
                extra = getattr(row, name)
                if extra and extra != getattr(previous, name):
                    setattr(previous, name, f"{getattr(previous, name)} {extra}".strip())
            previous.text = f"{previous.text} {row.text}"
            continue
        if len(set(filled)) == 1 and (len(filled) > 1 or not task or _HEADING_TEXT.match(filled[0])):
            rows.append(Row("heading", filled[0]))  # one cell merged across the row
            continue
        if (_ROMAN.match(number) or _HEADING_TEXT.match(task)) and not values.get("lead") and not values.get("due"):
            rows.append(Row("heading", f"{number}. {task}" if number and not _HEADING_TEXT.match(task) else task,
                            number=number))
            continue
        if previous is not None and not row.task:
            row.task = previous.task  # a second row of a task cell merged down (another unit, another date)
        rows.append(row)
    return rows


def _continues(previous: Row, row: Row) -> bool:
    """A row cut by a page break: no number of its own, and its text starts in lower case, or it has no text and
    only finishes the cells of the row before ("07/9/2024)" after "(từ 02/9 đến")."""
    if row.number or not previous.task:
        return False
    if row.task:
        return row.task[:1].islower() or row.task[:1] in "(,;"
    if any(getattr(row, name)[:1].islower() for name in ("lead", "coord")):
        return True  # "và Xã hội" under "Phòng Lao động - Thương binh": a name cut, not another unit
    return any(_unfinished(getattr(previous, name)) for name in ("due", "lead", "coord"))


def _unfinished(text: str) -> bool:
    text = text.strip()
    return bool(text) and (text.count("(") > text.count(")") or re.search(
        r"(?:\bđến|\btới|\bvà|,|-|–|\b(?:quý|tháng|năm|ngày|tuần|trước|từ))$", text, re.IGNORECASE) is not None)
