"""YAML to plain data that remembers line numbers, with every scalar kept as written.

YAML 1.1 turns `NO` into false, `2020-05-15` into a date and `17:00` into 1020; the schema, not the YAML
resolver, decides what a value means, so scalars stay strings (and empty / `~` / `null` become None).

The data is built from the parser's events, without recursion, so a hostile file is refused before anything
is expanded: anchors and aliases (a 340-byte file of nested aliases expands to gigabytes), nesting deeper than
`MAX_YAML_DEPTH`, and texts over `MAX_PLAN_BYTES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode
from yaml.reader import ReaderError
from yaml.resolver import Resolver

from bot.i18n import N_
from bot.plans.limits import MAX_PLAN_BYTES, MAX_YAML_DEPTH
from bot.plans.problems import Message, Problem, error, message

NULL_TAG = "tag:yaml.org,2002:null"
# libyaml parses a national plan (60,000 units) in seconds where pure Python takes tens of seconds.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


class LineMap(dict[str, object]):
    """A YAML mapping: `line` is where it starts, `key_lines` where each key is written."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[object]):
    """A YAML sequence: `line` is where it starts, `lines[i]` where item i starts."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


def too_large_problem() -> Problem:
    return error(None, N_("the file is larger than {max_size} MB, too large for a plan file"),
                 max_size=MAX_PLAN_BYTES // (1024 * 1024))


def parse_yaml(text: str) -> tuple[object, list[Problem]]:
    """The document as LineMap / LineList / str / None, and the problems met on the way."""
    if len(text) > MAX_PLAN_BYTES or len(text.encode("utf-8", "replace")) > MAX_PLAN_BYTES:
        return None, [too_large_problem()]
    builder = _Builder()
    try:
        return builder.build(yaml.parse(text, Loader=_FAST_LOADER)), builder.problems
    except _Refused as refused:
        return None, [refused.problem]
    except UnicodeEncodeError:  # a lone surrogate: the text was not decoded from UTF-8
        return None, [error(None, N_("the file is not UTF-8 text"))]
    except yaml.YAMLError as fast_error:
        if isinstance(fast_error, yaml.MarkedYAMLError) and fast_error.problem == _LIBYAML_TOO_DEEP:
            # libyaml reads ahead within [ ] and { }, and stops at 1000 levels before _Builder sees the events.
            return None, [_too_deep_problem(fast_error.problem_mark.line + 1 if fast_error.problem_mark else None)]
        return None, [_syntax_problem(_explained_error(text, fast_error), text)]


def _explained_error(text: str, fast_error: yaml.YAMLError) -> yaml.YAMLError:
    """The pure-Python parser's account of a syntax error: its wording is the one `_EXPLANATIONS` knows."""
    if isinstance(fast_error, ComposerError):  # raised by _Builder, in PyYAML's words already
        return fast_error
    try:
        for _event in yaml.parse(text, Loader=yaml.SafeLoader):  # events only: no recursion, nothing expanded
            pass
    except yaml.YAMLError as exc:
        return exc
    return fast_error


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass
class _Open:
    """A sequence or mapping being built; a mapping alternates between waiting for a key and for its value."""

    value: LineMap | LineList
    key: str | None = None  # the key whose value comes next; None when that value is dropped
    wants_key: bool = True


