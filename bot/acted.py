"""What a service that acts on one assignment returns: how it went, and the rows it found (shared by
bot/confirmations.py and bot/extensions.py, each with its own outcomes)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.models import Assignment, Milestone, Unit

OutcomeT = TypeVar("OutcomeT", bound=enum.Enum)


@dataclass(frozen=True)
class Acted(Generic[OutcomeT]):
    outcome: OutcomeT
    assignment: Assignment | None = None
    milestone: Milestone | None = None
    unit: Unit | None = None

    @property
    def rows(self) -> tuple[Assignment, Milestone, Unit]:
        """The rows of a result that found them (every outcome but not_found)."""
        assert self.assignment is not None and self.milestone is not None and self.unit is not None
        return self.assignment, self.milestone, self.unit
