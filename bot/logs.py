"""The process's logging: stderr at LOG_LEVEL, the token and the webhook secret masked in every record.

Here, not in the entry points, because each process of the bot sets it up alike: the bot's own and the sweep's
database process (scheduler/store_process.py).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from bot.redaction import Redactor, install as install_redaction, secrets_of
from bot.settings import Settings

log = logging.getLogger(__name__)


def redactor_for(settings: Settings) -> Redactor:
    secret = settings.webhook_secret_token.get_secret_value() if settings.webhook_secret_token else None
    return Redactor(secrets_of(settings.token(), secret))


def configure_logging(settings: Settings) -> Redactor:
    """Logs to stderr at LOG_LEVEL with the token and the webhook secret masked in every record (bot/redaction.py),
    uncaught exceptions included; returns the masking, for what is printed without logging."""
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact = redactor_for(settings)
    install_redaction(redact)
    logging.captureWarnings(True)  # warnings too go through the handlers, so through the filter
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # A line per Bot API request (a long poll every few seconds): noise, unless debugging.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("httpcore").setLevel(logging.WARNING)

    def log_uncaught(kind: type[BaseException], error: BaseException, trace: Any) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        log.critical("uncaught exception", exc_info=(kind, error, trace))  # through the filter: masked

    sys.excepthook = log_uncaught
    return redact
