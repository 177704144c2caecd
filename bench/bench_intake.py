"""Plan intake over the corpus (tests/intake/corpus/): per document and in total, due dates found / expected,
invented dates, lead units right, seconds to draft.

    .venv/bin/python bench/bench_intake.py                 # every document with a key at the corpus's top level
    .venv/bin/python bench/bench_intake.py --only KEYWORD  # documents whose file name holds KEYWORD
    .venv/bin/python bench/bench_intake.py --misses        # and what was missed, invented, or led wrongly
    .venv/bin/python bench/bench_intake.py --corpus tests/intake/corpus/after-freeze   # documents written later

A key (`NAME.key.yaml` beside `NAME.docx|.pdf|.txt`) is written by hand from the document; its format and the
scoring rules are in tests/intake/corpus/README.md, followed here to the letter:
- a date is found only on the milestone the key means (every phrase of its `words` in the milestone's title or
  source, after normalising both) and only if it is right: a wrong year, guessed or not, is a miss;
- a periodic entry is found when a matching milestone's rule gives the same due dates over the 24 months from the
  document's date (the key's `from`/`until` compared only when the key writes them);
- a draft milestone with a one-off due date that no `milestones` or `optional` entry has is an invented date
  (those among the key's `not_deadlines` are counted apart as traps taken); a periodic one whose rule is no key's
  is an invented periodic item;
- a lead is right when the units the date's milestone assigns (groups expanded) are the key's set, or a
  `lead_alt` set; entries with `lead_stated: false` are not scored.

The unit tree the drafts resolve names against is the corpus's units.yaml, with the collective names of
groups.yaml as the organisation's groups (their name is the `as` phrase).

Targets (issue 16): ≥ 95 % of due dates found, no invented date, ≥ 90 % of lead units right, < 10 s a document.
tests/intake/test_corpus.py imports this module and asserts the totals.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.intake import draft_document
from bot.intake.draft import Draft, DraftMilestone
from bot.intake.sources import UnitSource
from bot.intake.units import GroupRef, UnitIndex, UnitRef
from bot.plans.dates import format_day
from bot.plans.periods import periods_from
from bot.plans.repeat_spec import RepeatSpec

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "intake" / "corpus"
SUFFIXES = (".docx", ".pdf", ".txt")
TARGET_DATES, TARGET_LEADS, TARGET_SECONDS = 0.95, 0.90, 10.0
_WINDOW_MONTHS = 24


@dataclass
class Score:
    name: str
    dates_found: int = 0
    dates_expected: int = 0
    invented: int = 0
    leads_right: int = 0
    leads_expected: int = 0
    seconds: float = 0.0
    traps: int = 0  # invented dates that the key lists under not_deadlines
    code_right: bool = True
    misses: list[str] = field(default_factory=list)


# The corpus's unit tree ---------------------------------------------------------------------------------------------

def _tree_file(corpus: Path, name: str) -> Path:
    """A folder's own units.yaml / groups.yaml, else the corpus's (documents written after the freeze, in a folder
    of their own, name the same province's bodies)."""
    return corpus / name if (corpus / name).exists() else CORPUS / name


@cache
def corpus_groups(corpus: Path = CORPUS) -> dict[str, frozenset[str]]:
    raw = yaml.safe_load(_tree_file(corpus, "groups.yaml").read_text(encoding="utf-8"))["groups"]
    return {code: frozenset(item["units"]) for code, item in raw.items()}


@cache
def corpus_source(corpus: Path = CORPUS) -> UnitSource:
    """units.yaml and groups.yaml as the organisation's tree and groups (a group is named by its `as` phrase)."""
    units = [UnitRef(code=u["code"], name=u["name"], kind=u["kind"], parent=u.get("parent"),
                     short_name=u.get("short_name"), aliases=tuple(u.get("aliases") or ()))
             for u in yaml.safe_load(_tree_file(corpus, "units.yaml").read_text(encoding="utf-8"))["units"]]
    raw = yaml.safe_load(_tree_file(corpus, "groups.yaml").read_text(encoding="utf-8"))["groups"]
    groups = [GroupRef(code=code, name=item["as"], codes=frozenset(item["units"])) for code, item in raw.items()]
    return UnitSource(UnitIndex(units, groups), "units: []\n")


# Normalising and matching -------------------------------------------------------------------------------------------

_TONES = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe",
          "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
_TONE = re.compile("|".join(_TONES))


def normalise(text: str) -> str:
    """README "Scoring" 1: NFC, casefold, one accent placement, one space."""
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_TONE.sub(lambda match: _TONES[match.group(0)], text).split())


