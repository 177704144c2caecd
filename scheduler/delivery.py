"""Sending one rendered message through python-telegram-bot's Bot, and saying what became of it.

No database here: `send_rendered` returns a `SendOutcome` and the outbox records it. The Bot is expected to
carry `scheduler.ratelimit.TelegramRateLimiter`, which spaces the requests; this module decides what an
error means, and alone retries a reminder (it asks the limiter for no retries of its own, which would
multiply the tries and hold a claim through any flood wait):

* 429 RetryAfter: wait `retry_after` (the limiter also pauses every other send) and try again; a wait too
  long to hold a claim for gives the message back to the database for later.
* NetworkError / TimedOut / 5xx: a few quick retries with exponential backoff, then back to the database
  (the outbox retries with longer delays and records a failure once those run out). A timed-out request
  may have been handled by Telegram before its answer was lost: retrying it may then deliver the message
  twice, which is Telegram's trade-off for every bot (there is no idempotency key) and better than losing it.
* 403 Forbidden (blocked, kicked, deactivated): permanent; the member is marked inactive by the outbox.
* ChatMigrated (a group became a supergroup): send again to the new chat id, which the outbox stores.
* 400 BadRequest: permanent ("chat not found" is told apart); retrying would only fail again.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import ExtBot

from scheduler.render import RenderedMessage
from scheduler.states import FailureReason

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
NO_PREVIEW = {"is_disabled": True}  # LinkPreviewOptions
SEND_MESSAGE, EDIT_MESSAGE_TEXT = "sendmessage", "editmessagetext"  # see _send


class Result(str, enum.Enum):
    sent = "sent"
    retry = "retry"  # transient: back to the database, to be tried again later
    failed = "failed"  # permanent


@dataclass(frozen=True)
class Retries:
    """A request's `rate_limit_args` for `TelegramRateLimiter`: how often the limiter itself retries it."""

    flood: int = 0  # 429 answers (each after its retry_after)
    network: int = 0  # network errors, timeouts and 5xx (after a short backoff)
    bulk: bool = False  # sent on the bot's own account: gives way to replies in the overall budget


CALLER_RETRIES = Retries()  # the caller retries: the limiter only spaces the requests
BULK = Retries(bulk=True)  # the outbox's sends: retried by their delivery, and after any reply waiting


@dataclass(frozen=True)
class RetryPolicy:
    network_attempts: int = 4  # quick tries per claim for network errors and 5xx (waits of 1, 2, 4 s)
    backoff: float = 1.0  # seconds before the second try, doubled each time
    flood_attempts: int = 5  # 429s tolerated per claim
    max_flood_wait: float = 30.0  # a longer 429 wait releases the row instead of holding its claim


