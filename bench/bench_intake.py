"""Plan intake over the corpus (tests/intake/corpus/): per document and in total, due dates found / expected,
invented dates, lead units right, seconds to draft.

    .venv/bin/python bench/bench_intake.py                 # every document with a key
    .venv/bin/python bench/bench_intake.py --only KEYWORD  # documents whose file name holds KEYWORD

A key (`NAME.key.yaml` beside `NAME.docx|.pdf|.txt`, format in tests/intake/corpus/README.md) is written by hand
from the document. A date counts as found only on the milestone the key means (its title or source holds the
key's words) and only if it is right: a wrong year, guessed or not, is a miss. A dated milestone of the draft
that no key item explains, or a date the key lists as not a deadline, is an invented date.

Targets (issue 16): ≥ 95 % of due dates found, no invented date, ≥ 90 % of lead units right, < 10 s a document.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.intake import draft_document
from bot.intake.draft import Draft
from bot.intake.sources import UnitSource
from bot.intake.units import UnitIndex

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "intake" / "corpus"
SUFFIXES = (".docx", ".pdf", ".txt")


@dataclass
class Score:
    name: str
    dates_found: int = 0
    dates_expected: int = 0
    invented: int = 0
    leads_right: int = 0
    leads_expected: int = 0
    seconds: float = 0.0
    misses: tuple[str, ...] = ()


def documents(only: str | None) -> list[tuple[Path, Path]]:
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix.lower() in SUFFIXES and (key := path.with_name(f"{path.stem}.key.yaml")).exists():
            if only is None or only in path.name:
                found.append((path, key))
    return found


def draft_of(path: Path) -> tuple[Draft, float]:
    source = UnitSource(UnitIndex([]), "units: []\n")
    started = time.perf_counter()
    result = draft_document(path.read_bytes(), path.name, source)
    return result.draft, time.perf_counter() - started


def score_draft(draft: Draft, key_path: Path) -> Score:
    """The draft against its key. Written once the key format (tests/intake/corpus/README.md) is committed."""
    raise SystemExit(f"the key format is not committed yet: cannot score against {key_path.name}")


def score(path: Path, key_path: Path) -> Score:
    draft, seconds = draft_of(path)
    result = score_draft(draft, key_path)
    result.name, result.seconds = path.name, seconds
    return result


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    – "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="only documents whose file name holds this")
    parser.add_argument("--misses", action="store_true", help="list what was missed or invented")
    arguments = parser.parse_args()
    pairs = documents(arguments.only)
    if not pairs:
        sys.exit(f"no document with a key under {CORPUS}")
    scores = [score(path, key) for path, key in pairs]
    width = max(len(s.name) for s in scores)
    print(f"{'document':<{width}}  dates found   invented  leads right      seconds")
    for s in scores:
        print(f"{s.name:<{width}}  {s.dates_found:3}/{s.dates_expected:<3} {percent(s.dates_found, s.dates_expected)}"
              f"  {s.invented:5}    {s.leads_right:3}/{s.leads_expected:<3} {percent(s.leads_right, s.leads_expected)}"
              f"  {s.seconds:6.2f}")
        if arguments.misses:
            for miss in s.misses:
                print(f"    {miss}")
    total = Score("total", *(sum(getattr(s, name) for s in scores) for name in (
        "dates_found", "dates_expected", "invented", "leads_right", "leads_expected")))
    slowest = max(s.seconds for s in scores)
    print(f"{'total':<{width}}  {total.dates_found:3}/{total.dates_expected:<3} "
          f"{percent(total.dates_found, total.dates_expected)}  {total.invented:5}    "
          f"{total.leads_right:3}/{total.leads_expected:<3} {percent(total.leads_right, total.leads_expected)}"
          f"  {slowest:6.2f} (slowest)")


if __name__ == "__main__":
    main()
