"""Milestones of a plan file: dates from their phase, units from their selectors, and the checks between them."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field, ValidationError

from bot.i18n import N_
from bot.plans.dates import format_day
from bot.plans.fields import Code
from bot.plans.loader import LineMap
from bot.plans.plan import PlanMilestone
from bot.plans.problems import Problem, did_you_mean, error, warning
from bot.plans.schema import Item, MilestoneSpec, PhaseSpec, Selector
from bot.plans.sections import Section, selector_inputs
from bot.plans.selection import UnitSelection
from bot.plans.series_spec import check_period_codes, series_milestone


class _References(Item):
    """What a milestone refers to, read apart so a milestone with a bad date still has its units checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    phase: Code | None = None
    # Field(): ruff cannot see that Item is a pydantic model, whose list defaults are copied per instance anyway
    units: list[Selector] = Field(default_factory=list)
    coordinating: list[Selector] = Field(default_factory=list)


class MilestoneResolver:
    def __init__(self, *, selection: UnitSelection, phases: Section[PhaseSpec], problems: list[Problem]) -> None:
        self.selection = selection
        self.phases = phases
        self.problems = problems

    def resolve(self, section: Section[MilestoneSpec]) -> list[PlanMilestone]:
        for item in section.failed:
            self._check_references(item)
        resolved = (self._milestone(spec, order) for order, spec in enumerate(section.specs.values()))
        milestones = [milestone for milestone in resolved if milestone is not None]
        check_period_codes(section, self.problems)
        return milestones

    def _check_references(self, item: LineMap) -> None:
        try:
            references = _References.model_validate({**item, **selector_inputs(item), "key_lines": item.key_lines})
        except ValidationError:
            return  # the same fault was reported by the milestone's own schema
        self.selection.resolve(references.units, problems=self.problems)
        self.selection.resolve(references.coordinating, problems=self.problems)
        self._phase(references)

    def _phase(self, item: MilestoneSpec | _References) -> PhaseSpec | None:
        if not item.phase or item.phase in self.phases.broken:
            return None
        if item.phase not in self.phases.specs:
            self.problems.append(error(item.line_of("phase"), N_('no phase has the code "{code}"'),
                                       *did_you_mean(item.phase, self.phases.specs), code=item.phase))
        return self.phases.specs.get(item.phase)

    def _milestone(self, spec: MilestoneSpec, order: int) -> PlanMilestone | None:
        units = self.selection.resolve(spec.units, problems=self.problems)
        coordinating = self._coordinating(spec, units)
        if not spec.units:
            self.problems.append(error(spec.at_line, N_('milestone "{code}" is assigned to no unit: add "units:"'),
                                       code=spec.code))
        for note in spec.review:
            self.problems.append(error(spec.line_of("review"), N_(
                'milestone "{code}" is marked for review: {note} (fix it, then delete the "review:" note)'),
                code=spec.code, note=note))
        phase = self._phase(spec)
        if spec.repeat is not None:
            return series_milestone(spec, order, units=tuple(units), coordinating=coordinating, phase=phase,
                                    problems=self.problems)
        # Work listed under a phase without its own date is due when the phase ends, and starts with it.
        due = spec.due or (phase.end if phase else None)
        start = spec.start or (phase.start if phase and not spec.due else None)
        if due is None:
            if not (spec.phase and phase is None):  # an unknown or broken phase was reported already
                self.problems.append(error(spec.at_line, N_(
                    'milestone "{code}" has no due date: write "due:", or put it in a phase that has an "end:"'),
                    code=spec.code))
            return None
        if start and due < start:
            self.problems.append(error(spec.line_of("due"), N_("the due date {due} is before the start date {start}"),
                                       due=format_day(due), start=format_day(start)))
        if phase is not None and _outside(due, phase):
            self.problems.append(warning(
                spec.line_of("due"), N_("the due date {due} is outside phase {phase} ({start} – {end})"),
                due=format_day(due), phase=phase.code, start=format_day(phase.start) if phase.start else "…",
                end=format_day(phase.end) if phase.end else "…"))
        reminder_days = tuple(sorted(set(spec.reminder_days), reverse=True)) if spec.reminder_days is not None else None
        return PlanMilestone(
            code=spec.code, title=spec.title, due=due, units=tuple(units), phase=phase.title if phase else None,
            source=spec.source, start=start, due_time=spec.due_time, requires_acceptance=spec.requires_acceptance,
            reminder_days=reminder_days, sort_order=order, coordinating=coordinating,
        )

    def _coordinating(self, spec: MilestoneSpec, lead: list[str]) -> tuple[str, ...]:
        """The co-ordinating units; one also named as lead unit is a lead unit only (said so)."""
        chosen = self.selection.resolve(spec.coordinating, problems=self.problems)
        both = [code for code in chosen if code in lead]
        if both:
            self.problems.append(warning(spec.line_of("coordinating"), N_(
                'milestone "{code}": {units} also lead the work, so they are not counted as co-ordinating units'),
                code=spec.code, units=", ".join(both)))
        return tuple(code for code in chosen if code not in lead)


def _outside(day: date, phase: PhaseSpec) -> bool:
    return bool((phase.start and day < phase.start) or (phase.end and day > phase.end))
