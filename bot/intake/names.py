"""Names of bodies as documents write them: abbreviations expanded, lists split, the subject of a sentence and
the roles a sentence gives ("Giao X chủ trì, phối hợp với Y", "Đề nghị X …", "X phối hợp với Y …").

A name is kept whole ("Ban Chỉ đạo xây dựng nông thôn mới xã", not "Ban Chỉ đạo"): it runs from a word that
starts a body's name to the verb that says what the body does; after a head that takes a topic ("Ban Chỉ đạo",
"Hội đồng", "Tổ công tác" …) the first verb belongs to the name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Abbreviations of Vietnamese administrative writing, longest first when applied.
ABBREVIATIONS = {
    "UBMTTQVN": "Ủy ban Mặt trận Tổ quốc Việt Nam", "UBMTTQ": "Ủy ban Mặt trận Tổ quốc", "MTTQVN": "Mặt trận Tổ quốc "
    "Việt Nam", "MTTQ": "Mặt trận Tổ quốc", "UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân",
    "UBKT": "Ủy ban Kiểm tra", "BCH": "Ban Chấp hành", "BTV": "Ban Thường vụ", "BCĐ": "Ban Chỉ đạo",
    "BCHQS": "Ban Chỉ huy Quân sự", "CHQS": "Chỉ huy Quân sự", "KH&CN": "Khoa học và Công nghệ",
    "KHCN": "Khoa học và Công nghệ", "KH&ĐT": "Kế hoạch và Đầu tư", "TN&MT": "Tài nguyên và Môi trường",
    "TNMT": "Tài nguyên và Môi trường", "GD&ĐT": "Giáo dục và Đào tạo", "GDĐT": "Giáo dục và Đào tạo",
    "LĐ-TB&XH": "Lao động - Thương binh và Xã hội", "LĐTBXH": "Lao động - Thương binh và Xã hội",
    "NN&PTNT": "Nông nghiệp và Phát triển nông thôn", "NNPTNT": "Nông nghiệp và Phát triển nông thôn",
    "VH,TT&DL": "Văn hóa, Thể thao và Du lịch", "VHTT&DL": "Văn hóa, Thể thao và Du lịch",
    "VHTTDL": "Văn hóa, Thể thao và Du lịch", "TT&TT": "Thông tin và Truyền thông", "GTVT": "Giao thông vận tải",
    "TNCS HCM": "Thanh niên Cộng sản Hồ Chí Minh", "TNCS": "Thanh niên Cộng sản", "LHPN": "Liên hiệp Phụ nữ",
    "CCB": "Cựu chiến binh", "LĐLĐ": "Liên đoàn Lao động", "ĐTN": "Đoàn Thanh niên", "VP": "Văn phòng",
    "HĐTĐKT": "Hội đồng Thi đua - Khen thưởng", "ĐUTT": "đảng ủy trực thuộc", "THCS": "Trung học cơ sở",
    "THPT": "Trung học phổ thông", "BGH": "Ban Giám hiệu",
    # Halves and hyphenated forms of department names ("Phòng Nông nghiệp và PTNT", "Sở VH-TT&DL").
    "PTNT": "Phát triển nông thôn", "KT-XH": "Kinh tế - Xã hội", "KTXH": "Kinh tế - Xã hội",
    "VH-TT&DL": "Văn hóa, Thể thao và Du lịch", "LĐ-TBXH": "Lao động - Thương binh và Xã hội",
    "TN-MT": "Tài nguyên và Môi trường", "KH-ĐT": "Kế hoạch và Đầu tư", "GD-ĐT": "Giáo dục và Đào tạo",
    "KH-CN": "Khoa học và Công nghệ", "TTTT": "Thông tin và Truyền thông",
}
ABBREVIATION = re.compile(r"(?<![\w&-])(" + "|".join(re.escape(a) for a in sorted(ABBREVIATIONS, key=len, reverse=True))
                           + r")(?![\w&-])")

# Words a body's name starts with (lower case, after expansion).
_HEADS = ("ủy ban nhân dân", "ủy ban mặt trận", "ủy ban kiểm tra", "ủy ban", "hội đồng nhân dân", "hội đồng",
          "mặt trận tổ quốc", "ban chấp hành", "ban thường vụ", "ban chỉ đạo", "ban chỉ huy", "ban quản lý",
          "ban tổ chức", "ban tuyên giáo", "ban dân vận", "ban nội chính", "ban kinh tế", "ban văn hóa",
          "ban pháp chế", "ban dân tộc", "ban giám hiệu", "ban đại diện", "ban vì sự tiến bộ", "ban", "tiểu ban",
          "sở", "phòng", "văn phòng", "thanh tra", "công an", "bộ chỉ huy", "đài phát thanh", "đài", "báo",
          "trung tâm", "trường", "bệnh viện", "kho bạc", "chi cục", "cục", "bộ", "tổng cục", "viện", "tòa án",
          "liên đoàn", "hội liên hiệp", "hội", "đoàn thanh niên", "đoàn", "tỉnh đoàn", "huyện đoàn", "thành đoàn",
          "công đoàn", "liên đội", "chi đoàn", "tổ chuyên môn", "tổ công tác", "tổ giúp việc", "tổ dân phố",
          "huyện ủy", "tỉnh ủy",
          "thành ủy", "thị ủy", "quận ủy", "đảng ủy", "đảng bộ", "chi bộ", "chi ủy", "đảng đoàn", "ban cán sự",
          "thường trực", "các cơ quan", "các đơn vị", "các sở", "các phòng", "các ban", "các địa phương",
          "các tổ chức", "các đoàn thể", "các xã", "các trường", "các chi bộ", "các đảng bộ", "các cấp ủy",
          "các chi, đảng bộ", "các chi bộ, đảng bộ", "các đảng bộ, chi bộ", "các ban xây dựng đảng",
          "ban xây dựng đảng",
          "các tiểu ban", "cơ quan", "đơn vị", "chủ tịch", "phó chủ tịch", "giám đốc", "hiệu trưởng",
          "phó hiệu trưởng", "bí thư", "phó bí thư", "trưởng ban", "trưởng phòng", "tổ trưởng", "công chức",
          "giáo viên", "cán bộ", "ngân hàng", "bảo hiểm xã hội", "quân sự", "cấp ủy", "ủy ban nhân dân các")
_HEAD: re.Pattern[str]
# Heads whose name goes on with a topic that may start with a verb ("Ban Chỉ đạo xây dựng nông thôn mới").
_TOPIC_HEADS = ("ban chỉ đạo", "ban chỉ huy", "hội đồng", "tổ công tác", "ban quản lý", "tiểu ban", "ban vận động",
                "ban vì sự tiến bộ", "trung tâm", "quỹ", "ban đại diện", "ban tổ chức hội")
# What a body does: the verb that ends its name.
PREDICATES = (
    "chủ trì", "phối hợp", "có trách nhiệm", "chịu trách nhiệm", "tham mưu", "chỉ đạo", "tổ chức", "triển khai",
    "hướng dẫn", "báo cáo", "xây dựng", "thực hiện", "rà soát", "tổng hợp", "ban hành", "gửi", "hoàn thành",
    "hoàn thiện", "hoàn chỉnh", "kiểm tra", "theo dõi", "đôn đốc", "phê duyệt", "duyệt", "tiếp tục", "chuẩn bị",
    "trình", "bố trí", "tập trung", "quán triệt", "tuyên truyền", "phổ biến", "nghiên cứu", "đề xuất", "lập",
    "cử", "đăng ký", "nộp", "là cơ quan", "là đơn vị", "làm đầu mối", "lựa chọn", "chọn", "phân công",
    "căn cứ", "giám sát", "cung cấp", "bảo đảm", "đảm bảo", "cân đối", "thẩm định", "tiếp nhận", "xét",
    "lãnh đạo", "sơ kết", "tổng kết", "đánh giá", "thống kê", "cập nhật", "ra quyết định", "quyết định",
    "phát động", "tiến hành", "vận động", "thành lập", "tăng cường", "khẩn trương", "chủ động", "biên soạn",
    "in", "cấp phát", "bầu", "họp", "giới thiệu", "lấy ý kiến", "thẩm tra", "hoàn tất", "xong", "thông báo",
    "đăng tải", "phát hành", "mua", "sắp xếp", "trực", "tuyển chọn", "tập huấn", "bồi dưỡng", "kiện toàn",
)
_PREDICATE: re.Pattern[str]
LEAD_WORDS = re.compile(r"^(?:giao\s+cho|giao|đề\s+nghị|yêu\s+cầu|phân\s+công|ủy\s+quyền\s+cho|ủy\s+quyền|"
                         r"trân\s+trọng\s+đề\s+nghị)\s+", re.IGNORECASE)
_COORD = re.compile(r"(?:,\s*)?(?:chủ\s+trì\s*,?\s*)?phối\s+hợp\s+(?:chặt\s+chẽ\s+)?(?:với\s+)?", re.IGNORECASE)
_CHAIR = re.compile(r"^\s*(?:là\s+cơ\s+quan\s+|làm\s+cơ\s+quan\s+)?chủ\s+trì\b\s*,?\s*", re.IGNORECASE)


def _fold(words: tuple[str, ...]) -> str:
    from bot.intake.units import key

    return "|".join(re.escape(key(word)) for word in sorted(words, key=len, reverse=True))


def expand(text: str) -> str:
    """NFC, with the abbreviations written out ("UBND xã" -> "Ủy ban nhân dân xã")."""
    text = unicodedata.normalize("NFC", text)
    return ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1)], text)


# Words that start like a body's name but say what is done or held: "Báo cáo", "Ban hành", "Hội nghị", "Phòng,
# chống".
_NOT_A_NAME = r"(?!\s*(?:cáo|hành|nghị|thảo|thi|chợ|diễn|trại|trường|khỏe|,\s*chống|nhận diện)\b)"
_HEAD = re.compile(r"^(?:" + _fold(_HEADS) + r")\b" + _NOT_A_NAME)
# "trực" (be on duty) ends a name, "trực thuộc" (under) goes on with it: "Các chi, đảng bộ trực thuộc".
_PREDICATE = re.compile(r"(?<!\w)(?:" + _fold(PREDICATES) + r")(?!\w)(?<!trực(?=\s+thuộc))")
_TOPICS = tuple(_fold(_TOPIC_HEADS).replace("\\", "").split("|"))


def _lower(text: str) -> str:
    from bot.intake.units import key  # the one spelling-variant fold (Ủy/Uỷ, hòa/hoà)

    return key(text)


def starts_with_name(text: str) -> bool:
    return _HEAD.match(_lower(expand(text)).lstrip("- +•")) is not None


_COLLECTIVE_TAIL = re.compile(r",\s*(?:ban|ngành|đoàn thể|hội|phường|thị trấn|thị xã|thành phố|xã|huyện|quận|"
                              r"đơn vị|cơ quan|trường|địa phương|tổ chức|đặc khu|đảng bộ|chi bộ|"
                              r"mầm non|mẫu giáo|tiểu học|trung học)\b")
_JOINED_LEFT = ("văn phòng hội đồng nhân dân", "văn phòng đoàn đại biểu quốc hội")
_JOINED_RIGHT = ("ủy ban nhân dân", "hội đồng nhân dân")
_JOINT = re.compile(r"(?:\s*,\s*|\s+và\s+|\s+cùng\s+)(?=\S)")


def _span_at_start(text: str) -> int:
    """The length of the body's name at the start of `text` (already expanded, spaces single), 0 if none."""
    lowered = _lower(text)
    head = _HEAD.match(lowered)
    if head is None:
        return 0
    skip = head.end()
    if lowered.startswith(_TOPICS):
        verb = _PREDICATE.search(lowered, skip)
        if verb is not None and verb.start() <= skip + 1:
            skip = verb.end()  # the topic: "Ban Chỉ đạo xây dựng …"
    end = len(lowered)
    verb = _PREDICATE.search(lowered, skip)
    if verb is not None:
        end = verb.start()
    for joint in _JOINT.finditer(lowered, head.end(), end):
        if lowered[:joint.start()].endswith(_JOINED_LEFT) and lowered[joint.end():].startswith(_JOINED_RIGHT):
            continue  # "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã": one office
        if text[joint.end():joint.end() + 1].isupper() and _HEAD.match(lowered[joint.end():]):
            end = joint.start()  # "Sở Tài chính và Sở Nội vụ": two names
            break
    for stop in (":", ";", "(", ".", ","):
        position = lowered.find(stop, head.end(), end)
        while position >= 0 and stop == "," and _COLLECTIVE_TAIL.match(lowered, position):
            position = lowered.find(stop, position + 1, end)  # "Các sở, ban, ngành": one collective name
        if position >= 0:
            end = position
    return len(text[:end].rstrip(" ,-–"))


