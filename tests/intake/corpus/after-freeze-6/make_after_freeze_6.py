"""Build the sixth after-freeze set's documents (.docx, .pdf, and the NFD .txt) from the sources in sources/.

    .venv/bin/python tests/intake/corpus/after-freeze-6/make_after_freeze_6.py            # every document
    .venv/bin/python tests/intake/corpus/after-freeze-6/make_after_freeze_6.py NAME ...   # only these

Same markup and builder as the main corpus (`tests/intake/corpus/make_corpus.py`, reused rather than copied so that
every set is laid out alike): `@format docx` gives `NAME.docx`, `@format pdf` gives `NAME.pdf` through LibreOffice.
The one text document of this set is written by hand (NFC) as `NAME.txt` next to this script; a source
`sources/NAME.nfc.txt`, if any, is written out decomposed (NFD) as `NAME.txt`, as the main corpus does.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the corpus builder, one folder up

import make_corpus  # noqa: E402


def main(names: list[str]) -> None:
    make_corpus.build_folder(HERE, names)
    for source in sorted((HERE / "sources").glob("*.nfc.txt")):
        name = source.name.removesuffix(".nfc.txt")
        if names and name not in names:
            continue
        text = unicodedata.normalize("NFD", source.read_text(encoding="utf-8"))
        (HERE / f"{name}.txt").write_text(text, encoding="utf-8")
        print(f"{name}.txt (NFD)")


if __name__ == "__main__":
    main(sys.argv[1:])
