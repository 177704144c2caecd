"""The change report of an import, as text for the person who ran it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import N_, Translator
from bot.plans.labels import field_label, value_text
from bot.plans.report import Changed, ImportReport, Ref

# A national import adds 60,000 units: list the first ones, count the rest.
MAX_LISTED = 50
MAX_CODES = 20


def render_report(report: ImportReport, t: Translator) -> str:
    """The report in `t`'s language: one line per section that changed, then one line per item."""
    if report.dry_run:
        lines = [t(N_("Plan {code}: dry run, nothing was written.")).format(code=report.plan_code)]
    else:
        lines = [t(N_("Plan {code}: imported.")).format(code=report.plan_code)]
    if not report.changed:
        return "\n".join([*lines, t(N_("No changes."))])
    units = (report.units_added, report.units_changed, report.units_deactivated, report.units_reactivated)
    if any(units):
        lines.append(t(N_("Units: {added} added, {changed} changed, {deactivated} deactivated, {reactivated} "
                          "reactivated.")).format(**_counts(units)))
        lines += _items(*units, t)
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
    return "\n".join(lines)


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
    return "; ".join(f"{field_label(change.field, t)}: {value_text(change.old, t)} → {value_text(change.new, t)}"
                     for change in item.fields)


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
