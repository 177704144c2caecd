"""The words stored in the status, kind and reason columns of the reminder tables."""

from __future__ import annotations

import enum

from bot.i18n import N_


class ReminderStatus(str, enum.Enum):
    pending = "pending"  # planned, not yet due (or due and waiting for the next sweep)
    queued = "queued"  # folded into a digest; its deliveries are under way
    sent = "sent"  # at least one recipient got it
    superseded = "superseded"  # a newer step of the same assignment went out instead
    cancelled = "cancelled"  # confirmed, removed from the plan, or replaced by an edit
    failed = "failed"  # nobody could be reached (see the digest's deliveries)


class DeliveryStatus(str, enum.Enum):
    pending = "pending"
    sending = "sending"  # claimed by a worker (claimed_by, claimed_at)
    sent = "sent"
    failed = "failed"  # permanent; `reason` says why, admins see it
    cancelled = "cancelled"  # every item was confirmed before it went out


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
}