def name_at_start(text: str) -> str | None:
    """The body named at the start of `text` (expanded), up to what it is asked to do; None if none."""
    text = " ".join(expand(text).split()).lstrip("-+•* ")
    length = _span_at_start(text)
    return text[:length] or None


_RELATED = re.compile(r"(?:^|\s*,\s*|\s+và\s+)(?:các\s+)?(?:cơ\s+quan|đơn\s+vị|sở,\s*ngành|ngành)(?:\s*,\s*(?:đơn\s+vị|"
                      r"địa\s+phương))?\s+(?:có\s+)?liên\s+quan\b", re.IGNORECASE)


def split_names(text: str) -> list[str]:
    """The bodies a table cell or a list names: one per line, ';' or '+', and at ',' or 'và' only before a new
    name ("Sở Tài chính, Sở Nội vụ"), not inside one ("Các sở, ban, ngành")."""
    result: list[str] = []
    for line in re.split(r"\n|;", expand(text)):
        line = _RELATED.sub("", " ".join(line.split()).lstrip("-+•* ")).strip(" .,-–:")
        while line:
            length = _span_at_start(line) if _HEAD.match(_lower(line)) else 0
            if not length:
                length = next((j.start() for j in _JOINT.finditer(line)
                               if line[j.end():j.end() + 1].isupper() and _HEAD.match(_lower(line[j.end():]))),
                              len(line))
            result.append(line[:length].strip(" .,-–:"))
            rest = line[length:]
            joint = _JOINT.match(rest)
            line = rest[joint.end():] if joint else rest.strip(" .,-–:")
    return [name for name in result if name]


