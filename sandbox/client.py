"""``EmulatorClient``: the async Python face of the control API, for tests and the terminal."""

from __future__ import annotations

import asyncio
import base64
import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any

import httpx

Message = dict[str, Any]

# Seconds a wait_for* gives up after: a bot answers at once, so only a broken one (a failing test) waits this
# long, however busy the machine.
WAIT = 60.0


@dataclass(frozen=True)
class TgUser:
    """A Telegram user to act as; ``language_code`` defaults to Vietnamese."""

    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"

    def json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


UserLike = TgUser | int | dict[str, Any]
ChatLike = int | dict[str, Any] | None


def group(title: str, chat_id: int | None = None, kind: str = "group") -> dict[str, Any]:
    """A chat spec for a group (``kind="supergroup"`` for a supergroup)."""
    spec: dict[str, Any] = {"type": kind, "title": title}
    if chat_id is not None:
        spec["id"] = chat_id
    return spec


def _user(user: UserLike) -> dict[str, Any]:
    if isinstance(user, TgUser):
        return user.json()
    if isinstance(user, int):
        return {"id": user}
    return dict(user)


class EmulatorError(AssertionError):
    """The control API refused an action (no such button, message, chat...)."""


class EmulatorClient:
    """Drives the emulator at ``base_url`` (e.g. ``http://127.0.0.1:8081``)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        # trust_env=False: never route sandbox traffic through a proxy from the environment.
        self._http = httpx.AsyncClient(base_url=f"{self.base_url}/_emulator", timeout=timeout,
                                       trust_env=False)
        self._cursors: dict[int, int] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def _call(self, verb: str, path: str, *, body: Any = None,
                    params: dict[str, Any] | None = None, wait: float = 0.0) -> Any:
        response = await self._http.request(
            verb, path, json=body, timeout=wait + 10.0 if wait else httpx.USE_CLIENT_DEFAULT,
            params={k: v for k, v in (params or {}).items() if v is not None},
        )
        if response.headers.get("content-type", "").startswith("application/json"):
            payload = response.json()
            if not payload.get("ok"):
                raise EmulatorError(f"{verb} {path}: {payload.get('error')}")
            return payload["result"]
        response.raise_for_status()
        return response.content

    # -- setup -------------------------------------------------------------------------

    async def reset(self) -> None:
        """Forget users, chats, messages, updates, faults and config (ids stay monotonic)."""
        self._cursors.clear()
        await self._call("POST", "/reset")

    async def configure(self, **options: Any) -> dict[str, Any]:
        """Set ``privacy_mode``, ``rate_limit``, ``callback_answer_timeout``, ``time_offset``."""
        return await self._call("POST", "/config", body=options)

    async def set_rate_limit(self, enabled: bool = True) -> None:
        await self.configure(rate_limit=enabled)

    async def add_user(self, user: UserLike) -> dict[str, Any]:
        return await self._call("POST", "/users", body=_user(user))

    async def open_private_chat(self, user: UserLike) -> dict[str, Any]:
        """The user's private chat with the bot, as if they had started it earlier."""
        return await self._call("POST", "/chats", body={"type": "private", "user": _user(user)})

    async def create_group(self, title: str, chat_id: int | None = None,
                           kind: str = "group") -> dict[str, Any]:
        return await self._call("POST", "/chats", body=group(title, chat_id, kind))

    async def chats(self) -> list[dict[str, Any]]:
        """Known chats (Chat objects plus ``migrated_to``, ``bot_removed``, ``message_count``)."""
        return await self._call("GET", "/chats")

    async def state(self) -> dict[str, Any]:
        return await self._call("GET", "/state")

    # -- acting as users ---------------------------------------------------------------

    async def send_text(self, user: UserLike, text: str, *, chat: ChatLike = None,
                        reply_to: int | None = None) -> Message:
        """The user writes ``text`` (private chat by default); returns the user's message."""
        body = {"user": _user(user), "text": text, "chat": chat, "reply_to": reply_to}
        return (await self._call("POST", "/messages", body=body))["message"]

    async def send_command(self, user: UserLike, command: str, *args: str,
                           chat: ChatLike = None) -> Message:
        """``send_command(u, "start")`` sends ``/start``; extra args are space-joined."""
        text = " ".join(["/" + command.lstrip("/"), *args])
        return await self.send_text(user, text, chat=chat)

    async def edit_text(self, user: UserLike, chat_id: int, message_id: int,
                        text: str) -> Message:
        body = {"user": _user(user), "chat_id": chat_id, "message_id": message_id, "text": text}
        return (await self._call("POST", "/edits", body=body))["message"]

    async def upload_document(self, user: UserLike, content: bytes, file_name: str, *,
                              caption: str | None = None, mime_type: str | None = None,
                              chat: ChatLike = None) -> Message:
        return await self._upload(user, "document", content, file_name, caption, mime_type, chat)

    async def upload_photo(self, user: UserLike, content: bytes, *, caption: str | None = None,
                           chat: ChatLike = None) -> Message:
        return await self._upload(user, "photo", content, None, caption, None, chat)

    async def _upload(self, user: UserLike, kind: str, content: bytes, file_name: str | None,
                      caption: str | None, mime_type: str | None, chat: ChatLike) -> Message:
        body = {
            "user": _user(user), "kind": kind, "file_name": file_name, "caption": caption,
            "mime_type": mime_type, "chat": chat,
            "content_b64": base64.b64encode(content).decode(),
        }
        return (await self._call("POST", "/uploads", body=body))["message"]

    async def press_button(self, user: UserLike, chat_id: int, message_id: int, *,
                           data: str | None = None, text: str | None = None,
                           index: int | None = None) -> str:
        """Press an inline button (by callback data, visible text or 1-based index).

        Returns the callback query id; read the bot's answer with ``wait_for_callback_answer``.
        """
        body = {"user": _user(user), "chat_id": chat_id, "message_id": message_id,
                "data": data, "text": text, "index": index}
        return (await self._call("POST", "/press", body=body))["callback_query_id"]

    async def press(self, user: UserLike, message: Message, *, data: str | None = None,
                    text: str | None = None, index: int | None = None) -> str:
        """``press_button`` on a message as returned by ``wait_for_bot_messages``."""
        return await self.press_button(user, message["chat_id"], message["message_id"],
                                       data=data, text=text, index=index)

    async def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them fail with 403."""
        await self._call("POST", "/block", body={"user_id": user_id, "blocked": True})

    async def unblock(self, user_id: int) -> None:
        await self._call("POST", "/block", body={"user_id": user_id, "blocked": False})

    async def migrate(self, chat_id: int, by: UserLike | None = None) -> int:
        """Upgrade a group to a supergroup; returns the new ``-100...`` chat id."""
        body = {"chat_id": chat_id, "user": _user(by) if by is not None else None}
        return (await self._call("POST", "/migrate", body=body))["new_chat_id"]

    async def remove_bot(self, chat_id: int) -> None:
        await self._call("POST", "/remove_bot", body={"chat_id": chat_id})

    # -- reading what the bot did ------------------------------------------------------

    async def messages(self, chat_id: int, *, sender: str = "all",
                       include_deleted: bool = True) -> list[Message]:
        """Messages of a chat with edits applied; ``sender`` is ``all``, ``bot`` or ``user``."""
        params = {"sender": sender, "include_deleted": int(include_deleted)}
        return await self._call("GET", f"/chats/{chat_id}/messages", params=params)

    async def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[Message]:
        return await self.messages(chat_id, sender="bot", include_deleted=include_deleted)

    async def message(self, chat_id: int, message_id: int) -> Message:
        return await self._call("GET", f"/chats/{chat_id}/messages/{message_id}")

    async def last_bot_message(self, chat_id: int) -> Message | None:
        found = await self.bot_messages(chat_id)
        return found[-1] if found else None

    async def wait_for_bot_messages(self, chat_id: int, count: int = 1,
                                    timeout: float = WAIT) -> list[Message]:
        """The next ``count`` bot messages in the chat not yet returned by this client.

        Each bot message is handed out once, so a reply that came before the call is not
        missed. Raises ``AssertionError`` (with the bot's recent API errors) on timeout.
        """
        after_seq = self._cursors.get(chat_id, 0)
        params = {"chat_id": chat_id, "after_seq": after_seq, "count": count, "timeout": timeout}
        found = await self._call("GET", "/wait/bot_messages", params=params, wait=timeout)
        if len(found) < count:
            texts = [m["text"] or m["caption"] for m in found]
            raise AssertionError(
                f"expected {count} new bot message(s) in chat {chat_id} within {timeout}s, "
                f"got {len(found)}: {texts}{await self._recent_errors()}"
            )
        taken = found[:count]
        self._cursors[chat_id] = taken[-1]["created_seq"]
        return taken

    async def consume_bot_messages(self, chat_id: int) -> list[Message]:
        """All bot messages not yet handed out, without waiting."""
        found = await self._call("GET", "/wait/bot_messages", params={
            "chat_id": chat_id, "after_seq": self._cursors.get(chat_id, 0), "count": 1,
            "timeout": 0,
        })
        if found:
            self._cursors[chat_id] = found[-1]["created_seq"]
        return found

    async def changes(self, after: int = 0, timeout: float = 0.0) -> int:
        """The state version, once it is greater than ``after`` (or at the timeout)."""
        result = await self._call("GET", "/changes", params={"after": after, "timeout": timeout},
                                  wait=timeout)
        return int(result["version"])

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = WAIT,
                       message: str | None = None) -> Any:
        """Re-check ``predicate`` (sync or async) after each change until it is truthy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            version = await self.changes()
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    (message or f"condition not met within {timeout}s")
                    + await self._recent_errors()
                )
            await self.changes(after=version, timeout=remaining)

    async def wait_for_message(self, chat_id: int, predicate: Callable[[Message], Any],
                               timeout: float = WAIT) -> Message:
        """The first message of the chat (current content) for which ``predicate`` holds."""

        async def first() -> Message | None:
            return next((m for m in await self.messages(chat_id) if predicate(m)), None)

        return await self.wait_for(first, timeout, f"no matching message in chat {chat_id}")

    async def wait_for_edit(self, chat_id: int, message_id: int, timeout: float = WAIT,
                            edits: int = 1) -> Message:
        """The message once the bot has edited it ``edits`` times (or deleted it)."""

        async def edited() -> Message | None:
            current = await self.message(chat_id, message_id)
            return current if current["edit_count"] >= edits or current["deleted"] else None

        return await self.wait_for(edited, timeout, f"message {message_id} in chat {chat_id} "
                                   f"was not edited within {timeout}s")

    async def callback_answer(self, callback_id: str) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery (text, show_alert, url, cache_time), or ``None``."""
        return (await self._call("GET", f"/callbacks/{callback_id}"))["answer"]

    async def wait_for_callback_answer(self, callback_id: str,
                                       timeout: float = WAIT) -> dict[str, Any]:
        return await self.wait_for(lambda: self.callback_answer(callback_id), timeout,
                                   f"callback query {callback_id} was not answered")

    async def commands(self) -> list[dict[str, Any]]:
        """Every setMyCommands list: ``[{scope, language_code, commands}]``."""
        return await self._call("GET", "/commands")

    async def command_list(self, scope: dict[str, Any] | None = None,
                           language_code: str | None = None) -> list[dict[str, str]]:
        """The commands stored for one scope (default scope) and language."""
        wanted = scope or {"type": "default"}
        for entry in await self.commands():
            if entry["scope"] == wanted and entry["language_code"] == language_code:
                return entry["commands"]
        return []

    async def calls(self, method: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """The Bot API call log: seq, time, method, params, status, ok, description, fault."""
        return await self._call("GET", "/calls", params={"method": method, "after": after})

    async def chat_actions(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return await self._call("GET", "/chat_actions", params={"chat_id": chat_id})

    async def pending_updates(self) -> list[dict[str, Any]]:
        return await self._call("GET", "/updates")

    async def webhook(self) -> dict[str, Any] | None:
        """The webhook the bot set (getWebhookInfo, plus `delivered` and `failed` counts), or None."""
        return await self._call("GET", "/webhook")

    async def stats(self) -> dict[str, Any]:
        """Counters: calls per method, faults per kind, 429s given, rate-limit refusals."""
        return await self._call("GET", "/stats")

    async def bot_file(self, file_id: str) -> bytes:
        """The bytes of a file the bot (or a user) sent."""
        response = await self._http.get(f"/files/{file_id}")
        if response.status_code != 200:
            raise EmulatorError(f"GET /files/{file_id}: {response.json().get('error')}")
        return response.content

    async def _recent_errors(self) -> str:
        failed = [c for c in await self.calls()
                  if not c["ok"] and c["method"].lower() != "getupdates"]
        if not failed:
            return ""
        lines = [f"{c['method']} -> {c['status']} {c['description']}" for c in failed[-5:]]
        return "\nrecent failed Bot API calls:\n  " + "\n  ".join(lines)

    # -- faults ------------------------------------------------------------------------

    async def add_fault(self, kind: str = "429", *, methods: str | list[str] | None = None,
                        count: int | None = None, probability: float | None = None,
                        seed: int | None = None, retry_after: int = 3, delay: float = 0.0,
                        after_processing: bool = False, status: int = 400,
                        description: str = "Bad Request: injected error",
                        chat_id: int | None = None) -> dict[str, Any]:
        """Inject faults: ``kind`` is ``429``, ``500``, ``502``, ``error`` or ``hang``.

        ``methods`` None means every method except getUpdates. ``count`` limits it to the
        next N matching calls, ``probability`` (with ``seed``) to a random fraction.
        """
        body = {
            "kind": kind, "methods": [methods] if isinstance(methods, str) else methods,
            "count": count, "probability": probability, "seed": seed,
            "retry_after": retry_after, "delay": delay, "after_processing": after_processing,
            "status": status, "description": description, "chat_id": chat_id,
        }
        return await self._call("POST", "/faults", body=body)

    async def faults(self) -> list[dict[str, Any]]:
        return await self._call("GET", "/faults")

    async def remove_fault(self, rule_id: int) -> None:
        await self._call("DELETE", f"/faults/{rule_id}")

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/faults")
