"""Which plan an item belongs to, as the chat views say it, and milestone codes that may name several plans.

    labels = await view_labels(session=session)        # {plan id: "190-KH/TU"} — empty with one active plan
    choices = await milestone_choices(session=session, text="KH2:M01")   # [(Milestone, Plan)]; > 1: ask which

Views print a plan's label only when more than one plan is active: an office with one plan sees what it saw
before plans existed. A milestone code may be qualified with its plan (`DB-BC-2020:M01`, or `…/M01`), by the
plan's code, its document number or its label. No Telegram types here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import Assignment, Milestone, Plan, Unit
from bot.plans.registry import active_plans, find_milestones, is_active, plan_label
from bot.progress import live_rows
from bot.units import in_subtree

T = TypeVar("T")
SEPARATORS = (":", "/")  # never in a milestone code (bot/plans/fields.py CODE_PATTERN); "/" may be in a label


def labels_of(plans: list[Plan]) -> dict[int, str]:
    """Each plan's label; where two labels coincide (two plans numbered alike), those plans show their codes."""
    labels = {plan.id: plan_label(plan) for plan in plans if plan.id is not None}
    taken = list(labels.values())
    return {plan.id: (plan.code if taken.count(labels[plan.id]) > 1 else labels[plan.id])
            for plan in plans if plan.id is not None}


async def view_labels(*, session: AsyncSession) -> dict[int, str]:
    """The active plans' labels, in import order, when more than one plan is active; else {} (nothing shown)."""
    plans = await active_plans(session=session)
    return labels_of(plans) if len(plans) > 1 else {}


def group_by_plan(items: Iterable[T], plan_of: Callable[[T], int], labels: dict[int, str]) -> list[tuple[str, list[T]]]:
    """Items under their plan's label, plans in the labels' order, each group in the items' order; one group
    with no label when `labels` is empty (one active plan)."""
    items = list(items)
    if not labels:
        return [("", items)] if items else []
    groups: dict[int, list[T]] = {plan_id: [] for plan_id in labels}
    for item in items:
        groups.setdefault(plan_of(item), []).append(item)
    return [(labels.get(plan_id, ""), group) for plan_id, group in groups.items() if group]


def split_code(text: str) -> tuple[str | None, str]:
    """("DB-BC-2020", "M01") from "DB-BC-2020:M01" or "190-KH/TU/M01"; (None, "M01") from "M01"."""
    text = text.strip()
    for separator in SEPARATORS:
        if separator in text:
            plan, _, code = text.rpartition(separator)
            return plan.strip(), code.strip()
    return None, text


def names_plan(plan: Plan, name: str) -> bool:
    wanted = name.strip().upper()
    return bool(wanted) and wanted in {plan.code.upper(), plan_label(plan).upper(), (plan.number or "").strip().upper()}


async def find_plan(*, session: AsyncSession, name: str, active_only: bool = True) -> Plan | None:
    """The plan called `name` (its code, number or label, any case)."""
    statement = select(Plan).order_by(col(Plan.created_at), col(Plan.id))
    plans = (await session.execute(statement)).scalars().all()
    return next((plan for plan in plans if names_plan(plan, name) and (not active_only or is_active(plan))),
                None)


async def milestone_choices(*, session: AsyncSession, text: str) -> list[tuple[Milestone, Plan]]:
    """The active plans' live milestones a typed code may mean: one per plan that has it, or the one of the plan
    it is qualified with."""
    plan_name, code = split_code(text)
    if not code:
        return []
    found = await find_milestones(session=session, code=code)
    if plan_name is None:
        return found
    return [(milestone, plan) for milestone, plan in found if names_plan(plan, plan_name)]


async def reaches(*, session: AsyncSession, milestone_id: int, unit_ids: list[int], roots: list[Unit]) -> bool:
    """Whether this milestone is assigned (and followed) to one of these units or anywhere in these subtrees.
    Stops at the first such assignment: cheap for a whole country's milestone."""
    places: list[ColumnElement[bool]] = [col(Assignment.unit_id).in_(unit_ids)] if unit_ids else []
    places += [in_subtree(session, root) for root in roots]
    if not places:
        return False
    statement = (select(Assignment.id).join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(Assignment.milestone_id == milestone_id, live_rows(), or_(*places)).limit(1))
    return (await session.execute(statement)).first() is not None


async def unit_assignment(*, session: AsyncSession, unit_ids: list[int], milestone_id: int) -> Assignment | None:
    """The followed assignment of this milestone for the first of these units that has it."""
    if not unit_ids:
        return None
    statement = (select(Assignment).join(Milestone, col(Milestone.id) == Assignment.milestone_id)
                 .join(Unit, col(Unit.id) == Assignment.unit_id)
                 .where(col(Assignment.unit_id).in_(unit_ids), Assignment.milestone_id == milestone_id, live_rows()))
    found = {a.unit_id: a for a in (await session.execute(statement)).scalars().all()}
    return next((found[u] for u in unit_ids if u in found), None)
