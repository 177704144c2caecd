"""A periodic milestone of a plan file: its rule completed from its phase, and the codes its periods will take."""

from __future__ import annotations

import re

from bot.i18n import N_
from bot.plans.dates import format_day
from bot.plans.fields import CODE_MAX_LENGTH
from bot.plans.periods import PERIOD_KEY_PATTERN, period_code
from bot.plans.plan import PlanMilestone
from bot.plans.problems import Problem, error
from bot.plans.schema import MilestoneSpec, PhaseSpec
from bot.plans.sections import Section

# The longest period key ("2026-Q4"), and the dash before it, end every period's code.
_KEY_LENGTH = len("-2026-Q4")


def series_milestone(spec: MilestoneSpec, order: int, *, units: tuple[str, ...], phase: PhaseSpec | None,
                     problems: list[Problem], coordinating: tuple[str, ...] = ()) -> PlanMilestone | None:
    """The series: `from` / `until` default to its phase's start and end; its periods take no `due:` / `start:`."""
    assert spec.repeat is not None
    found = len(problems)
    for key in ("due", "start"):
        if getattr(spec, key) is not None:
            problems.append(error(spec.line_of(key), N_(
                'a repeating milestone takes its dates from "repeat:": remove "{key}:"'), key=key))
    start = spec.repeat.start or (phase.start if phase else None)
    until = spec.repeat.until or (phase.end if phase else None)
    if start is None:
        problems.append(error(spec.line_of("repeat"), N_(
            'repeating milestone "{code}" needs "from:" in "repeat:" (the first due date it may have), or a phase '
            'with a "start:"'), code=spec.code))
    elif until is not None and until < start:
        problems.append(error(spec.line_of("repeat"), N_(
            'the repetition ends on {until}, before it starts on {start}'),
            until=format_day(until), start=format_day(start)))
    if len(spec.code) > CODE_MAX_LENGTH - _KEY_LENGTH:
        problems.append(error(spec.line_of("code"), N_(
            'the code of a repeating milestone may have at most {max_length} characters: its periods add "-2026-12"'),
            max_length=CODE_MAX_LENGTH - _KEY_LENGTH))
    if start is None or len(problems) > found:
        return None
    return PlanMilestone(
        code=spec.code, title=spec.title, due=start, units=units, phase=phase.title if phase else None,
        source=spec.source, due_time=spec.due_time, requires_acceptance=spec.requires_acceptance,
        reminder_days=tuple(sorted(set(spec.reminder_days), reverse=True)) if spec.reminder_days is not None else None,
        sort_order=order, repeat=spec.repeat.rule(start=start, until=until), coordinating=coordinating,
    )


def check_period_codes(section: Section[MilestoneSpec], problems: list[Problem]) -> None:
    """No milestone may take a code the periods of a series will have ("BC-2026-12" beside a series "BC")."""
    series = [spec.code for spec in section.specs.values() if spec.repeat is not None]
    if not series:
        return
    for spec in section.specs.values():
        for code in series:
            if re.fullmatch(rf"{re.escape(code)}-{PERIOD_KEY_PATTERN}", spec.code):
                problems.append(error(spec.line_of("code"), N_(
                    'code "{code}" is kept for the periods of repeating milestone "{series}" (named like "{example}"): '
                    'choose another'), code=spec.code, series=code, example=period_code(code, "2026-12")))
                break
