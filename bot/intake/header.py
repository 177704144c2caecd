"""What a document says about itself: its number ("Số: 190-KH/TU"), date ("Điện Biên, ngày 16 tháng 8 năm 2019"),
title ("KẾ HOẠCH" and the line after it, or a dispatch's "V/v …"), the recipients of a dispatch ("Kính gửi: …"),
and the draft plan's code made from them.

An incoming-mail stamp ("Số: 2111" / "ĐẾN Ngày: 16/8/2019") is not the document's number: a number of its own has
a kind after the digits (190-KH/TU, 123/KH-UBND). Without one, the code comes from the title and the year: a
cited document ("thực hiện Chỉ thị số 35-CT/TW" -> CT35), else the initials of the title's words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.intake.names import split_names
from bot.plans.fields import ascii_code

PLAN_CODE_LENGTH = 40  # room left for "-M01" within the 64 characters of a code
_NUMBER = re.compile(r"(?<!\w)Số\s*(?:ký\s+hiệu\s*)?:?\s*(?P<number>\d+[\w.]*\s*[/-]\s*[A-ZĐ][\wĐđ&.-]*(?:\s*/\s*"
                     r"[A-ZĐ][\wĐđ&.-]*)*)")
_STAMP = re.compile(r"\bĐẾN\b|công\s+văn\s+đến|chuyển\s*:|lưu\s+hồ\s+sơ", re.IGNORECASE)
_DATE_LINE = re.compile(r"(?:^|[,\s])ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+((?:19|20)\d{2})", re.IGNORECASE)
_KINDS = ("KẾ HOẠCH", "CHƯƠNG TRÌNH", "THÔNG BÁO", "HƯỚNG DẪN", "LỊCH CÔNG TÁC", "LỊCH", "PHƯƠNG ÁN", "ĐỀ ÁN",
          "QUYẾT ĐỊNH", "CÔNG VĂN", "TỜ TRÌNH", "CHỈ THỊ", "NGHỊ QUYẾT", "KẾT LUẬN")
_BODY_START = re.compile(r"^(?:căn\s+cứ|thực\s+hiện|kính\s+gửi|nhằm|để|theo|triển\s+khai|[IVX]+[.\-–]|\d+[.\-–)])",
                         re.IGNORECASE)
_FIRST_BODY = re.compile(r"^(?:căn\s+cứ|kính\s+gửi|[IVX]+[.\-–]|\d+[.\-–)])", re.IGNORECASE)
HEADER_LINES = 40  # the number, date and title are in the first lines


# The right column of a letterhead, and what else shares its lines: not the issuer's name.
_MOTTO = re.compile(r"CỘNG\s+H(?:ÒA|OÀ)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập\s*-\s*Tự\s+do\s*-\s*Hạnh\s+phúc"
                    r"|ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM|ĐOÀN\s+TNCS\s+HỒ\s+CHÍ\s+MINH|\bSố\s*:?\s*\S*|DỰ\s+THẢO"
                    r"|[*_\-–]{1,}", re.IGNORECASE)
_PLACE = re.compile(r"((?:[A-ZĐÀ-Ỹ][a-zđà-ỹ]+\s+){0,3}[A-ZĐÀ-Ỹ][a-zđà-ỹ]+)\s*,\s*ngày\b")
_PLACE_DATE = re.compile(r"(?:(?:[A-ZĐÀ-Ỹ][a-zđà-ỹ]+\s+){0,3}[A-ZĐÀ-Ỹ][a-zđà-ỹ]+\s*,\s*)?ngày\b.*$")
_SIGNATURE = re.compile(r"^\s*(?:Người\s+ký|Thời\s+gian\s+ký|Email|Cơ\s+quan)\s*:", re.IGNORECASE)
LETTERHEAD_LINES = 14
_STAMP_LINE = re.compile(r"^\s*(?:(?:Số\s*:?\s*\d+\s*/\s*)?ĐẾN\b|Chuyển\s*:|Lưu\s+hồ\s+sơ)")


@dataclass
class Header:
    number: str | None = None
    issued: date | None = None
    title: str | None = None
    recipients: list[str] = field(default_factory=list)  # "Kính gửi": who a dispatch asks
    recipients_text: str = ""  # the same, as written (a line per recipient)
    letterhead: list[str] = field(default_factory=list)  # the issuer's lines above the title, and the place
    place: str | None = None  # "Lạc Thủy" of "Lạc Thủy, ngày 03 tháng 6 năm 2024"

    @property
    def year(self) -> int | None:
        if self.issued:
            return self.issued.year
        years = re.findall(r"\b(?:19|20)\d{2}\b", self.title or "")
        return int(years[-1]) if years else None


def read_header(lines: list[str]) -> Header:
    """`lines`: the document's paragraphs in order (table cells of a letterhead included)."""
    header = Header()
    head = [part.strip() for line in lines[:HEADER_LINES] for part in line.split("\n") if part.strip()]
    for index, line in enumerate(head):
        if header.number is None and (match := _NUMBER.search(line)):
            near = " ".join(head[max(0, index - 1):index + 3])
            if not _STAMP.search(near):
                header.number = re.sub(r"\s+", "", match.group("number")).strip(".-")
        if header.issued is None and (match := _DATE_LINE.search(line)) and not _STAMP.search(line):
            day, month, year = (int(part) for part in match.groups())
            try:
                header.issued = date(year, month, day)
            except ValueError:
                pass
    header.title = _title(head)
    header.recipients_text = _recipients_text(lines)
    header.recipients = [name for line in header.recipients_text.split("\n") for name in split_names(line)]
    header.letterhead, header.place = _letterhead(lines)
    return header