def _day(text: str) -> date:
    day, month, year = (int(part) for part in str(text).split("/"))
    return date(year, month, day)


def _matches(entry: dict[str, Any], milestone: DraftMilestone) -> bool:
    title, source = normalise(milestone.title), normalise(milestone.source)
    return all(normalise(word) in title or normalise(word) in source for word in entry["words"])


def _due(milestone: DraftMilestone, draft: Draft) -> date | None:
    """The one-off due date a milestone would be tracked by: its own, else its phase's end."""
    if milestone.repeat is not None:
        return None
    if milestone.due is not None:
        return milestone.due
    phase = next((p for p in draft.phases if p.code == milestone.phase), None)
    return phase.end if phase else None


# Periodic rules ---------------------------------------------------------------------------------------------------

class _Weekdays:
    """The last working day without the holiday calendar (only a rule with `last_working` asks)."""

    def last_working_day_of_month(self, year: int, month: int) -> date:
        day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day


def _rule_dates(rule: dict[str, Any], start: date, until: date) -> tuple[date, ...]:
    written = {name: (format_day(value) if isinstance(value, date) else value)
               for name, value in rule.items() if name not in ("from", "until")}
    spec = RepeatSpec.model_validate(written)
    repeat = spec.rule(start=start, until=until)
    return tuple(period.due for period in periods_from(repeat, start, _Weekdays()))


def _bound(value: object) -> date:
    return value if isinstance(value, date) else _day(str(value))


def _same_rule(key_rule: dict[str, Any], draft_rule: dict[str, Any], window: tuple[date, date]) -> bool:
    """The same due dates over the window; a bound is compared only where the key writes one."""
    try:
        key_start = max(window[0], _bound(key_rule["from"])) if "from" in key_rule else window[0]
        key_until = min(window[1], _bound(key_rule["until"])) if "until" in key_rule else window[1]
        draft_start = max(window[0], _bound(draft_rule["from"])) if "from" in key_rule and "from" in draft_rule \
            else window[0]
        draft_until = min(window[1], _bound(draft_rule["until"])) if "until" in key_rule and "until" in draft_rule \
            else window[1]
        return _rule_dates(key_rule, key_start, key_until) == _rule_dates(draft_rule, draft_start, draft_until)
    except ValueError:  # a rule the plan file would refuse gives no dates at all
        return False


# Scoring ----------------------------------------------------------------------------------------------------------

def _lead_sets(entry: dict[str, Any], groups: dict[str, frozenset[str]]) -> list[frozenset[str]]:
    def units(items: list[dict[str, Any]]) -> frozenset[str]:
        found: set[str] = set()
        for item in items:
            if item.get("group"):
                found |= groups[item["group"]]
            elif item.get("unit"):
                found.add(item["unit"])
        return frozenset(found)

    return [units(entry.get("lead") or []), *(units(alt) for alt in entry.get("lead_alt") or [])]


def _describe(milestone: DraftMilestone, draft: Draft) -> str:
    when = f"repeat {milestone.repeat}" if milestone.repeat is not None else format_day(_due(milestone, draft)) \
        if _due(milestone, draft) else "no date"
    return f"{milestone.code} [{when}] {milestone.title[:70]!r} units={sorted(milestone.unit_codes)}"


