"""The value types of a plan file's fields: each reads the string written in the file or raises
`PlanValueError` with a translatable message (that names the field through {field})."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from annotated_types import MaxLen
from pydantic import AfterValidator, BeforeValidator

from bot.i18n import N_
from bot.models import UnitKind
from bot.plans.dates import parse_due_day, parse_start_day, parse_time_of_day
from bot.plans.limits import MAX_REMINDER_DAYS, MAX_REMINDER_STEPS
from bot.plans.problems import PlanValueError, nearest

CODE_PATTERN = re.compile(r"[A-Z0-9]+(?:[-._][A-Z0-9]+)*")
CODE_MAX_LENGTH = 64


def ascii_code(text: str) -> str:
    """'Huyện ủy Điện Biên' -> 'HUYEN-UY-DIEN-BIEN': a valid code close to what was written."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(char for char in folded if not unicodedata.combining(char)).upper()
    return "-".join(re.findall(r"[A-Z0-9]+", plain))


def parse_code(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise PlanValueError(N_('field "{field}" is empty'))
    if not CODE_PATTERN.fullmatch(text):
        raise PlanValueError(
            N_('code "{value}" is invalid: use capital letters A-Z without accents, digits and dashes, '
               'e.g. "{example}"'),
            value=text, example=ascii_code(text) or "HU-DIENBIEN",
        )
    if len(text) > CODE_MAX_LENGTH:
        raise PlanValueError(N_('code "{value}" is longer than {max_length} characters'), value=text,
                             max_length=CODE_MAX_LENGTH)
    return text


def parse_text(value: object) -> object:
    """Text, stripped; any other value goes on to pydantic's own check (a str)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PlanValueError(N_('field "{field}" is empty'))
    return value.strip() if isinstance(value, str) else value


def parse_optional_text(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def at_most(max_length: int) -> AfterValidator:
    """The length of the database column an optional text goes to (MaxLen cannot apply to `str | None`)."""
    def check(value: str | None) -> str | None:
        if value is not None and len(value) > max_length:
            raise PlanValueError(N_('field "{field}" is too long (at most {max_length} characters)'),
                                 max_length=max_length)
        return value
    return AfterValidator(check)


_KINDS = [kind.value for kind in UnitKind]


def parse_kind(value: object) -> UnitKind:
    if isinstance(value, str) and value.strip() in _KINDS:
        return UnitKind(value.strip())
    suggestion = nearest(str(value), _KINDS)
    if suggestion:
        raise PlanValueError(N_('unknown unit kind "{value}" (did you mean "{suggestion}"?)'), value=value,
                             suggestion=suggestion)
    raise PlanValueError(N_('unknown unit kind "{value}"; the kinds are: {kinds}'), value=value,
                         kinds=", ".join(_KINDS))


def parse_timezone(value: object) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PlanValueError(N_('unknown time zone "{value}", e.g. Asia/Ho_Chi_Minh'), value=value) from None
    return str(value)


def parse_reminder_day(value: object) -> int:
    """Days before the deadline a reminder goes out: 0 (on the due day) to MAX_REMINDER_DAYS."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    text = text.strip() if isinstance(text, str) else ""
    if re.fullmatch(r"-[0-9]+", text):
        raise PlanValueError(N_('field "{field}" must not be negative'))
    if not re.fullmatch(r"[0-9]+", text):
        raise PlanValueError(N_('field "{field}" must be a whole number'))
    digits = text.lstrip("0") or "0"
    # Count digits first: Python refuses to read a number of more than 4,300 digits (ValueError).
    if len(digits) > len(str(MAX_REMINDER_DAYS)) or int(digits) > MAX_REMINDER_DAYS:
        raise PlanValueError(N_("a reminder {value} days before the deadline is too early: at most {max_days} days"),
                             value=text if len(text) <= 12 else f"{text[:9]}…", max_days=MAX_REMINDER_DAYS)
    return int(digits)


def check_reminder_steps(days: list[int]) -> list[int]:
    if len(set(days)) > MAX_REMINDER_STEPS:
        raise PlanValueError(N_('field "{field}" lists more than {max_count} different days'),
                             max_count=MAX_REMINDER_STEPS)
    return days


Code = Annotated[str, BeforeValidator(parse_code)]
Text = Annotated[str, BeforeValidator(parse_text)]
Name = Annotated[str, BeforeValidator(parse_text), MaxLen(255)]
ShortName = Annotated[str, BeforeValidator(parse_text), MaxLen(120)]
OptionalText = Annotated[str | None, BeforeValidator(parse_optional_text)]
OptionalName = Annotated[str | None, BeforeValidator(parse_optional_text), at_most(255)]
OptionalShortName = Annotated[str | None, BeforeValidator(parse_optional_text), at_most(120)]
Kind = Annotated[UnitKind, BeforeValidator(parse_kind)]
StartDay = Annotated[date, BeforeValidator(parse_start_day)]
DueDay = Annotated[date, BeforeValidator(parse_due_day)]
TimeOfDay = Annotated[time, BeforeValidator(parse_time_of_day)]
TimeZoneName = Annotated[str, BeforeValidator(parse_timezone)]
ReminderDay = Annotated[int, BeforeValidator(parse_reminder_day)]
ReminderDays = Annotated[list[ReminderDay], AfterValidator(check_reminder_steps)]