@dataclass(frozen=True)
class SendOutcome:
    result: Result
    chat_id: int  # where it finally went (differs from the planned chat after a migration)
    message_id: int | None = None
    migrated_from: int | None = None
    reason: FailureReason | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, for Result.retry


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, whether PTB hands an int or (with PTB_TIMEDELTA) a timedelta."""
    with warnings.catch_warnings():  # PTB 22 warns about the coming switch to timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_rendered(
    bot: Bot,
    *,
    chat_id: int,
    message: RenderedMessage,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
) -> SendOutcome:
    """Sends `message` to `chat_id`, retrying what is worth retrying; never raises TelegramError."""
    original_chat = chat_id
    network_errors = floods = 0
    # Only an ExtBot with a rate limiter takes rate_limit_args (tests drive a plain Bot).
    limiter_args = {"rate_limit_args": BULK} if isinstance(bot, ExtBot) and bot.rate_limiter else {}
    while True:
        try:
            if message.edit_message_id is not None:  # replaces what an earlier message said (bot/outbox.py)
                await _edit(bot, chat_id, message, limiter_args)
                return _outcome(Result.sent, chat_id, original_chat, message_id=message.edit_message_id)
            message_id = await _send(bot, chat_id, message, limiter_args)
        except RetryAfter as exc:
            floods += 1
            wait = retry_after_seconds(exc)
            if floods > policy.flood_attempts or wait > policy.max_flood_wait:
                return _outcome(Result.retry, chat_id, original_chat, error=str(exc), retry_after=wait)
            await sleep(wait)
        except ChatMigrated as exc:
            log.info("chat %s migrated to %s", chat_id, exc.new_chat_id)
            if exc.new_chat_id == chat_id:
                return _outcome(Result.failed, chat_id, original_chat, FailureReason.bad_request, str(exc))
            chat_id = exc.new_chat_id
        except Forbidden as exc:
            return _outcome(Result.failed, chat_id, original_chat, FailureReason.blocked, exc.message)
        except BadRequest as exc:
            reason = (
                FailureReason.chat_not_found if "chat not found" in exc.message.lower() else FailureReason.bad_request
            )
            return _outcome(Result.failed, chat_id, original_chat, reason, exc.message)
        except InvalidToken as exc:
            # Every send would fail alike: a configuration error, not this message's fault. Keep it.
            log.error("the Bot API refused the token: %s", exc)
            return _outcome(Result.retry, chat_id, original_chat, error=exc.message)
        except TelegramError as exc:  # NetworkError, TimedOut, 5xx and anything unforeseen
            network_errors += 1
            if network_errors >= policy.network_attempts:
                return _outcome(Result.retry, chat_id, original_chat, error=exc.message)
            await sleep(policy.backoff * 2 ** (network_errors - 1))
        else:
            return _outcome(Result.sent, chat_id, original_chat, message_id=message_id)


async def _send(bot: Bot, chat_id: int, message: RenderedMessage, limiter_args: dict[str, Retries]) -> int:
    """Sends through python-telegram-bot's request layer — its rate limiter, defaults and error mapping
    (RetryAfter, Forbidden, ChatMigrated …) — and reads only the new message's id from the answer.

    `Bot.send_message` would build the keyboard and then the answered `Message` (with its chat, sender,
    entities and keyboard) as TelegramObjects: ~0.8 ms of CPU a message in `bench/bench_delivery.py`, a
    quarter of what delivering one cost, for an id. `do_api_request` returns the answer as it came; it warns
    when asked for a method PTB has its own call for, so the method is spelt in lower case (Bot API method
    names are case-insensitive, on Telegram's servers and on a self-hosted one alike).
    """
    answer = await bot.do_api_request(SEND_MESSAGE, api_kwargs=_params(chat_id, message),
                                      **limiter_args)  # type: ignore[arg-type]
    return int(answer["message_id"])


async def _edit(bot: Bot, chat_id: int, message: RenderedMessage, limiter_args: dict[str, Retries]) -> None:
    """Replaces the text and buttons of an earlier message (no buttons: its keyboard goes)."""
    params = {**_params(chat_id, message), "message_id": message.edit_message_id}
    try:
        await bot.do_api_request(EDIT_MESSAGE_TEXT, api_kwargs=params, **limiter_args)  # type: ignore[arg-type]
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():  # already says this: done
            raise


def _params(chat_id: int, message: RenderedMessage) -> dict[str, object]:
    """The Bot API's parameters for `message`: HTML, no link preview, its buttons as an inline keyboard."""
    params: dict[str, object] = {
        "chat_id": chat_id,
        "text": message.text,
        "parse_mode": ParseMode.HTML.value,
        "link_preview_options": NO_PREVIEW,
    }
    if message.buttons:
        params["reply_markup"] = {
            "inline_keyboard": [
                [{"text": button.text, "callback_data": button.callback_data} for button in row]
                for row in message.buttons
            ]
        }
    return params


def _outcome(
    result: Result,
    chat_id: int,
    original_chat: int,
    reason: FailureReason | None = None,
    error: str | None = None,
    *,
    message_id: int | None = None,
    retry_after: float | None = None,
) -> SendOutcome:
    return SendOutcome(
        result=result,
        chat_id=chat_id,
        message_id=message_id,
        migrated_from=original_chat if chat_id != original_chat else None,
        reason=reason,
        error=error,
        retry_after=retry_after,
    )
