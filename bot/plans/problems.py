"""What is wrong with a plan file, and where: translatable messages tied to line numbers."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.i18n import N_, Translator


@dataclass(frozen=True)
class Message:
    """An English message id and its parameters (which may be messages too), rendered in one language."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, t: Translator) -> str:
        if not self.params:  # a message without parameters may show braces literally
            return t(self.msgid)
        params = {key: value.render(t) if isinstance(value, Message) else value for key, value in self.params.items()}
        return t(self.msgid).format(**params)


@dataclass(frozen=True)
class Problem:
    line: int | None
    parts: tuple[Message, ...]
    warning: bool = False

    def render(self, filename: str, t: Translator) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        text = "".join(part.render(t) for part in self.parts)
        if self.warning:
            text = t(N_("warning: {text}")).format(text=text)
        return f"{where}: {text}"


def message(msgid: str, /, **params: object) -> Message:
    return Message(msgid, params)


def error(line: int | None, msgid: str, /, *hints: Message, **params: object) -> Problem:
    return Problem(line, (Message(msgid, params), *hints))


def warning(line: int | None, msgid: str, /, **params: object) -> Problem:
    return Problem(line, (Message(msgid, params),), warning=True)


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest known spelling of a mistyped word, if one is close enough."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> tuple[Message, ...]:
    suggestion = nearest(word, candidates)
    if suggestion is None:
        return ()
    return (message(N_(' (did you mean "{suggestion}"?)'), suggestion=suggestion),)


class PlanValueError(ValueError):
    """A field value that cannot be read; raised inside pydantic validators, carried to the report."""

    def __init__(self, msgid: str, /, **params: object) -> None:
        super().__init__(msgid)
        self.message = Message(msgid, params)
