"""Build the second after-freeze set's documents (.docx, .pdf) from the marked-up sources in sources/.

    .venv/bin/python tests/intake/corpus/after-freeze-2/make_after_freeze_2.py            # every document
    .venv/bin/python tests/intake/corpus/after-freeze-2/make_after_freeze_2.py NAME ...   # only these

Same markup and builder as the main corpus (`../make_corpus.py`, reused rather than copied so that every set is
laid out alike): `@format docx` gives `NAME.docx`, `@format pdf` gives `NAME.pdf` through LibreOffice. The one text
document (`doan-truong-thpt-lac-thuy-b-chao-mung-20-11-2024.txt`, a tab-separated table) is written by hand, next to
this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import make_corpus  # noqa: E402  (the corpus builder one folder up)


def main(names: list[str]) -> None:
    make_corpus.build_folder(HERE, names)


if __name__ == "__main__":
    main(sys.argv[1:])
