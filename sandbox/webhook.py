"""Webhook delivery: after setWebhook, pending updates are POSTed to the bot instead of waiting for getUpdates.

Like Telegram: each update is one HTTPS(here: loopback HTTP) POST of its JSON, with the secret in the
`X-Telegram-Bot-Api-Secret-Token` header; any 2xx answer removes it, anything else (or no answer) keeps it
and retries it later with backoff, recording `last_error_*` for getWebhookInfo. Up to `max_connections`
updates are in flight at once, but never two of one chat, so one person's messages arrive in order.

The emulator only ever sends to loopback addresses (setWebhook refuses the others).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from sandbox.errors import bad_request

LOGGER = logging.getLogger("sandbox.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds before the next try of a refused update
POST_TIMEOUT = 10.0  # Telegram waits a while for the answer, then counts the update as failed


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0
    failed: int = 0
    in_flight: set[int] = field(default_factory=set)  # update ids
    busy_chats: set[Any] = field(default_factory=set)
    retry_at: dict[int, tuple[float, int]] = field(default_factory=dict)  # update id -> (monotonic, tries)

    def info(self, pending: int) -> dict[str, Any]:
        info: dict[str, Any] = {"url": self.url, "has_custom_certificate": False,
                                "pending_update_count": pending, "max_connections": self.max_connections}
        if self.last_error_date is not None:
            info.update(last_error_date=self.last_error_date, last_error_message=self.last_error_message)
        return info


def check_url(url: str) -> str:
    """Telegram's answers for a bad URL; and loopback only: the sandbox never reaches out."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise bad_request("bad webhook: the emulator delivers to 127.0.0.1 or localhost only")
    return url


def chat_of(update: dict[str, Any]) -> Any:
    """The chat an update belongs to (its ordering key)."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        message = payload.get("message") if kind == "callback_query" else payload
        chat = (message or {}).get("chat") or {}
        if "id" in chat:
            return chat["id"]
        return (payload.get("from") or {}).get("id")
    return None


class WebhookPusher:
    """Runs beside the HTTP server for as long as the emulator does."""

    def __init__(self, state: Any) -> None:  # EmulatorState (not imported: it imports this module's Webhook)
        self.state = state
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._posts: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=POST_TIMEOUT))
        self._task = asyncio.create_task(self._run(), name="sandbox:webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        for task in list(self._posts):
            task.cancel()
        await asyncio.gather(*([self._task] if self._task else []), *self._posts, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def _ready(self) -> list[dict[str, Any]]:
        hook: Webhook | None = self.state.webhook
        if hook is None:
            return []
        now = time.monotonic()
        ready, chats = [], set(hook.busy_chats)
        room = hook.max_connections - len(hook.in_flight)
        for update in self.state.updates:
            if len(ready) >= room:
                break
            chat, update_id = chat_of(update), update["update_id"]
            if update_id in hook.in_flight or chat in chats:
                continue
            chats.add(chat)  # later updates of this chat wait for this one, even when it must wait itself
            if hook.retry_at.get(update_id, (0.0, 0))[0] <= now:
                ready.append(update)
        return ready

    async def _run(self) -> None:
        while not self.state.closing:
            ready = await self.state.updates_signal.wait_until(self._ready, 0.2)
            hook = self.state.webhook
            for update in ready:
                hook.in_flight.add(update["update_id"])
                hook.busy_chats.add(chat_of(update))
                task = asyncio.create_task(self._post(hook, update))
                self._posts.add(task)
                task.add_done_callback(self._posts.discard)
            if not ready:
                await asyncio.sleep(0.05)  # nothing startable now (a retry not yet due): look again shortly

    async def _post(self, hook: Webhook, update: dict[str, Any]) -> None:
        assert self._session is not None
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        update_id = update["update_id"]
        error: str | None = None
        try:
            async with self._session.post(hook.url, json=update, headers=headers) as response:
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__}"
        finally:
            hook.in_flight.discard(update_id)
            hook.busy_chats.discard(chat_of(update))
        if error is None:
            hook.delivered += 1
            hook.retry_at.pop(update_id, None)
            self.state.updates = [u for u in self.state.updates if u["update_id"] != update_id]
            self.state.counters["webhook.delivered"] += 1
        else:
            tries = hook.retry_at.get(update_id, (0.0, 0))[1] + 1
            delay = RETRY_DELAYS[min(tries, len(RETRY_DELAYS)) - 1]
            hook.retry_at[update_id] = (time.monotonic() + delay, tries)
            hook.failed += 1
            hook.last_error_date, hook.last_error_message = int(time.time()), error
            self.state.counters["webhook.failed"] += 1
            LOGGER.info("webhook update %s not taken (%s); retry in %.1f s", update_id, error, delay)
        self.state.updates_signal.fire()
        self.state.touch()