@dataclass
class Roles:
    """Who a sentence makes responsible (chủ trì) and who works with them (phối hợp)."""

    leads: list[str] = field(default_factory=list)
    coordinating: list[str] = field(default_factory=list)
    rest: str = ""  # the sentence after the names and role words (for the title)


def _names(text: str) -> tuple[list[str], int]:
    """Names listed at the start of `text` (expanded) — "Sở A, Sở B và Ủy ban nhân dân các xã …" — and their end."""
    names: list[str] = []
    position = 0
    while True:
        length = _span_at_start(text[position:])
        if not length:
            break
        names.append(text[position:position + length])
        position += length
        joint = re.match(r"\s*(?:,\s*(?:và\s+)?|\s+và\s+|\s+cùng\s+)", text[position:])
        if joint is None or not _HEAD.match(_lower(text[position + joint.end():])):
            break
        position += joint.end()
    return names, position


def roles(sentence: str) -> Roles:
    """The lead and co-ordinating bodies of a sentence, as written (expanded)."""
    text = " ".join(expand(sentence).split()).lstrip("-+•* ")
    lead = LEAD_WORDS.match(text)
    if lead is not None:
        text = text[lead.end():]
    leads, end = _names(text)
    result = Roles(leads=leads, rest=text[end:].strip(" ,:"))
    rest = result.rest
    chair = _CHAIR.match(rest)
    if chair is not None:
        rest = rest[chair.end():]
    coordinate = re.match(r"^\s*,?\s*phối\s+hợp\s+(?:chặt\s+chẽ\s+)?(?:với\s+)?", rest, re.IGNORECASE)
    if coordinate is not None:
        partners, finish = _names(rest[coordinate.end():])
        result.coordinating = partners
        rest = rest[coordinate.end() + finish:]
        rest = re.sub(r"^\s*(?:,\s*)?(?:và\s+)?(?:các\s+)?(?:cơ\s+quan|đơn\s+vị)(?:,\s*đơn\s+vị)?\s+(?:có\s+)?"
                      r"liên\s+quan"
                      r"\s*,?\s*", "", rest, flags=re.IGNORECASE)
    result.rest = rest.strip(" ,")
    return result
