"""One spelling convention in every Vietnamese catalog: the common government one, the tone mark on the first
vowel of an open oa/oe/uy syllable ("hòa", "Ủy", "hủy", "xóa", "khỏe"), never "hoà", "Uỷ", "huỷ", "xoá"."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bot.i18n import DOMAINS, LOCALES_DIR

_NOT_LETTER = r"(?![A-Za-zÀ-ỹđĐ])"
# The tone on the second vowel of a syllable that ends there; "qu" is a consonant ("quý" is right).
NEW_STYLE = re.compile(r"[oO][áàảãạÁÀẢÃẠéèẻẽẹÉÈẺẼẸ]" + _NOT_LETTER + r"|(?<![qQ])[uU][ýỳỷỹỵÝỲỶỸỴ]" + _NOT_LETTER)


def test_the_pattern_tells_the_two_conventions_apart() -> None:
    assert [m.group(0) for m in NEW_STYLE.finditer("Uỷ ban hoà giải, huỷ, xoá, khoẻ")] == ["Uỷ", "oà", "uỷ", "oá", "oẻ"]
    assert not NEW_STYLE.search("Ủy ban hòa giải, hủy, xóa, khỏe, quý, hoàn thành, kế hoạch, khuya")


def test_every_vietnamese_message_follows_one_convention() -> None:
    found = []
    for domain in DOMAINS:
        with (LOCALES_DIR / "vi" / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                found += [(domain, s) for s in strings if s and NEW_STYLE.search(s)]
    assert found == []
