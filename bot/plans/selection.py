"""Resolves the `units:` of a milestone or group (codes, groups, kinds, subtrees) to unit codes in file order."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import N_
from bot.plans.problems import Message, Problem, did_you_mean, error, message
from bot.plans.schema import Selector
from bot.plans.tree import UnitTree


class UnitSelection:
    def __init__(self, tree: UnitTree) -> None:
        self.tree = tree
        self.groups: dict[str, list[str]] = {}
        self.broken_groups: set[str] = set()
        self._memo: dict[str, list[str]] = {}

    def resolve(self, selectors: Iterable[Selector], *, problems: list[Problem], in_group: bool = False) -> list[str]:
        """Unit codes chosen by `selectors`, each once, in the order the file lists the units."""
        chosen: set[str] = set()
        for selector in selectors:
            found = self._one(selector, problems=problems, in_group=in_group)
            if found is not None and not found:
                problems.append(error(selector.at_line, N_('"{selector}" selects no unit'),
                                      selector=selector.describe()))
            chosen.update(found or ())
        return sorted(chosen, key=lambda code: self.tree.by_code[code].sort_order)

    def _one(self, selector: Selector, *, problems: list[Problem], in_group: bool) -> list[str] | None:
        """The units chosen, or None when the selector is wrong (and that was reported)."""
        if selector.group:
            return self._group(selector, problems=problems, in_group=in_group)
        root = selector.unit or selector.children or selector.subtree or selector.under
        if root is not None and root not in self.tree.by_code:
            if root not in self.tree.broken:
                problems.append(error(selector.at_line, N_('no unit has the code "{code}"'),
                                      *self._unit_hint(root), code=root))
            return None
        key = selector.describe()
        if key not in self._memo:
            self._memo[key] = self._pick(selector)
        return self._memo[key]

    def _group(self, selector: Selector, *, problems: list[Problem], in_group: bool) -> list[str] | None:
        code = selector.group
        assert code is not None
        if in_group:
            problems.append(error(selector.at_line, N_("a group cannot include another group")))
        elif code in self.groups:
            return self.groups[code]
        elif code not in self.broken_groups:
            problems.append(error(selector.at_line, N_('no group has the code "{code}"'),
                                  *did_you_mean(code, self.groups), code=code))
        return None

    def _unit_hint(self, code: str) -> tuple[Message, ...]:
        if code in self.groups:
            return (message(N_(' ("{code}" is a group: write "group: {code}")'), code=code),)
        return did_you_mean(code, self.tree.by_code)

    def _pick(self, selector: Selector) -> list[str]:
        if selector.unit:
            return [selector.unit]
        if selector.children:
            candidates = list(self.tree.children.get(selector.children, []))
        elif selector.subtree:
            candidates = [selector.subtree, *self._descendants(selector.subtree)]
        elif selector.under:
            candidates = self._descendants(selector.under)
        else:
            candidates = list(self.tree.by_code)
        return [code for code in candidates if selector.kind is None or self.tree.by_code[code].kind == selector.kind]

    def _descendants(self, code: str) -> list[str]:
        found: list[str] = []
        pending = list(self.tree.children.get(code, []))
        while pending:
            current = pending.pop()
            found.append(current)
            pending.extend(self.tree.children.get(current, []))
        return found
