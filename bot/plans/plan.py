"""A plan that passed validation: units parent-first, milestones with real dates and resolved unit codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot.models import UnitKind
from bot.plans.periods import Repeat


@dataclass(frozen=True)
class PlanUnit:
    code: str
    name: str
    kind: UnitKind
    parent: str | None
    short_name: str | None = None
    aliases: tuple[str, ...] = ()
    sort_order: int = 0
    depth: int = 0


@dataclass(frozen=True)
class PlanMilestone:
    code: str
    title: str
    due: date
    units: tuple[str, ...]
    phase: str | None = None
    source: str | None = None
    start: date | None = None
    due_time: time | None = None
    requires_acceptance: bool = False
    reminder_days: tuple[int, ...] | None = None
    sort_order: int = 0
    # A periodic milestone (a series): `due` is its first possible due date; its periods are milestones of their own.
    repeat: Repeat | None = None
    # Phối hợp: the co-ordinating units, kept on the milestone and shown. `units` are those given assignments: the
    # lead units (chủ trì), and these too when the plan says `remind_coordinating: true`.
    coordinating: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    code: str
    title: str
    units: tuple[PlanUnit, ...]  # every parent before its children
    milestones: tuple[PlanMilestone, ...]
    number: str | None = None
    issued: date | None = None
    issuer: str | None = None
    timezone: str | None = None
    source_file: str | None = None
    remind_coordinating: bool = False  # the co-ordinating units were given assignments too (`units` holds them)
