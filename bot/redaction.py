"""Secrets never reach the logs: a logging filter that masks the bot token and the webhook secret.

python-telegram-bot logs the Bot API URL (it holds the token) and setWebhook's parameters (the secret) at
DEBUG, httpx logs every request URL at INFO, and a token Telegram rejects comes back whole in the exception.
The filter sits on the root logger's handlers, so it sees every record that propagates there (telegram,
httpx, apscheduler, our own) with its message, arguments and traceback already formatted, and masks:

* the token's secret part (after the colon) wherever it stands: whole in a URL (`bot123:ABC/getMe`), with its
  colon percent-encoded (`123%3AABC`), or split from the id; percent-encoded characters are matched too;
* the webhook secret.

The bot's numeric id (before the colon) is public (getMe answers it) and is kept: `bot123:***` tells bots apart.
Every occurrence is masked, however short the secret: Telegram's are 35 characters, a webhook secret is chosen.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"


def _pattern_for(secret: str) -> str:
    """A regex for `secret` as written or percent-encoded, character by character (either hex case)."""
    parts = []
    for char in secret:
        encoded = "".join(f"%{byte:02X}" for byte in char.encode())
        parts.append(f"(?:{re.escape(char)}|(?i:{re.escape(encoded)}))")
    return "".join(parts)


def secrets_of(token: str | None, webhook_secret: str | None = None) -> list[str]:
    """What to mask for this token and webhook secret: the token's secret part (the whole token if it has no
    colon), wherever it stands, and the webhook secret."""
    if token and ":" in token:
        token = token.split(":", 1)[1]
    return [value for value in (token, webhook_secret) if value]


class Redactor:
    """Replaces every occurrence of the secrets in a text with MASK."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first: where one secret contains another, none of the longer one survives.
        unique = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        self.pattern = re.compile("|".join(_pattern_for(secret) for secret in unique)) if unique else None

    def __call__(self, text: str) -> str:
        return self.pattern.sub(MASK, text) if self.pattern is not None else text


class RedactingFilter(logging.Filter):
    """Masks the secrets in a record's message, arguments, traceback and stack before any handler formats it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a bad format string: logging reports it, but with no secret in it)
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format the traceback once here, masked.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(redactor: Redactor, logger: logging.Logger | None = None) -> RedactingFilter:
    """Puts one RedactingFilter on every handler of `logger` (the root logger by default), replacing any
    earlier one (configure_logging may run twice in one process)."""
    target = logger or logging.getLogger()
    installed = RedactingFilter(redactor)
    for handler in target.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(installed)
    return installed
