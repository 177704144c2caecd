"""The control API under ``/_emulator``: act as users, read what the bot did, inject faults.

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.actions import ControlError
from sandbox.core import EMULATOR, Emulator
from sandbox.errors import ApiError
from sandbox.state import StoredMessage

Route = Callable[[Emulator, web.Request, dict[str, Any]], Awaitable[Any]]
PREFIX = "/_emulator"
MAX_WAIT = 120.0


def _reply(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status,
                             dumps=lambda data: json.dumps(data, ensure_ascii=False))


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        emulator = request.app[EMULATOR]
        try:
            body = await request.json() if request.can_read_body else {}
            result = await route(emulator, request, body or {})
        except ControlError as error:
            return _reply({"ok": False, "error": str(error)}, error.status)
        except ApiError as error:
            return _reply({"ok": False, "error": error.description}, error.code)
        except (KeyError, ValueError, TypeError) as error:
            return _reply({"ok": False, "error": f"bad control request: {error!r}"}, 400)
        if isinstance(result, web.StreamResponse):
            return result
        return _reply({"ok": True, "result": result})

    return handler


def _query_int(request: web.Request, name: str, default: int | None = None) -> int | None:
    value = request.query.get(name)
    return default if value in (None, "") else int(value)


def _timeout(request: web.Request, default: float = 5.0) -> float:
    return min(float(request.query.get("timeout", default)), MAX_WAIT)


def _messages(emulator: Emulator, chat_id: int, sender: str = "all",
              include_deleted: bool = True, after: int = 0,
              after_seq: int = 0) -> list[StoredMessage]:
    chat = emulator.state.chats.get(chat_id)
    if chat is None:
        return []
    return [
        m for m in chat.messages.values()
        if m.message_id > after and m.created_seq > after_seq
        and (include_deleted or not m.deleted)
        and (sender == "all" or m.from_bot == (sender == "bot"))
    ]


# -- state and setup ---------------------------------------------------------------------


async def reset(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> bool:
    emulator.reset()
    return True


async def summary(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    state = emulator.state
    return {
        "bot": state.get_me(),
        "config": dataclasses.asdict(state.config),
        "chats": [c.json() for c in state.chats.values()],
        "blocked": sorted(state.blocked),
        "pending_updates": len(state.updates),
        "version": state.version,
    }


async def configure(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    config = emulator.state.config
    names = {f.name for f in dataclasses.fields(config)}
    unknown = set(body) - names
    if unknown:
        raise ControlError(f"unknown config keys: {sorted(unknown)}; known: {sorted(names)}")
    for key, value in body.items():
        setattr(config, key, value)
    emulator.state.touch()
    return dataclasses.asdict(config)


async def add_user(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return emulator.state.add_user(body)


async def add_chat(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    user = emulator.state.add_user(body["user"]) if body.get("user") else None
    if body.get("type", "group") == "private":
        if user is None:
            raise ControlError("a private chat needs its user")
        return emulator.state.private_chat(user).json()
    chat = emulator.actions.chat(user or {"id": 0}, {k: v for k, v in body.items() if k != "user"})
    emulator.state.touch()
    return chat.json()


async def list_chats(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return [
        {**c.json(), "migrated_to": c.migrated_to, "bot_removed": c.bot_removed,
         "message_count": len(c.messages)}
        for c in emulator.state.chats.values()
    ]


# -- user actions ------------------------------------------------------------------------


def _sent(stored: StoredMessage, update_id: int | None) -> dict[str, Any]:
    return {"message": stored.view(), "update_id": update_id}


async def send_message(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return _sent(*emulator.actions.send_text(body["user"], body["text"], body.get("chat"),
                                             body.get("reply_to")))


async def edit_message(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return _sent(*emulator.actions.edit_text(body["user"], int(body["chat_id"]),
                                             int(body["message_id"]), body["text"]))


async def upload(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    content = base64.b64decode(body["content_b64"])
    return _sent(*emulator.actions.upload(
        body["user"], body.get("kind", "document"), content, body.get("file_name"),
        body.get("mime_type"), body.get("caption"), body.get("chat"), body.get("reply_to"),
    ))


async def press(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    record, update_id = emulator.actions.press(
        body["user"], int(body["chat_id"]), int(body["message_id"]),
        data=body.get("data"), text=body.get("text"),
        index=None if body.get("index") is None else int(body["index"]),
    )
    return {"callback_query_id": record.id, "update_id": update_id}


async def block(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    update_id = emulator.actions.set_blocked(int(body["user_id"]), bool(body.get("blocked", True)))
    return {"update_id": update_id}


async def migrate(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return {"new_chat_id": emulator.actions.migrate(int(body["chat_id"]), body.get("user"))}


async def remove_bot(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return {"update_id": emulator.actions.remove_bot(int(body["chat_id"]), body.get("user"))}


# -- reading what the bot did --------------------------------------------------------------


async def chat_messages(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    found = _messages(
        emulator, int(request.match_info["chat_id"]), request.query.get("sender", "all"),
        request.query.get("include_deleted", "1") not in ("0", "false"),
        _query_int(request, "after", 0) or 0,
    )
    return [m.view() for m in found]


async def one_message(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    chat_id, message_id = int(request.match_info["chat_id"]), int(request.match_info["message_id"])
    stored = emulator.state.message(chat_id, message_id)
    if stored is None:
        raise ControlError(f"no message {message_id} in chat {chat_id}", 404)
    return stored.view()


async def wait_bot_messages(emulator: Emulator, request: web.Request,
                            body: dict[str, Any]) -> Any:
    """Bot messages sent after ``after_seq`` to a chat, once there are ``count`` (or timeout)."""
    chat_id = int(request.query["chat_id"])
    after_seq = _query_int(request, "after_seq", 0) or 0
    count = _query_int(request, "count", 1) or 1

    def found() -> list[StoredMessage]:
        return _messages(emulator, chat_id, "bot", True, after_seq=after_seq)

    await emulator.state.changes_signal.wait_until(lambda: len(found()) >= count,
                                                   _timeout(request))
    return [m.view() for m in found()]


async def changes(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    """Returns the state version once it is past ``after`` (or at the timeout)."""
    state = emulator.state
    after = _query_int(request, "after", 0) or 0
    await state.changes_signal.wait_until(lambda: state.version > after, _timeout(request))
    return {"version": state.version}


async def callback(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    record = emulator.state.callbacks.get(request.match_info["callback_id"])
    if record is None:
        raise ControlError("unknown callback query id", 404)
    return record.view()


async def callbacks(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return [r.view() for r in emulator.state.callbacks.values()]


async def commands(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return [
        {"scope": json.loads(scope), "language_code": language or None, "commands": listed}
        for (scope, language), listed in emulator.state.commands.items()
    ]


async def calls(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    method = (request.query.get("method") or "").lower()
    after = _query_int(request, "after", 0) or 0
    return [
        entry for entry in emulator.state.calls
        if entry["seq"] > after and (not method or entry["method"].lower() == method)
    ]


async def chat_actions(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    chat_id = _query_int(request, "chat_id")
    return [a for a in emulator.state.chat_actions if chat_id is None or a["chat_id"] == chat_id]


async def pending_updates(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return list(emulator.state.updates)


async def file_content(emulator: Emulator, request: web.Request,
                       body: dict[str, Any]) -> web.StreamResponse:
    stored = emulator.state.files.by_id.get(request.match_info["file_id"])
    if stored is None:
        raise ControlError("unknown file_id", 404)
    return web.Response(body=stored.content,
                        content_type=stored.mime_type or "application/octet-stream")


async def stats(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    counters = emulator.state.counters
    return {
        "calls": {k.removeprefix("calls."): v for k, v in counters.items()
                  if k.startswith("calls.")},
        "faults": {k.removeprefix("faults."): v for k, v in counters.items()
                   if k.startswith("faults.")},
        "too_many_requests": counters["429"],
        "rate_limited": counters["rate_limited"],
    }


async def webhook(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    """getWebhookInfo plus the emulator's own counts; null when no webhook is set."""
    hook = emulator.state.webhook
    if hook is None:
        return None
    return {**hook.info(len(emulator.state.updates)), "delivered": hook.delivered, "failed": hook.failed}


