"""The change report of an import, as text for the person who ran it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import N_, Translator
from bot.plans.labels import field_label, value_text
from bot.plans.report import Changed, FieldChange, ImportReport, Ref, UnitsReport

# A national import adds 60,000 units: list the first ones, count the rest.
MAX_LISTED = 50
MAX_CODES = 20


def render_report(report: ImportReport, t: Translator) -> str:
    """The report in `t`'s language: one line per section that changed, then one line per item."""
    if report.dry_run:
        lines = [t(N_("Plan {code}: dry run, nothing was written.")).format(code=report.plan_code)]
    else:
        lines = [t(N_("Plan {code}: imported.")).format(code=report.plan_code)]
    if report.plan_added:
        lines.append(t(N_("New plan: {title}")).format(title=report.plan_title))
    elif report.plan_changed:
        lines.append(t(N_("Plan details changed: {changes}")).format(changes=_field_changes(report.plan_changed, t)))
    if not report.changed:
        lines.append(t(N_("No changes.")))
    lines += render_unit_sections(report, t)
    milestones = (report.milestones_added, report.milestones_changed, report.milestones_deactivated,
                  report.milestones_reactivated)
    if any(milestones):
        lines.append(t(N_("Milestones: {added} added, {changed} changed, {deactivated} deactivated, {reactivated} "
                          "reactivated.")).format(**_counts(milestones)))
        lines += _items(*milestones, t)
    if report.assignments_added or report.assignments_removed:
        lines.append(t(N_("Assignments: {added} added, {removed} removed.")).format(
            added=report.assignments_added, removed=report.assignments_removed))
        lines += _capped([_assignment_line(diff.milestone, diff.added, diff.removed, t)
                          for diff in report.assignments], t)
    if report.reordered:
        lines.append(t(N_("Order changed for {count} items (their position in the file only).")).format(
            count=report.reordered))
    if report.plan_closed:
        lines.append(t(N_("This plan is closed: nothing of it is reminded (nhacviec plan reopen {code}).")).format(
            code=report.plan_code))
    return "\n".join(lines)


def render_unit_sections(report: UnitsReport, t: Translator) -> list[str]:
    """What happened to the unit tree, and what a plan file said differently but did not change."""
    lines: list[str] = []
    if report.units_touched:
        lines.append(t(N_("Units: {added} added, {changed} changed, {reactivated} reactivated, {retired} retired."))
                     .format(added=len(report.units_added), changed=len(report.units_changed),
                             reactivated=len(report.units_reactivated), retired=len(report.units_retired)))
        retired = t(N_("retired"))
        lines += _items(report.units_added, report.units_changed, [], report.units_reactivated, t)
        lines += _capped([f"  - {item.code}  {item.name} ({retired})" for item in report.units_retired], t)
    notes = [t(N_("unit {code} already exists, not changed: {changes}")).format(
        code=item.code, changes=_changes(item, t)) for item in report.units_kept]
    notes += [t(N_("unit {code} is retired: given none of this plan's work")).format(code=item.code)
              for item in report.units_skipped]
    if notes:
        lines += _capped([f"  ! {note}" for note in notes], t)
        lines.append(t(N_("(the stored units stay as they are; to apply the file's version, import it again with "
                          "--update-units, or change the units file and run nhacviec units import)")))
    return lines


def _counts(sections: tuple[Sequence[object], ...]) -> dict[str, int]:
    return dict(zip(("added", "changed", "deactivated", "reactivated"), map(len, sections), strict=True))


def _items(added: Sequence[Ref], changed: Sequence[Changed], deactivated: Sequence[Ref],
           reactivated: Sequence[Ref], t: Translator) -> list[str]:
    off, back = t(N_("deactivated")), t(N_("reactivated"))
    lines = [f"  + {item.code}  {item.name}" for item in added]
    lines += [f"  ~ {item.code}  {item.name}: {_changes(item, t)}" for item in changed]
    lines += [f"  - {item.code}  {item.name} ({off})" for item in deactivated]
    lines += [f"  ↺ {item.code}  {item.name} ({back})" for item in reactivated]
    return _capped(lines, t)


def _changes(item: Changed, t: Translator) -> str:
    return _field_changes(item.fields, t)


def _field_changes(changes: Sequence[FieldChange], t: Translator) -> str:
    return "; ".join(f"{field_label(change.field, t)}: {value_text(change.old, t)} → {value_text(change.new, t)}"
                     for change in changes)


def _assignment_line(milestone: str, added: Sequence[str], removed: Sequence[str], t: Translator) -> str:
    parts = []
    if added:
        parts.append(t(N_("added {codes}")).format(codes=_codes(added, t)))
    if removed:
        parts.append(t(N_("removed {codes}")).format(codes=_codes(removed, t)))
    return f"  {milestone}: {'; '.join(parts)}"


def _codes(codes: Sequence[str], t: Translator) -> str:
    shown = ", ".join(codes[:MAX_CODES])
    if len(codes) <= MAX_CODES:
        return shown
    return f"{shown} " + t(N_("… and {count} more")).format(count=len(codes) - MAX_CODES)


def _capped(lines: list[str], t: Translator) -> list[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], "  " + t(N_("… and {count} more")).format(count=len(lines) - MAX_LISTED)]