class _Builder:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.stack: list[_Open] = []
        self.root: object = None

    def build(self, events: Iterable[Event]) -> object:
        document: DocumentStartEvent | None = None
        for event in events:
            if isinstance(event, DocumentStartEvent):
                if document is not None:  # what yaml.compose says of a second document
                    # libyaml's marks (CSafeLoader) serve as well: the error reads their name, line and column only
                    raise ComposerError("expected a single document in the stream",
                                        document.start_mark,  # type: ignore[arg-type]  # libyaml's Mark
                                        "but found another document",
                                        event.start_mark)  # type: ignore[arg-type]  # libyaml's Mark
                document = event
            elif isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor is not None):
                raise _Refused(error(_line(event), N_(
                    'anchors and aliases ("&name", "*name") are not allowed in a plan file: write each value out')))
            elif isinstance(event, ScalarEvent):
                if "\x00" in event.value:  # "\0" in quotes: PostgreSQL cannot store it in a text
                    self.problems.append(error(_line(event), N_(
                        "character {character} is not allowed in a plan file: delete it"), character="U+0000"))
                self._place(None if _is_null(event) else event.value, _line(event), key=event.value)
            elif isinstance(event, (SequenceStartEvent, MappingStartEvent)):
                if len(self.stack) >= MAX_YAML_DEPTH:
                    raise _Refused(_too_deep_problem(_line(event)))
                line = _line(event)
                self.stack.append(_Open(LineList(line) if isinstance(event, SequenceStartEvent) else LineMap(line)))
            elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                done = self.stack.pop().value
                self._place(done, done.line, key=None)
        return self.root

    def _place(self, value: object, line: int, *, key: str | None) -> None:
        """Puts a finished value where it belongs; `key` is the text of a scalar, should it be a mapping's key."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.value, LineList):
            top.value.lines.append(line)
            top.value.append(value)
        elif top.wants_key:
            top.wants_key = False
            top.key = self._key(top.value, key, line)
        else:
            top.wants_key = True
            if top.key is not None:
                top.value[top.key] = value

    def _key(self, mapping: LineMap, key: str | None, line: int) -> str | None:
        if key is None:
            self.problems.append(error(line, N_("a key must be a plain word, not a list or mapping")))
            return None
        if key in mapping.key_lines:
            self.problems.append(error(line, N_('key "{key}" is written twice (first at line {first_line})'),
                                       key=key, first_line=mapping.key_lines[key]))
            return None
        mapping.key_lines[key] = line
        return key


def _too_deep_problem(line: int | None) -> Problem:
    return error(line, N_("lists and mappings are nested more than {max_depth} levels deep"), max_depth=MAX_YAML_DEPTH)


def _line(event: Event) -> int:
    assert event.start_mark is not None  # a parser's events carry their place
    return event.start_mark.line + 1


def _is_null(event: ScalarEvent) -> bool:
    tag = event.tag
    if tag is None or tag == "!":  # as yaml.compose resolves an untagged scalar
        tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
    return tag == NULL_TAG


# PyYAML's own words for the usual mistakes, explained for a person editing the file.
_EXPLANATIONS = (
    ("mapping values are not allowed", N_(
        'a colon is not allowed here: put a space after the colon of a key, and quote a value that contains ": "')),
    ("found character '\\t'", N_("a tab cannot indent: use spaces")),
    ("while scanning a quoted scalar", N_("a quoted text is not closed")),
    ("while parsing a flow", N_("a bracket [ ] or { } is not closed properly")),
    ("did not find expected '-' indicator", N_('a list item must start with "- " at the same indentation')),
    ("did not find expected key", N_("the indentation does not match the lines above")),
    ("expected <block end>", N_("the indentation does not match the lines above")),
    ("could not find expected ':'", N_('a key must be followed by ": "')),
    ("while scanning a simple key", N_('a key must be followed by ": "')),
    ("expected a single document", N_('the file holds more than one document: remove the "---" lines')),
)


def _explain(exc: yaml.MarkedYAMLError) -> Message:
    said = f"{exc.context or ''} {exc.problem or ''}"
    for needle, msgid in _EXPLANATIONS:
        if needle in said:
            return message(msgid)
    return message(N_('YAML says "{problem}"'), problem=(exc.problem or exc.context or "").strip())


def _syntax_problem(exc: yaml.YAMLError, text: str) -> Problem:
    if isinstance(exc, ReaderError) and isinstance(exc.character, int):  # a control character, e.g. from Word
        return error(text.count("\n", 0, exc.position) + 1,
                     N_("character {character} is not allowed in a plan file: delete it"),
                     character=f"U+{exc.character:04X}")
    if not isinstance(exc, yaml.MarkedYAMLError):
        return error(None, N_("YAML syntax error: {explanation}"), explanation=str(exc))
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else 0
    return error(line, N_("YAML syntax error at column {column}: {explanation}"), column=column,
                 explanation=_explain(exc))
