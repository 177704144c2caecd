"""A recording Bot API transport (a PTB BaseRequest): answers like Telegram, fails on request.

Tests script failures per chat (`fail(chat_id, ...)`) and read what was sent (`sent`, `texts(chat_id)`).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest, RequestData

TOKEN = "12345:test-token"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    ok: bool = True  # False when answered with a fault
    hung: bool = False  # accepted by "Telegram", but the answer never came back

    @property
    def chat_id(self) -> int:
        return int(self.params["chat_id"])


@dataclass
class Fault:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


def too_many_requests(retry_after: int) -> Fault:
    return Fault(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def server_error() -> Fault:
    return Fault(502, "Bad Gateway")


def blocked() -> Fault:
    return Fault(403, "Forbidden: bot was blocked by the user")


def chat_not_found() -> Fault:
    return Fault(400, "Bad Request: chat not found")


def migrated(new_chat_id: int) -> Fault:
    return Fault(400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_chat_id})


@dataclass
class RecordingRequest(BaseRequest):
    calls: list[Call] = field(default_factory=list)
    faults: dict[int, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    # Chats that always answer with this fault (blocked users, gone chats).
    permanent: dict[int, Fault] = field(default_factory=dict)
    # Set to hold every sendMessage after it is recorded (a process dying with messages in flight).
    hang_after: int | None = None
    _message_ids: int = 0

    def fail(self, chat_id: int, *faults: Fault) -> None:
        self.faults[chat_id].extend(faults)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]  # as spelt: Bot API method names are case-insensitive
        params = dict(request_data.parameters) if request_data else {}
        if endpoint.lower() == "getme":
            return _ok({"id": 1, "is_bot": True, "first_name": "Nhắc việc", "username": "nhacviec_bot"})
        chat_id = int(params.get("chat_id", 0))
        fault = self.permanent.get(chat_id) or (self.faults[chat_id].popleft() if self.faults[chat_id] else None)
        if fault is not None:
            self.calls.append(Call(endpoint, params, ok=False))
            body: dict[str, Any] = {"ok": False, "error_code": fault.status, "description": fault.description}
            if fault.parameters:
                body["parameters"] = fault.parameters
            return fault.status, json.dumps(body).encode()
        if self.hang_after is not None and len(self.delivered()) >= self.hang_after:
            self.calls.append(Call(endpoint, params, hung=True))
            await asyncio.Event().wait()  # never answers: cancelled with the "process"
        self.calls.append(Call(endpoint, params))
        self._message_ids += 1
        chat_type = "private" if chat_id > 0 else "supergroup"
        return _ok(
            {
                "message_id": self._message_ids,
                "date": 1588550400,
                "chat": {"id": chat_id, "type": chat_type},
                "text": params.get("text", ""),
            }
        )

    def delivered(self) -> list[Call]:
        """sendMessage calls that reached "Telegram" (including those whose answer never came)."""
        return [call for call in self.calls if call.method.lower() == "sendmessage" and call.ok]

    def texts(self, chat_id: int) -> list[str]:
        return [call.params["text"] for call in self.delivered() if call.chat_id == chat_id]

    def markups(self, chat_id: int) -> list[Any]:
        return [call.params.get("reply_markup") for call in self.delivered() if call.chat_id == chat_id]


def _ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def make_bot(request: RecordingRequest) -> Bot:
    return Bot(TOKEN, request=request, get_updates_request=request)
