"""What an import changed: the data the CLI renders, the event log stores and the reminder engine reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ref:
    code: str
    name: str


@dataclass(frozen=True)
class FieldChange:
    field: str  # the column name: "due_date", "name", "parent" ...
    old: object
    new: object


@dataclass(frozen=True)
class Changed:
    code: str
    name: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class AssignmentDiff:
    """Units given or taken a milestone that was already in the database (by unit code)."""

    milestone: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass
class UnitsReport:
    """What an import did to the organisation's unit tree (a plan file's `units:`, or a units file)."""

    dry_run: bool = False
    units_added: list[Ref] = field(default_factory=list)
    units_changed: list[Changed] = field(default_factory=list)
    units_reactivated: list[Ref] = field(default_factory=list)
    # Differences a plan file has with a unit already stored, not applied (only --update-units applies them).
    units_kept: list[Changed] = field(default_factory=list)
    # Retired units a plan names: left retired, given none of its work.
    units_skipped: list[Ref] = field(default_factory=list)
    # Units retired by this import (`retired: true` in a units file, and the units below them).
    units_retired: list[Ref] = field(default_factory=list)
    # Codes a units file marks retired that no unit has: nothing to do, said so.
    retire_unknown: list[str] = field(default_factory=list)
    # Rows whose only change is their position in the file: written, counted, not listed.
    reordered: int = 0
    # Milestones whose reminders must be planned again: new, (re)activated, deactivated, dates or units changed.
    affected_milestone_ids: set[int] = field(default_factory=set)

    @property
    def units_touched(self) -> bool:
        return any((self.units_added, self.units_changed, self.units_reactivated, self.units_retired))

    def units_summary(self) -> dict[str, object]:
        return {
            "added": len(self.units_added),
            "changed": [item.code for item in self.units_changed],
            "reactivated": [item.code for item in self.units_reactivated],
            "retired": [item.code for item in self.units_retired],
            "kept": [item.code for item in self.units_kept],
        }


@dataclass
class ImportReport(UnitsReport):
    plan_code: str = ""
    plan_title: str = ""
    plan_added: bool = False
    plan_changed: list[FieldChange] = field(default_factory=list)
    plan_closed: bool = False  # imported into a closed plan: nothing of it is reminded
    milestones_added: list[Ref] = field(default_factory=list)
    milestones_changed: list[Changed] = field(default_factory=list)
    milestones_deactivated: list[Ref] = field(default_factory=list)
    milestones_reactivated: list[Ref] = field(default_factory=list)
    assignments: list[AssignmentDiff] = field(default_factory=list)
    assignments_added: int = 0
    assignments_removed: int = 0

    @property
    def changed(self) -> bool:
        return any((self.plan_added, self.plan_changed, self.units_touched,
                    self.milestones_added, self.milestones_changed, self.milestones_deactivated,
                    self.milestones_reactivated, self.assignments_added, self.assignments_removed, self.reordered))

    def summary(self) -> dict[str, object]:
        """A JSON-ready digest for the event log (codes, not names; counts for the bulky parts)."""
        return {
            "plan": self.plan_code,
            "title": self.plan_title,
            "plan_added": self.plan_added,
            "plan_changed": [change.field for change in self.plan_changed],
            "units": self.units_summary(),
            "milestones": {
                "added": [item.code for item in self.milestones_added],
                "changed": {item.code: [change.field for change in item.fields] for item in self.milestones_changed},
                "deactivated": [item.code for item in self.milestones_deactivated],
                "reactivated": [item.code for item in self.milestones_reactivated],
            },
            "assignments": {"added": self.assignments_added, "removed": self.assignments_removed},
            "reordered": self.reordered,
        }


def field_changes(old: Mapping[str, object], new: Mapping[str, object]) -> tuple[FieldChange, ...]:
    """The fields of `new` whose value differs from `old`, in `new`'s order."""
    return tuple(FieldChange(name, old.get(name), value) for name, value in new.items() if old.get(name) != value)
