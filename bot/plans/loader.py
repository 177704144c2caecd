"""YAML to plain data that remembers line numbers, with every scalar kept as written.

YAML 1.1 turns `NO` into false, `2020-05-15` into a date and `17:00` into 1020; the schema, not the YAML
resolver, decides what a value means, so scalars stay strings (and empty / `~` / `null` become None).
"""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.i18n import N_
from bot.plans.problems import Message, Problem, error, message

NULL_TAG = "tag:yaml.org,2002:null"
# libyaml parses a national plan (60,000 units) in seconds where pure Python takes tens of seconds.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def parse_yaml(text: str) -> tuple[object, list[Problem]]:
    """The document as LineMap / LineList / str / None, and the problems met on the way."""
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError as fast_error:
        return None, [_syntax_problem(_explained_error(text, fast_error))]
    problems: list[Problem] = []
    return (_convert(node, problems, set()) if node is not None else None), problems


def _explained_error(text: str, fast_error: yaml.YAMLError) -> yaml.YAMLError:
    """The pure-Python parser's account of a syntax error: its wording is the one `_EXPLANATIONS` knows."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return exc
    return fast_error


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _convert(node: Node, problems: list[Problem], open_nodes: set[int]) -> object:
    if isinstance(node, ScalarNode):
        return None if node.tag == NULL_TAG else str(node.value)
    if id(node) in open_nodes:  # an alias pointing at its own ancestor
        problems.append(error(_line(node), N_("a YAML alias refers to itself")))
        return None
    open_nodes.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            return _convert_sequence(node, problems, open_nodes)
        if isinstance(node, MappingNode):
            return _convert_mapping(node, problems, open_nodes)
        return None
    finally:
        open_nodes.discard(id(node))


def _convert_sequence(node: SequenceNode, problems: list[Problem], open_nodes: set[int]) -> LineList:
    result = LineList(_line(node))
    for item in node.value:
        result.lines.append(_line(item))
        result.append(_convert(item, problems, open_nodes))
    return result


def _convert_mapping(node: MappingNode, problems: list[Problem], open_nodes: set[int]) -> LineMap:
    result = LineMap(_line(node))
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            problems.append(error(_line(key_node), N_("a key must be a plain word, not a list or mapping")))
            continue
        key = str(key_node.value)
        if key in result.key_lines:
            problems.append(
                error(_line(key_node), N_('key "{key}" is written twice (first at line {first_line})'),
                      key=key, first_line=result.key_lines[key])
            )
            continue
        result.key_lines[key] = _line(key_node)
        result[key] = _convert(value_node, problems, open_nodes)
    return result


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
    ("found undefined alias", N_('an alias "*name" refers to no anchor "&name"')),
    ("expected a single document", N_('the file holds more than one document: remove the "---" lines')),
)


def _explain(exc: yaml.MarkedYAMLError) -> Message:
    said = f"{exc.context or ''} {exc.problem or ''}"
    for needle, msgid in _EXPLANATIONS:
        if needle in said:
            return message(msgid)
    return message(N_('YAML says "{problem}"'), problem=(exc.problem or exc.context or "").strip())


def _syntax_problem(exc: yaml.YAMLError) -> Problem:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return error(None, N_("YAML syntax error: {explanation}"), explanation=str(exc))
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else 0
    return error(line, N_("YAML syntax error at column {column}: {explanation}"), column=column,
                 explanation=_explain(exc))
