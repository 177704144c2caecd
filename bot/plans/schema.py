"""The shape of each item of a plan file, as pydantic models (validated one item at a time).

Scalars arrive as the strings written in the file and the field types of `bot.plans.fields` read them.
Cross-references (codes, parents, groups, phases) are checked later, over the whole file.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from bot.i18n import N_
from bot.models import UnitKind
from bot.plans.fields import (
    Code,
    DueDay,
    Kind,
    Name,
    OptionalName,
    OptionalShortName,
    OptionalText,
    ReminderDays,
    ShortName,
    StartDay,
    Text,
    TimeOfDay,
    TimeZoneName,
)
from bot.plans.problems import PlanValueError
from bot.plans.repeat_spec import RepeatSpec


class Item(BaseModel):
    """One mapping of the file; `at_line` / `key_lines` say where it and its keys are written."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    internal_keys: ClassVar[frozenset[str]] = frozenset({"at_line", "key_lines"})

    at_line: int = 0
    key_lines: dict[str, int] = {}

    @classmethod
    def keys(cls) -> list[str]:
        return [name for name in cls.model_fields if name not in cls.internal_keys]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.at_line)


class PlanInfo(Item):
    code: Code
    title: Text
    number: OptionalShortName = None  # the columns' lengths: PostgreSQL refuses a longer text
    issued: StartDay | None = None
    issuer: OptionalName = None
    timezone: TimeZoneName | None = None
    # Whether the co-ordinating (phối hợp) units get assignments, and so reminders, as the lead units do.
    remind_coordinating: bool = False


class UnitSpec(Item):
    code: Code
    name: Name
    kind: Kind
    short_name: ShortName | None = None
    aliases: list[Text] = []
    parent: Code | None = None
    children: list[Any] = []  # the tree builder validates these one by one


class PhaseSpec(Item):
    code: Code
    title: Name
    start: StartDay | None = None
    end: DueDay | None = None


SELECTOR_SCOPES = ("children", "subtree", "under")


class Selector(Item):
    """Who a milestone goes to: one unit, a named group, or units picked from the tree."""

    unit: Code | None = None
    group: Code | None = None
    kind: Kind | None = None
    children: Code | None = None
    subtree: Code | None = None
    under: Code | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_code_or_mapping(cls, data: object) -> object:
        if isinstance(data, str):
            return {"unit": data}
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields:
                    raise PlanValueError(N_('unknown key "{key}" in a unit selector; the keys are: {keys}'),
                                         key=key, keys=", ".join(cls.keys()))
        return data

    @model_validator(mode="after")
    def _one_way_of_choosing(self) -> Selector:
        scopes = [scope for scope in SELECTOR_SCOPES if getattr(self, scope)]
        if self.unit:
            valid = not (self.group or self.kind or scopes)
        elif self.group:
            valid = not (self.kind or scopes)
        else:
            valid = len(scopes) == 1 or (not scopes and self.kind is not None)
        if not valid:
            raise PlanValueError(N_(
                'write a unit code, or "group: CODE", or "kind: KIND", or one of "children: CODE", '
                '"subtree: CODE", "under: CODE" (each may add "kind: KIND")'))
        return self

    def describe(self) -> str:
        """The selector as written, for messages: 'kind: grassroots, under: HU-DIENBIEN'."""
        if self.unit:
            return self.unit
        fields = [name for name in ("group", "kind", *SELECTOR_SCOPES) if getattr(self, name)]
        fields.sort(key=lambda name: list(self.key_lines).index(name) if name in self.key_lines else 0)
        return ", ".join(f"{name}: {_plain(getattr(self, name))}" for name in fields)


def _plain(value: object) -> str:
    return value.value if isinstance(value, UnitKind) else str(value)


class GroupSpec(Item):
    code: Code
    name: Name
    units: list[Selector] = []


class MilestoneSpec(Item):
    code: Code
    title: Text
    phase: Code | None = None
    start: StartDay | None = None
    due: DueDay | None = None
    due_time: TimeOfDay | None = None
    source: OptionalText = None
    units: list[Selector] = []  # chủ trì: the lead units, who get the assignments
    coordinating: list[Selector] = []  # phối hợp: kept on the milestone and shown (reminded if the plan says so)
    requires_acceptance: bool = False
    reminder_days: ReminderDays | None = None
    repeat: RepeatSpec | None = None  # a periodic milestone: each period becomes its own milestone
    # Notes a drafted plan (`nhacviec draft`) leaves for its reviewer; a milestone with notes is not imported.
    review: list[Text] = []
