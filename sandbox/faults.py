"""Fault injection (429, 5xx, custom errors, slow answers) and Telegram's flood limits."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError, too_many_requests

KINDS = ("429", "500", "502", "error", "hang")
GLOBAL_LIMIT = (30, 1.0)  # sends per window (s) over all chats
GROUP_LIMIT = (20, 60.0)  # sends per window (s) into one group chat


@dataclass
class FaultRule:
    """One injected fault: which calls it hits, how often, and what it answers."""

    id: int
    kind: str
    methods: frozenset[str] | None = None  # lower-case; None = all but getUpdates
    probability: float | None = None  # None = every matching call
    remaining: int | None = None  # None = unlimited
    retry_after: int = 3
    delay: float = 0.0  # "hang": seconds before answering
    after_processing: bool = False  # "hang": do the work, then stall the answer
    status: int = 400  # "error"
    description: str = "Bad Request: injected error"  # "error"
    chat_id: int | None = None
    seed: int | None = None
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_spec(cls, rule_id: int, spec: dict[str, Any]) -> FaultRule:
        kind = str(spec.get("kind", "429"))
        if kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}")
        methods = spec.get("methods", spec.get("method"))
        if isinstance(methods, str):
            methods = [methods]
        probability = spec.get("probability")
        if probability is not None and not 0 <= float(probability) <= 1:
            raise ValueError("probability must be between 0 and 1")
        rule = cls(
            id=rule_id,
            kind=kind,
            methods=frozenset(m.lower() for m in methods) if methods else None,
            probability=None if probability is None else float(probability),
            remaining=None if spec.get("count") is None else int(spec["count"]),
            retry_after=int(spec.get("retry_after", 3)),
            delay=float(spec.get("delay", 0.0)),
            after_processing=bool(spec.get("after_processing", False)),
            status=int(spec.get("status", 400)),
            description=str(spec.get("description", "Bad Request: injected error")),
            chat_id=None if spec.get("chat_id") is None else int(spec["chat_id"]),
            seed=spec.get("seed"),
        )
        rule.rng = random.Random(rule.seed)
        return rule

    def applies(self, method: str, chat_id: Any) -> bool:
        if self.remaining == 0:
            return False
        if self.methods is None:
            if method == "getupdates":
                return False
        elif method not in self.methods:
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    def error(self) -> ApiError | None:
        """The error this rule answers with (``None`` for a slow but normal answer)."""
        if self.kind == "429":
            return too_many_requests(self.retry_after)
        if self.kind == "500":
            return ApiError(500, "Internal Server Error")
        if self.kind == "502":
            return ApiError(502, "Bad Gateway")
        if self.kind == "error":
            return ApiError(self.status, self.description)
        return None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind,
            "methods": sorted(self.methods) if self.methods else None,
            "probability": self.probability, "remaining": self.remaining,
            "retry_after": self.retry_after, "delay": self.delay,
            "after_processing": self.after_processing, "status": self.status,
            "description": self.description, "chat_id": self.chat_id, "hits": self.hits,
        }


class Faults:
    """The active rules, checked in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = FaultRule.from_spec(self._next_id, spec)
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) < before

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str, chat_id: Any) -> FaultRule | None:
        """The first rule that fires for this call (consuming one of its ``count``)."""
        for rule in self.rules:
            if not rule.applies(method, chat_id):
                continue
            if rule.probability is not None and rule.rng.random() >= rule.probability:
                continue
            rule.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
            return rule
        return None


class FloodControl:
    """Sliding windows of accepted sends; answers ``retry_after`` seconds when over a limit."""

    def __init__(self) -> None:
        self.all_sends: deque[float] = deque()
        self.group_sends: dict[int, deque[float]] = {}

    def clear(self) -> None:
        self.all_sends.clear()
        self.group_sends.clear()

    def retry_after(self, chat_id: Any) -> int | None:
        now = time.monotonic()
        waits = [_wait(self.all_sends, *GLOBAL_LIMIT, now)]
        group = self._group(chat_id)
        if group is not None:
            waits.append(_wait(group, *GROUP_LIMIT, now))
        longest = max(waits)
        return math.ceil(longest) if longest > 0 else None

    def record(self, chat_id: Any) -> None:
        now = time.monotonic()
        self.all_sends.append(now)
        group = self._group(chat_id)
        if group is not None:
            group.append(now)

    def _group(self, chat_id: Any) -> deque[float] | None:
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return None
        return self.group_sends.setdefault(chat, deque()) if chat < 0 else None


def _wait(stamps: deque[float], limit: int, window: float, now: float) -> float:
    while stamps and stamps[0] <= now - window:
        stamps.popleft()
    if len(stamps) < limit:
        return 0.0
    return stamps[len(stamps) - limit] + window - now
