"""The unit tree as an Excel sheet, the way offices keep such lists: one unit per row, its parent by code.

    | Mã | Tên đơn vị | Loại | Mã cấp trên | Tên gọi khác | Tên ngắn | Ngừng theo dõi |

`read_units_sheet` turns a workbook into the same `units:` list a YAML file gives (row numbers as lines), so one
check serves both; `units_sheet_bytes` writes the sheet back (`nhacviec units export`), and importing that file
again changes nothing. "Loại" takes the Vietnamese label ("tổ chức cơ sở đảng") or the key ("grassroots").

A workbook is a zip of XML: it is refused before openpyxl opens it when it is not a zip, or would inflate past
`MAX_INFLATED`; rows and columns are read in read-only mode up to `MAX_ROWS` and `MAX_COLUMNS`.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from bot.i18n import N_, Translator, translator
from bot.models import UnitKind
from bot.plans.labels import KIND_LABELS
from bot.plans.limits import MAX_PLAN_BYTES
from bot.plans.loader import LineList, LineMap
from bot.plans.problems import Message, Problem, error

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

MAX_ROWS = 100_000  # a national tree is 60,000 units
MAX_COLUMNS = 30
MAX_INFLATED = 128 * 1024 * 1024
NAME_MAX, SHORT_NAME_MAX = 255, 120

# key in a units file -> the header offices read
COLUMNS = {
    "code": "Mã",
    "name": "Tên đơn vị",
    "kind": "Loại",
    "parent": "Mã cấp trên",
    "aliases": "Tên gọi khác",
    "short_name": "Tên ngắn",
    "retired": "Ngừng theo dõi",
}
REQUIRED = ("code", "name", "kind", "parent")
_YES = {"x", "có", "co", "yes", "true", "1", "ngừng", "ngung"}
_NO = {"", "không", "khong", "no", "false", "0"}


@dataclass(frozen=True)
class SheetRow:
    code: str
    name: str
    kind: UnitKind
    parent: str | None
    aliases: tuple[str, ...] = ()
    short_name: str | None = None
    retired: bool = False


class _KindList(Message):
    """The kinds as people read them, in the reader's language."""

    def render(self, t: Translator) -> str:
        return ", ".join(t(label) for label in KIND_LABELS.values())


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _kind_words() -> dict[str, UnitKind]:
    words: dict[str, UnitKind] = {}
    for language in ("en", "vi"):
        t = translator(language)
        words.update({_plain(t(label)): kind for kind, label in KIND_LABELS.items()})
    words.update({kind.value: kind for kind in UnitKind})
    return words


def parse_kind_cell(text: str) -> UnitKind | None:
    """A kind from its key or its label in Vietnamese or English (case and spacing ignored)."""
    return _kind_words().get(_plain(text))


def read_units_sheet(data: bytes) -> tuple[LineList | None, list[Problem]]:
    """The first sheet's rows as a `units:` list (flat, with `parent:`), or None and why not."""
    refused = _refuse(data)
    if refused is not None:
        return None, [refused]
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (BadZipFile, KeyError for a missing part, XML errors ...: one answer for all)
        return None, [error(None, N_("this is not an Excel workbook (.xlsx) that can be read"))]
    try:
        if not workbook.worksheets:
            return None, [error(None, N_("the workbook has no sheet"))]
        rows = workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        return _read_rows(rows)
    except Exception:  # noqa: BLE001 (a broken sheet part surfaces only while rows are read)
        return None, [error(None, N_("this is not an Excel workbook (.xlsx) that can be read"))]
    finally:
        workbook.close()


