"""Validates one mapping of the file against its schema model, turning every failure into a located problem."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.i18n import N_
from bot.plans.loader import LineList, LineMap
from bot.plans.problems import Message, PlanValueError, Problem, did_you_mean, error, message
from bot.plans.schema import Item

ItemT = TypeVar("ItemT", bound=Item)

# pydantic's error types, explained for the person editing the file; {field} is the key written there.
_TYPE_MESSAGES = {
    "missing": N_('field "{field}" is missing'),
    "list_type": N_('field "{field}" must be a list (one item per line, starting with "- ")'),
    "dict_type": N_('field "{field}" must be a mapping of "key: value" lines'),
    "model_type": N_('field "{field}" must be a mapping of "key: value" lines'),
    "model_attributes_type": N_('field "{field}" must be a mapping of "key: value" lines'),
    "string_type": N_('field "{field}" must be text, not a list or mapping'),
    "bool_parsing": N_('field "{field}" must be true or false'),
    "bool_type": N_('field "{field}" must be true or false'),
    "int_parsing": N_('field "{field}" must be a whole number'),
    "int_type": N_('field "{field}" must be a whole number'),
    "int_from_float": N_('field "{field}" must be a whole number'),
    "greater_than_equal": N_('field "{field}" must not be negative'),
    "too_long": N_('field "{field}" is too long (at most {max_length} characters)'),
    "string_too_long": N_('field "{field}" is too long (at most {max_length} characters)'),
}


def validate_item(model: type[ItemT], raw: object, *, line: int, problems: list[Problem],
                  prepared: dict[str, object] | None = None) -> ItemT | None:
    """The item, or None after recording why not. `prepared` replaces raw values (already reshaped)."""
    if not isinstance(raw, LineMap):
        problems.append(error(line, N_('this item must be a mapping of "key: value" lines')))
        return None
    known = model.keys()
    for key in raw:
        if key not in known:
            problems.append(error(raw.line_of(key), N_('unknown key "{key}"'), *_known_keys_hint(key, known), key=key))
    data: dict[str, object] = {key: value for key, value in raw.items() if key in known}
    data.update(prepared or {})
    data.update(at_line=raw.line, key_lines=dict(raw.key_lines))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(_problem(detail, raw) for detail in exc.errors())
        return None


def _known_keys_hint(key: str, known: list[str]) -> tuple[Message, ...]:
    return did_you_mean(key, known) or (message(N_("; the keys here are: {keys}"), keys=", ".join(known)),)


def _problem(detail: ErrorDetails, raw: LineMap) -> Problem:
    loc = detail["loc"]
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    cause = (detail.get("ctx") or {}).get("error")
    if isinstance(cause, PlanValueError):
        found = Message(cause.message.msgid, {"field": field, **cause.message.params})
    elif detail["type"] in _TYPE_MESSAGES:
        found = Message(_TYPE_MESSAGES[detail["type"]], {"field": field, **(detail.get("ctx") or {})})
    else:
        found = message(N_('field "{field}" is not valid: {detail}'), field=field, detail=detail["msg"])
    return Problem(line_at(raw, loc), (found,))


def line_at(raw: object, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest part of `raw` that `loc` reaches."""
    line = getattr(raw, "line", 0)
    for part in loc:
        if isinstance(raw, LineMap) and isinstance(part, str) and part in raw:
            line, raw = raw.line_of(part), raw[part]
        elif isinstance(raw, LineList) and isinstance(part, int) and part < len(raw):
            line, raw = raw.lines[part], raw[part]
        else:
            break
    return line