# -- faults ----------------------------------------------------------------------------


async def add_fault(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return emulator.faults.add(body).view()


async def list_faults(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    return [rule.view() for rule in emulator.faults.rules]


async def clear_faults(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    emulator.faults.clear()
    return True


async def remove_fault(emulator: Emulator, request: web.Request, body: dict[str, Any]) -> Any:
    if not emulator.faults.remove(int(request.match_info["rule_id"])):
        raise ControlError("unknown fault rule", 404)
    return True


ROUTES: list[tuple[str, str, Route]] = [
    ("POST", "/reset", reset),
    ("GET", "/state", summary),
    ("POST", "/config", configure),
    ("POST", "/users", add_user),
    ("POST", "/chats", add_chat),
    ("GET", "/chats", list_chats),
    ("POST", "/messages", send_message),
    ("POST", "/edits", edit_message),
    ("POST", "/uploads", upload),
    ("POST", "/press", press),
    ("POST", "/block", block),
    ("POST", "/migrate", migrate),
    ("POST", "/remove_bot", remove_bot),
    ("GET", "/chats/{chat_id}/messages", chat_messages),
    ("GET", "/chats/{chat_id}/messages/{message_id}", one_message),
    ("GET", "/wait/bot_messages", wait_bot_messages),
    ("GET", "/changes", changes),
    ("GET", "/callbacks", callbacks),
    ("GET", "/callbacks/{callback_id}", callback),
    ("GET", "/commands", commands),
    ("GET", "/calls", calls),
    ("GET", "/chat_actions", chat_actions),
    ("GET", "/updates", pending_updates),
    ("GET", "/files/{file_id}", file_content),
    ("GET", "/stats", stats),
    ("GET", "/webhook", webhook),
    ("POST", "/faults", add_fault),
    ("GET", "/faults", list_faults),
    ("DELETE", "/faults", clear_faults),
    ("DELETE", "/faults/{rule_id}", remove_fault),
]


def add_control_routes(app: web.Application) -> None:
    for verb, path, route in ROUTES:
        app.router.add_route(verb, PREFIX + path, _wrap(route))
