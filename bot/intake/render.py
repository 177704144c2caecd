"""A draft as a plan file (plans/README.md format), with comments for the reviewer."""

from __future__ import annotations

import json
import textwrap
from datetime import date

from bot.i18n import N_
from bot.intake.draft import Draft, DraftMilestone
from bot.intake.wording import vi
from bot.plans.dates import format_day

WIDTH = 110
# The draft's comments for whoever edits the YAML file (they may name its keys).
HEADER = N_("Draft plan made by `nhacviec draft` from {source}: {count} milestones.")
CHECK_FIRST = N_("Check each milestone against the document before importing (nhacviec import FILE --dry-run).")
TO_REVIEW = N_("TO REVIEW: {count} milestones with a review: note ({codes}):")
HOW_TO_REVIEW = N_("fix what the note says, then delete its review: line; while a review: remains, the file will not "
                   "import.")
NOTHING_DATED = N_("no task with a deadline was found")
PHASE_DATES = N_("no date of its own: due {due}, starting {start} (its phase's)")
NO_UNITS = N_("NOT FOUND: see review:")
COORDINATING = N_("co-ordinating: {names}")
COORDINATING_UNKNOWN = N_("co-ordinating (not found in the unit tree): {names}")


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render_draft(draft: Draft, *, units_yaml: str, plan_code: str | None = None, source_name: str,
                 plan_title: str | None = None) -> str:
    """The draft's plan file; `plan_code` overrides the draft's own code (its milestone codes keep their prefix)."""
    review = draft.unresolved
    lines = [
        "# " + vi(HEADER, source=source_name, count=len(draft.milestones)),
        "# " + vi(CHECK_FIRST),
    ]
    if review:
        lines.append("# " + vi(TO_REVIEW, count=len(review), codes=", ".join(m.code for m in review)))
        lines.append("# " + vi(HOW_TO_REVIEW))
    lines += ["", "plan:", f"  code: {plan_code or draft.code}",
              f"  title: {quoted(draft.title or plan_title or source_name)}", ""]
    lines.append(units_yaml.rstrip("\n"))
    lines.append("")
    if draft.phases:
        lines.append("phases:")
        for phase in draft.phases:
            lines += [f"  - code: {quoted(phase.code)}", f"    title: {quoted(phase.title)}",
                      f"    start: {format_day(phase.start)}", f"    end: {format_day(phase.end)}"]
        lines.append("")
    lines.append("milestones:")
    if not draft.milestones:
        lines[-1] = "milestones: []  # " + vi(NOTHING_DATED)
    phase_ends = {phase.code: phase for phase in draft.phases}
    for milestone in draft.milestones:
        lines += _milestone(milestone, phase_ends)
    return "\n".join(lines) + "\n"


def _flow(mapping: dict[str, object]) -> str:
    """`{every: month, day: 20, from: 01/12/2026}`: the plan file's one-line `repeat:`."""
    parts = []
    for name, value in mapping.items():
        if isinstance(value, date):
            value = format_day(value)
        elif isinstance(value, list):
            value = "[" + ", ".join(str(item) for item in value) + "]"
        parts.append(f"{name}: {value}")
    return "{" + ", ".join(parts) + "}"


def _milestone(milestone: DraftMilestone, phases: dict) -> list[str]:  # type: ignore[type-arg]
    lines = [f"  - code: {milestone.code}"]
    if milestone.phase:
        lines.append(f"    phase: {quoted(milestone.phase)}")
    lines.append(f"    title: {quoted(milestone.title)}")
    if milestone.start:
        lines.append(f"    start: {format_day(milestone.start)}")
    if milestone.repeat is not None:
        note = f"  # {'; '.join(milestone.notes)}" if milestone.notes else ""
        lines.append(f"    repeat: {_flow(milestone.repeat)}{note}")
    elif milestone.due:
        note = f"  # {'; '.join(milestone.notes)}" if milestone.notes else ""
        lines.append(f"    due: {format_day(milestone.due)}{note}")
        if milestone.due_time:
            lines.append(f'    due_time: "{milestone.due_time}"')
    elif milestone.phase in phases:
        phase = phases[milestone.phase]
        lines.append("    # " + vi(PHASE_DATES, due=format_day(phase.end), start=format_day(phase.start)))
    selectors = [resolved.selector for resolved in milestone.units]
    if not selectors:
        lines.append("    units: []  # " + vi(NO_UNITS))
    elif all(isinstance(selector, str) for selector in selectors):
        codes = ", ".join(str(selector) for selector in selectors)
        lines.append(f"    units: [{codes}]  # {'; '.join(r.phrase for r in milestone.units)}")
    else:
        lines.append(f"    units:  # {'; '.join(r.phrase for r in milestone.units)}")
        for selector in selectors:
            lines.append(f"      - {selector}" if isinstance(selector, str)
                         else f"      - {selector[0]}: {selector[1]}")
    coordinating = [resolved.selector for resolved in milestone.coordinating]
    if coordinating:
        names = "; ".join(milestone.coordinating_names)
        lines.append("    coordinating:" + (f"  # {vi(COORDINATING, names=names)}" if names else ""))
        lines += [f"      - {selector}" if isinstance(selector, str) else f"      - {selector[0]}: {selector[1]}"
                  for selector in coordinating]
    elif milestone.coordinating_names:
        lines.append("    # " + vi(COORDINATING_UNKNOWN, names="; ".join(milestone.coordinating_names)))
    if milestone.review:
        lines.append("    review:")
        lines += [f"      - {quoted(note)}" for note in milestone.review]
    lines.append("    source: >-")
    paragraphs = milestone.source.split("\n")
    for number, paragraph in enumerate(paragraphs):
        if number:
            lines.append("")
        lines += [f"      {line}" for line in textwrap.wrap(paragraph, WIDTH, break_long_words=False,
                                                             break_on_hyphens=False)]
    return lines
