"""Translations (gettext catalogs in `locales/`) and Babel formatting for people's languages.

Message ids in code are English; `locales/vi/LC_MESSAGES/<domain>.po` translates every one of them.
Each package owns one domain named after it (`bot`, `handlers`, `scheduler`), so catalogs stay small
and a package's strings live next to nothing else's.

    python -m bot.i18n compile   # .po -> .mo (the install step runs it)
    python -m bot.i18n check     # list strings in code missing from the Vietnamese catalogs

The compiled catalogs (.mo) are never committed. In a checkout `make` compiles them next to the .po files; an
installed package carries them in `bot/locales/` (setup.py compiles them into the build). The bot refuses to
start without the Vietnamese ones (`missing_catalogs`) rather than fall back to its English message ids.
"""

from __future__ import annotations

import gettext
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date, format_datetime as babel_format_datetime
from babel.numbers import format_decimal, format_percent

from bot.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"  # the .po sources (a checkout only)
PACKAGED_LOCALES_DIR = Path(str(resources.files("bot") / "locales"))  # an installed package's compiled catalogs
DOMAINS = ("bot", "handlers", "scheduler")
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
KEYWORDS = ("_", "N_", "gettext", "ngettext:1,2")


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; translate it where it is shown."""
    return message


@dataclass(frozen=True)
class Translator:
    """Everything a renderer needs to speak one language: strings, dates and numbers."""

    language: str
    catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    def short_date(self, day: date) -> str:  # before `date`, which shadows the type in the class body
        return babel_format_date(day, "dd/MM/yyyy", locale=self.language)

    def date(self, day: date, style: str = "EEEE, dd/MM/yyyy") -> str:
        """'Thứ Sáu, 15/05/2020' in Vietnamese."""
        return babel_format_date(day, style, locale=self.language)

    def datetime(self, instant: datetime, tz: ZoneInfo, style: str = "HH:mm dd/MM/yyyy") -> str:
        return babel_format_datetime(instant, style, tzinfo=tz, locale=self.language)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.language)

    def percent(self, ratio: float) -> str:
        return format_percent(ratio, locale=self.language)


def normalise_language(code: str | None) -> str:
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def compiled_locales_dir() -> Path:
    """Where the .mo files are read from: the installed package's, else the checkout's locales/."""
    return PACKAGED_LOCALES_DIR if PACKAGED_LOCALES_DIR.is_dir() else LOCALES_DIR


def missing_catalogs(language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The compiled catalogs of `language` that cannot be found, as `vi/LC_MESSAGES/bot.mo` (empty: all there)."""
    localedir = str(compiled_locales_dir())
    return [f"{language}/LC_MESSAGES/{domain}.mo" for domain in DOMAINS
            if gettext.find(domain, localedir=localedir, languages=[language]) is None]


@cache
def translator(language: str | None = None) -> Translator:
    language = normalise_language(language)
    catalog: gettext.NullTranslations = gettext.NullTranslations()
    for domain in DOMAINS:
        try:
            found = gettext.translation(domain, localedir=str(compiled_locales_dir()), languages=[language])
        except FileNotFoundError:
            continue
        found.add_fallback(catalog)
        catalog = found
    return Translator(language=language, catalog=catalog)


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compiles every .po under locales/ next to itself; returns the .mo files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        # Written aside, then renamed: a process reading the catalogs meanwhile never sees half a file.
        partial = mo_path.with_name(f".{os.getpid()}.{mo_path.name}")  # *.mo: ignored by git if left behind
        with partial.open("wb") as handle:
            write_mo(handle, catalog)
        os.replace(partial, mo_path)
        written.append(mo_path)
    translator.cache_clear()
    return written


def extract_messages(domain: str) -> dict[str, list[tuple[str, int]]]:
    """Message ids marked in a package's code, with where they stand."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[tuple[str, int]]] = {}
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT / domain), method_map=[("**.py", "python")], keywords=keywords
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, []).append((f"{domain}/{filename}", lineno))
    return found


def missing_translations(domain: str, language: str = "vi") -> dict[str, list[tuple[str, int]]]:
    """Strings in a package's code that its catalog for `language` does not translate."""
    from babel.messages.pofile import read_po

    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    translated: set[str] = set()
    if po_path.exists():
        with po_path.open("rb") as handle:
            for message in read_po(handle):
                ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and all(strings):
                    translated.update(ids)
    return {msgid: where for msgid, where in extract_messages(domain).items() if msgid not in translated}


def _main(argv: list[str]) -> int:
    command = argv[0] if argv else "compile"
    if command == "compile":
        for path in compile_catalogs():
            print(path.relative_to(PROJECT_ROOT))
        return 0
    if command == "check":
        missing = {domain: missing_translations(domain) for domain in DOMAINS}
        for domain, messages in missing.items():
            for msgid, where in messages.items():
                print(f"{domain}: {where[0][0]}:{where[0][1]}: {msgid!r}")
        return 1 if any(missing.values()) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