def _letterhead(lines: list[str]) -> tuple[list[str], str | None]:
    """The lines that name the issuer (left column of the letterhead, above the title), and the place of its date
    line. An incoming-mail stamp above the letterhead is left out."""
    raw = [part for line in lines[:HEADER_LINES] for part in line.split("\n")]
    raw = [line for line in raw if line.strip()][:LETTERHEAD_LINES]
    stamp = max((index for index, line in enumerate(raw[:8]) if _STAMP_LINE.match(line)), default=-1)
    place: str | None = None
    result: list[str] = []
    for line in raw[stamp + 1:]:
        stripped = line.strip()
        if re.match(r"^(?:V/v\b|Kính\s+gửi|Căn\s+cứ|Thực\s+hiện|[IVX]+\s*[.\-–])", stripped, re.IGNORECASE) or any(
                stripped.upper().startswith(kind) and stripped.upper() == stripped for kind in _KINDS):
            break
        if _SIGNATURE.match(line):
            continue
        if (match := _PLACE.search(line)) and place is None:
            place = match.group(1)
        for cell in re.split(r"\s{3,}|\t", line):
            cell = _MOTTO.sub(" ", _PLACE_DATE.sub(" ", cell))
            cell = " ".join(cell.split())
            if len(cell) > 1 and not re.search(r"\d|/", cell):
                result.append(cell)
    if place:
        result.append(place)
    return result, place


def _title(head: list[str]) -> str | None:
    for index, line in enumerate(head):
        upper = line.upper()
        if re.match(r"^V/v\b", line, re.IGNORECASE):
            about = [line[3:].strip(" :.")]
            for more in head[index + 1:index + 4]:  # "V/v tổ chức Kỳ thi chọn học sinh" / "giỏi lớp 9 cấp huyện"
                if not re.match(r"^[a-zđà-ỹ0-9]", more) or _DATE_LINE.search(more):
                    break
                about.append(more.strip(" :."))
            return "Công văn về " + " ".join(about)
        for kind in _KINDS:
            if upper.startswith(kind) and (len(line) == len(kind) or not line[len(kind)].isalpha()) \
                    and (line == upper or len(line) <= len(kind) + 1 or line[len(kind):].strip()[:1].islower()):
                rest = line[len(kind):].strip(" :")
                following: list[str] = []
                for at, more in enumerate(head[index + 1:index + 4], start=index + 1):
                    if rest or re.match(r"^-+$|^_+$|^\*+$", more) or (  # "…năm 2024," / "triển khai …" goes on
                            _BODY_START.match(more) and more[:1].isupper() if following else _FIRST_BODY.match(more)):
                        break
                    following.append(more)
                    after = head[at + 1] if at + 1 < len(head) else ""
                    goes_on = more.endswith((",", "và")) or (re.match(r"^[a-zđà-ỹ]", after) is not None
                                                              and not _BODY_START.match(after))
                    if not goes_on and len(" ".join(following)) > 20:
                        break
                words = rest or " ".join(following)
                if not words:
                    continue
                words = words[:1].lower() + words[1:] if words.isupper() is False else words.capitalize()
                return f"{kind.capitalize()} {words}".strip()
    return None


def _recipients_text(lines: list[str]) -> str:
    """What follows "Kính gửi": a line per recipient."""
    for index, line in enumerate(lines[:HEADER_LINES + 20]):
        match = re.match(r"^\s*Kính\s+gửi\s*:?\s*(.*)$", line, re.IGNORECASE)
        if match is None:
            continue
        found = [match.group(1).strip()] if match.group(1).strip() else []
        for more in lines[index + 1:index + 30]:
            if not more.strip():
                continue
            if not re.match(r"^\s*[-+•*]\s*", more):
                break
            found.append(more.strip())
        return "\n".join(found)
    return ""


def plan_code(header: Header, text: str) -> str:
    """The draft's plan code: from the document's own number and year (190-KH/TU, 2024 -> KH-190-TU-2024), else
    from its title and year (KH-CT35-2019), else a digest of the text."""
    year = header.year
    if header.number:
        parts = ascii_code(header.number).split("-")
        kind = "KH" if "KH" in parts else parts[1] if len(parts) > 1 else "VB"
        rest = [part for part in parts if part != kind]
        code = "-".join([kind, *rest])
        if year and str(year) not in rest:
            code = f"{code}-{year}"
        return code[:PLAN_CODE_LENGTH].strip("-")
    if header.title:
        title = unicodedata.normalize("NFC", header.title)
        cited = re.search(r"(Chỉ thị|Nghị quyết|Kết luận|Quyết định|Nghị định|Thông tư|Kế hoạch|Chương trình)"
                          r"\s+(?:số\s+)?(\d+)", title[len(title.split()[0]):] if title else "", re.IGNORECASE)
        if cited:
            initials = "".join(word[0] for word in ascii_code(cited.group(1)).split("-"))
            core = f"{initials}{cited.group(2)}"
        else:
            words = [w for w in ascii_code(title).split("-")[2:] if not w.isdigit()]
            skip = {"VE", "CUA", "VA", "CAC", "NAM", "THUC", "HIEN", "TREN", "DIA", "BAN", "TAI", "CHO", "TRONG",
                    "NHUNG", "DE", "THEO", "GIAI", "DOAN"}
            core = "".join(word[0] for word in words if word not in skip)[:8] or "NHAP"
        kind = "".join(word[0] for word in ascii_code(title.split()[0] + " " + title.split()[1]).split("-"))
        kind = kind if kind in ("KH", "CT", "TB", "HD", "CV", "PA", "DA", "QD", "TT", "NQ", "KL") else "KH"
        return f"{kind}-{core}" + (f"-{year}" if year else "")
    import hashlib

    return "KH-NHAP-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8].upper()
