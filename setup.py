"""One build step pyproject.toml cannot say: compile the gettext catalogs into the package.

`locales/<lang>/LC_MESSAGES/<domain>.po` becomes `bot/locales/<lang>/LC_MESSAGES/<domain>.mo` in the build, so a
wheel (or anything installed from one) speaks Vietnamese. The .mo files are never committed: they would drift
from the .po files. Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCES = Path(__file__).resolve().parent / "locales"
TARGET = ("bot", "locales")  # bot.i18n reads the compiled catalogs of an installed package from here


class build_py_with_catalogs(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's locales/, compiled by `make catalogs`
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        catalogs = sorted(SOURCES.glob("*/LC_MESSAGES/*.po"))
        if not catalogs:
            raise SystemExit(f"no .po catalogs under {SOURCES}: the package would speak English")
        for po_path in catalogs:
            mo_path = Path(self.build_lib, *TARGET, po_path.relative_to(SOURCES).with_suffix(".mo"))
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as handle:
                catalog = read_po(handle)
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog)


setup(cmdclass={"build_py": build_py_with_catalogs})
