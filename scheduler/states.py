"""The words stored in the status, kind and reason columns of the reminder tables."""

from __future__ import annotations

import enum

from bot.i18n import N_
from bot.outbox import DeliveryStatus, MessageKind

__all__ = ["DeliveryStatus", "DigestKind", "FailureReason", "MessageKind", "ReminderStatus", "kind_label"]


class ReminderStatus(str, enum.Enum):
    pending = "pending"  # planned, not yet due (or due and waiting for the next sweep)
    queued = "queued"  # folded into a digest; its deliveries are under way
    sent = "sent"  # at least one recipient got it
    superseded = "superseded"  # a newer step of the same assignment went out instead
    cancelled = "cancelled"  # confirmed, removed from the plan, or replaced by an edit
    failed = "failed"  # nobody could be reached (see the digest's deliveries)


class DigestKind(str, enum.Enum):
    reminder = "reminder"  # to a unit's secretaries
    escalation = "escalation"  # to the parent unit's supervisors
    blocked = "blocked"  # a member blocked the bot: told to the supervisors


class FailureReason(str, enum.Enum):
    blocked = "blocked"
    chat_not_found = "chat_not_found"
    bad_request = "bad_request"
    no_recipient = "no_recipient"
    retries_exhausted = "retries_exhausted"
    inactive = "inactive"
    not_rendered = "not_rendered"  # no renderer for its kind, or the renderer failed: a bug, not the network

    @property
    def label(self) -> str:
        """English message id; translate with the reader's translator."""
        return _REASON_LABELS[self]


_REASON_LABELS = {
    FailureReason.blocked: N_("the recipient blocked the bot"),
    FailureReason.chat_not_found: N_("chat not found"),
    FailureReason.bad_request: N_("Telegram refused the message"),
    FailureReason.no_recipient: N_("nobody to send to"),
    FailureReason.retries_exhausted: N_("still failing after several retries"),
    FailureReason.inactive: N_("the recipient is no longer active"),
    FailureReason.not_rendered: N_("the message could not be written (see the bot's log)"),
}

# What /loi calls a failed message that is not a reminder (English message ids; reminders need no word).
_KIND_LABELS = {
    MessageKind.weekly.value: N_("weekly digest"),
    MessageKind.urge.value: N_("urge"),
    DigestKind.blocked.value: N_("notice"),
}


def kind_label(kind: str) -> str | None:
    """The English message id naming a kind of message in /loi, None for a reminder or an escalation."""
    if kind in (DigestKind.reminder.value, DigestKind.escalation.value):
        return None
    return _KIND_LABELS.get(kind, N_("notice"))
