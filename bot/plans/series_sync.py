"""What an import does with the periodic milestones (series) of a plan, beside `sync_milestones`.

A series' row keeps its rule while the file has it; its periods are milestones the file does not list. A code
keeps its kind: a followed one-off milestone does not turn into a series (its history would vanish from the views),
nor a series or one of its periods into a one-off milestone — the file gets a new code instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.plans.dates import format_day
from bot.plans.plan import Plan
from bot.plans.problems import Problem, error
from bot.plans.report import FieldChange, ImportReport, Ref
from bot.plans.series import create_periods
from bot.settings import Settings
from bot.timeutil import local_today


def check_series_kinds(plan: Plan, rows: Mapping[str, Row[*tuple[Any, ...]]]) -> None:
    """Raises ImportRefused (nothing written) when the file changes the kind of a stored milestone code."""
    has_periods = {row.series_id for row in rows.values() if row.series_id is not None}
    problems: list[Problem] = []
    for milestone in plan.milestones:
        row = rows.get(milestone.code)
        if row is None:
            continue
        if row.series_id is not None:
            problems.append(error(None, N_(
                'milestone code "{code}" belongs to a period of a repeating milestone: choose another code'),
                code=milestone.code))
        elif milestone.repeat is not None and row.repeat is None and row.active and row.id not in has_periods:
            problems.append(error(None, N_(
                'milestone "{code}" is followed as a one-off milestone: a repeating milestone needs a new code'),
                code=milestone.code))
        elif milestone.repeat is None and (row.repeat is not None or row.id in has_periods):
            problems.append(error(None, N_(
                'milestone "{code}" is a repeating milestone: a one-off milestone needs a new code'),
                code=milestone.code))
    if problems:
        from bot.plans.importer import ImportRefused  # the importer imports this module

        raise ImportRefused(plan.source_file or plan.code, problems)


def resumed_periods(plan: Plan, rows: Mapping[str, Row[*tuple[Any, ...]]],
                    report: ImportReport) -> list[Row[*tuple[Any, ...]]]:
    """The periods of a series the file brings back (they left with it): followed again, as a returning one-off
    milestone is."""
    returning = {rows[milestone.code].id for milestone in plan.milestones
                 if milestone.repeat is not None and milestone.code in rows and rows[milestone.code].repeat is None}
    resumed = [row for row in rows.values() if row.series_id in returning and not row.active]
    for row in resumed:
        report.milestones_reactivated.append(Ref(row.code, row.title))
        report.affected_milestone_ids.add(row.id)
    return resumed


async def import_periods(*, session: AsyncSession, plan: Plan, plan_id: int, now: datetime,
                         report: ImportReport) -> None:
    """After the plan's series and their units are written: the current and next periods of each, as of the
    import's day in the plan's time zone (reported as added milestones; their reminders are planned with the rest)."""
    if not any(milestone.repeat is not None for milestone in plan.milestones):
        return
    zone = ZoneInfo(plan.timezone or Settings.model_fields["timezone"].default)
    for made in await create_periods(session=session, today=local_today(now, zone), plan_id=plan_id, now=now):
        report.milestones_added.append(Ref(made.code, made.title))
        report.assignments_added += made.assignments
        report.affected_milestone_ids.add(made.milestone_id)


def readable_rule_change(changes: tuple[FieldChange, ...]) -> tuple[FieldChange, ...]:
    """A changed `repeat:` as the keys that changed, written as in the file ("day: 20" → "day: 31"), not as the
    stored JSON (which the change report would cut short)."""
    return tuple(_rule_change(change) if change.field == "repeat" else change for change in changes)


def _rule_change(change: FieldChange) -> FieldChange:
    old = json.loads(change.old) if isinstance(change.old, str) else {}
    new = json.loads(change.new) if isinstance(change.new, str) else {}
    keys = [key for key in (*new, *(key for key in old if key not in new)) if old.get(key) != new.get(key)]
    return FieldChange(change.field, _written(old, keys) if old else None, _written(new, keys) if new else None)


def _written(rule: dict[str, object], keys: list[str]) -> str:
    return ", ".join(f"{key}: {_value(rule.get(key))}" for key in keys)


def _value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":  # an ISO date, as a plan file writes it
        return format_day(date.fromisoformat(value))
    return "–" if value is None else str(value)
