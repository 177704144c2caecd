"""The rule for a reason someone gives — returning reported work, asking for more time, declining it: words on one
line, at most MAX_REASON characters, so the notice that quotes it whole stays within one message."""

from __future__ import annotations

import enum

MAX_REASON = 1000  # a sentence or a paragraph


class ReasonFault(str, enum.Enum):
    missing = "missing"
    too_long = "too_long"


def clean_reason(text: str) -> str:
    """The reason as kept and quoted: its words, on one line."""
    return " ".join(text.split())


def reason_fault(reason: str) -> ReasonFault | None:
    """What is wrong with `reason` (None: nothing)."""
    text = clean_reason(reason)
    if not text:
        return ReasonFault.missing
    return ReasonFault.too_long if len(text) > MAX_REASON else None