def _refuse(data: bytes) -> Problem | None:
    if len(data) > MAX_PLAN_BYTES:
        return error(None, N_("the file is larger than {max_size} MB, too large for a units file"),
                     max_size=MAX_PLAN_BYTES // (1024 * 1024))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return error(None, N_("this is not an Excel workbook (.xlsx) that can be read"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return error(None, N_("this is not an Excel workbook (.xlsx) that can be read"))
    if inflated > MAX_INFLATED:
        return error(None, N_("the workbook unpacks to more than {max_size} MB: too large for a units file"),
                     max_size=MAX_INFLATED // (1024 * 1024))
    return None


def read_units_rows(rows: Iterable[tuple[object, ...]]) -> tuple[LineList | None, list[Problem]]:
    """The rows of a units sheet already opened (the second sheet of a draft plan, bot.intake.sheet_read)."""
    return _read_rows(rows)


def _read_rows(rows: Iterable[tuple[object, ...]]) -> tuple[LineList | None, list[Problem]]:
    problems: list[Problem] = []
    header: dict[str, int] | None = None
    units = LineList(2)
    for number, row in enumerate(rows, start=1):
        if header is None:
            if not any(_cell(value) for value in row):
                continue
            header = _header(row, number, problems)
            if header is None:
                return None, problems
            continue
        if number > MAX_ROWS + 1:
            return None, [error(number, N_("the sheet has more than {max_rows} rows"), max_rows=MAX_ROWS)]
        cells = {key: _cell(row[index]) if index < len(row) else None for key, index in header.items()}
        if not any(cells.values()):
            continue
        item = _unit(cells, number, problems)
        if item is not None:
            units.append(item)
            units.lines.append(number)
    if header is None:
        return None, [error(None, N_("the sheet is empty: the first row must name the columns {columns}"),
                            columns=" | ".join(COLUMNS.values()))]
    return units, problems


def _header(row: tuple[object, ...], number: int, problems: list[Problem]) -> dict[str, int] | None:
    words = {_plain(header): key for key, header in COLUMNS.items()} | {key: key for key in COLUMNS}
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        text = _cell(value)
        key = words.get(_plain(text)) if text else None
        if key is not None and key not in found:
            found[key] = index
    missing = [COLUMNS[key] for key in REQUIRED if key not in found]
    if missing:
        problems.append(error(number, N_('the first row must name the columns {columns}; missing: {missing}'),
                              columns=" | ".join(COLUMNS.values()), missing=", ".join(missing)))
        return None
    return found


def _unit(cells: dict[str, str | None], row: int, problems: list[Problem]) -> LineMap | None:
    """One row as a unit item; problems a sheet reader words better than the YAML check are found here."""
    item = LineMap(row)
    code = cells.get("code")
    if not code:
        problems.append(error(row, N_('column "{column}" is empty'), column=COLUMNS["code"]))
        return None
    retired = _retired(cells.get("retired"), row, problems)
    item.update(code=code.upper())
    if retired:
        item["retired"] = "true"
        return _lines(item, row)
    name, kind_text = cells.get("name"), cells.get("kind")
    for key, value, longest in (("name", name, NAME_MAX), ("short_name", cells.get("short_name"), SHORT_NAME_MAX)):
        if key == "name" and not value:
            problems.append(error(row, N_('column "{column}" is empty'), column=COLUMNS[key]))
        elif value and len(value) > longest:
            problems.append(error(row, N_('column "{column}" is too long (at most {max_length} characters)'),
                                  column=COLUMNS[key], max_length=longest))
    kind = parse_kind_cell(kind_text or "")
    if not kind_text:
        problems.append(error(row, N_('column "{column}" is empty'), column=COLUMNS["kind"]))
    elif kind is None:
        problems.append(error(row, N_('unknown unit kind "{value}"; the kinds are: {kinds}'), value=kind_text,
                              kinds=_KindList("")))
    # After a problem the row still goes on (with stand-ins), so its code and parent are checked too.
    item.update(name=(name or code)[:NAME_MAX], kind=(kind or UnitKind.other).value)
    if short_name := cells.get("short_name"):
        item["short_name"] = short_name[:SHORT_NAME_MAX]
    if parent := cells.get("parent"):
        item["parent"] = parent.upper()
    aliases = [alias.strip() for alias in (cells.get("aliases") or "").replace("\n", ";").split(";")]
    if any(aliases):
        listed = LineList(row)
        for alias in filter(None, aliases):
            listed.append(alias)
            listed.lines.append(row)
        item["aliases"] = listed
    return _lines(item, row)


def _lines(item: LineMap, row: int) -> LineMap:
    item.key_lines = {key: row for key in item}
    return item


def _retired(text: str | None, row: int, problems: list[Problem]) -> bool:
    word = _plain(text or "")
    if word in _YES:
        return True
    if word not in _NO:
        problems.append(error(row, N_('column "{column}": write x to retire the unit, or leave it empty'),
                              column=COLUMNS["retired"]))
    return False


def _cell(value: object) -> str | None:
    """A cell as the text a person typed: numbers without ".0", dates as written in ISO, blanks as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "x" if value else ""
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, (datetime, date, time)):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def units_sheet_bytes(rows: Sequence[SheetRow], t: Translator) -> bytes:
    """The sheet `read_units_sheet` reads: headers, one row per unit, kinds by their label."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = t(N_("Units"))[:31]
    fill_units_sheet(sheet, rows, t)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def fill_units_sheet(sheet: Worksheet, rows: Sequence[SheetRow], t: Translator) -> None:
    """Writes the units into an empty worksheet (also the second sheet of a draft plan, bot.intake.sheet)."""
    from openpyxl.styles import Font

    sheet.append(list(COLUMNS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.code, row.name, t(KIND_LABELS[row.kind]), row.parent or "", "; ".join(row.aliases),
                      row.short_name or "", "x" if row.retired else ""])
    for letter, width in zip("ABCDEFG", (18, 48, 30, 18, 40, 28, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