def score_draft(draft: Draft, key: dict[str, Any], groups: dict[str, frozenset[str]] | None = None) -> Score:
    """The draft against its key (README "Scoring")."""
    groups = corpus_groups() if groups is None else groups
    result = Score(str(key.get("document", "")))
    start = _day(key["issued"]) if key.get("issued") else date(int(key["year"]), 1, 1)
    window = (start, start.replace(year=start.year + _WINDOW_MONTHS // 12, day=min(start.day, 28))
              - timedelta(days=1))
    if key.get("plan_code") is not None:
        result.code_right = "".join((draft.number or "").split()) == "".join(str(key["plan_code"]).split())
    for stamp in key.get("code_must_not_contain") or []:
        result.code_right = result.code_right and str(stamp) not in draft.code
    if not result.code_right:
        result.misses.append(f"code: number {draft.number!r}, code {draft.code!r}, key {key.get('plan_code')!r}")

    for entry in key.get("milestones") or []:
        result.dates_expected += 1
        candidates = [m for m in draft.milestones if _matches(entry, m)]
        if "repeat" in entry:
            right = [m for m in candidates if m.repeat is not None and _same_rule(entry["repeat"], m.repeat, window)]
            want = f"repeat {entry['repeat']}"
        else:
            due = _day(entry["due"])
            right = [m for m in candidates if _due(m, draft) == due]
            want = entry["due"]
        if not right:
            seen = "; ".join(_describe(m, draft) for m in candidates[:3]) or "no milestone holds the words"
            result.misses.append(f"date missed: {entry['words']} {want} — {seen}")
            continue
        result.dates_found += 1
        if entry.get("lead_stated", True) is False:
            continue
        result.leads_expected += 1
        wanted = _lead_sets(entry, groups)
        if any(frozenset(m.unit_codes) in wanted for m in right):
            result.leads_right += 1
        else:
            result.misses.append(f"lead wrong: {entry['words']} {want}: want {sorted(wanted[0])}, got "
                                 f"{sorted(right[0].unit_codes)} {right[0].lead_names}")

    entries = [*(key.get("milestones") or []), *(key.get("optional") or [])]
    dues = {_day(e["due"]) for e in entries if "due" in e}
    rules = [e["repeat"] for e in entries if "repeat" in e]
    traps = {_day(d) for d in key.get("not_deadlines") or []}
    for milestone in draft.milestones:
        if milestone.repeat is not None:
            if not any(_same_rule(rule, milestone.repeat, window) for rule in rules):
                result.invented += 1
                result.misses.append(f"invented periodic: {_describe(milestone, draft)}")
            continue
        due = _due(milestone, draft)
        if due is not None and due not in dues:
            result.invented += 1
            result.traps += due in traps
            result.misses.append(f"invented{' (trap)' if due in traps else ''}: {_describe(milestone, draft)}")
    return result


# Running ----------------------------------------------------------------------------------------------------------

def documents(only: str | None = None, corpus: Path = CORPUS) -> list[tuple[Path, Path]]:
    """The documents with a key at the folder's top level (sources/ holds no keys)."""
    found = []
    for path in sorted(corpus.iterdir()):
        if path.suffix.lower() in SUFFIXES and (key := path.with_name(f"{path.stem}.key.yaml")).exists():
            if only is None or only in path.name:
                found.append((path, key))
    return found


def draft_of(path: Path, source: UnitSource | None = None) -> tuple[Draft, float]:
    source = corpus_source() if source is None else source
    started = time.perf_counter()
    result = draft_document(path.read_bytes(), path.name, source)
    return result.draft, time.perf_counter() - started


def score(path: Path, key_path: Path, corpus: Path = CORPUS) -> Score:
    draft, seconds = draft_of(path, corpus_source(corpus))
    key = yaml.safe_load(key_path.read_text(encoding="utf-8"))
    result = score_draft(draft, key, corpus_groups(corpus))
    result.name, result.seconds = path.name, seconds
    return result


def total(scores: list[Score]) -> Score:
    result = Score("total", seconds=max((s.seconds for s in scores), default=0.0),
                   code_right=all(s.code_right for s in scores))
    for name in ("dates_found", "dates_expected", "invented", "leads_right", "leads_expected", "traps"):
        setattr(result, name, sum(getattr(s, name) for s in scores))
    return result


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    – "


def table(scores: list[Score], *, misses: bool = False) -> str:
    width = max(len(s.name) for s in [*scores, Score("document")])
    lines = [f"{'document':<{width}}  {'dates found':>15}  invented (traps)  {'leads right':>15}  code  seconds"]

    def line(s: Score) -> str:
        return (f"{s.name:<{width}}  {s.dates_found:3}/{s.dates_expected:<3} {percent(s.dates_found, s.dates_expected)}"
                f"  {s.invented:8} ({s.traps:3})   {s.leads_right:3}/{s.leads_expected:<3} "
                f"{percent(s.leads_right, s.leads_expected)}  {'ok' if s.code_right else 'NO':>4}  {s.seconds:7.2f}")

    for s in scores:
        lines.append(line(s))
        if misses:
            lines += [f"    {miss}" for miss in s.misses]
    lines.append(line(total(scores)) + " (slowest)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", help="only documents whose file name holds this")
    parser.add_argument("--misses", action="store_true", help="list what was missed, invented or led wrongly")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a folder of documents and keys, with its own "
                        "units.yaml and groups.yaml or else the corpus's (default: tests/intake/corpus)")
    arguments = parser.parse_args()
    corpus = arguments.corpus.resolve()
    pairs = documents(arguments.only, corpus)
    if not pairs:
        sys.exit(f"no document with a key in {corpus}")
    scores = [score(path, key, corpus) for path, key in pairs]
    print(table(scores, misses=arguments.misses))


if __name__ == "__main__":
    main()
