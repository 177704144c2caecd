"""The emulated world: users, chats, messages, pending updates, callback queries, commands.

Everything here is synchronous and lives on one event loop; the Bot API methods
(``botapi``) and the user side (``actions``) mutate it, ``Signal`` wakes the waiters.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sandbox.errors import bad_request, forbidden
from sandbox.files import FileStore
from sandbox.markup import flat_buttons
from sandbox.webhook import Webhook

T = TypeVar("T")

# What Telegram delivers when allowed_updates was never set (or set to []).
DEFAULT_ALLOWED = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)


class Signal:
    """Wakes every waiter when fired; waiters re-check their condition (no busy looping)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, check: Callable[[], T], timeout: float) -> T:
        """Return ``check()`` as soon as it is truthy, or its last value after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            value = check()
            remaining = deadline - loop.time()
            if value or remaining <= 0:
                return value
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass


@dataclass
class Config:
    """Runtime switches, changed through the control API and restored by reset."""

    privacy_mode: bool = True  # groups: the bot gets commands, replies to it, service messages
    rate_limit: bool = False  # Telegram's flood limits: 30 sends/s overall, 20/min per group
    callback_answer_timeout: float | None = None  # seconds; None = callbacks never expire
    time_offset: float = 0.0  # seconds added to the wall clock for message dates


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    data: dict[str, Any]  # the Message object as the Bot API returns it now
    raw_text: str | None = None  # text or caption as sent, before parse_mode
    parse_mode: str | None = None
    markup: dict[str, Any] | None = None  # incl. reply keyboards, which Message omits
    edit_count: int = 0
    deleted: bool = False
    seq: int = 0  # state version of the last change
    created_seq: int = 0  # state version when sent; never reused, even across resets

    def view(self) -> dict[str, Any]:
        """The message as tests read it: current content, edit and delete flags."""
        data = self.data
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "date": data["date"],
            "text": data.get("text"),
            "caption": data.get("caption"),
            "raw_text": self.raw_text if self.raw_text is not None
            else data.get("text", data.get("caption")),
            "parse_mode": self.parse_mode,
            "entities": data.get("entities") or data.get("caption_entities") or [],
            "reply_markup": self.markup,
            "buttons": (self.markup or {}).get("inline_keyboard", []),
            "keyboard": [b["text"] for b in flat_buttons(self.markup)]
            if self.markup and "keyboard" in self.markup
            else [],
            "edited": self.edit_count > 0,
            "edit_count": self.edit_count,
            "edit_date": data.get("edit_date"),
            "deleted": self.deleted,
            "document": data.get("document"),
            "photo": data.get("photo"),
            "reply_to_message_id": (data.get("reply_to_message") or {}).get("message_id"),
            "seq": self.seq,
            "created_seq": self.created_seq,
            "message": data,
        }


@dataclass
class ChatState:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    user: dict[str, Any] | None = None  # the other side of a private chat
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    migrated_to: int | None = None
    bot_removed: bool = False

    def json(self) -> dict[str, Any]:
        if self.type == "private" and self.user:
            chat = {"id": self.id, "type": "private", "first_name": self.user["first_name"]}
            for key in ("last_name", "username"):
                if self.user.get(key):
                    chat[key] = self.user[key]
            return chat
        chat = {"id": self.id, "type": self.type, "title": self.title or f"Group {self.id}"}
        if self.type == "group":
            chat["all_members_are_administrators"] = False
        return chat

    def full_info(self) -> dict[str, Any]:
        """ChatFullInfo for getChat, with the fields PTB 22 requires."""
        return {
            **{k: v for k, v in self.json().items() if k != "all_members_are_administrators"},
            "accent_color_id": abs(self.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }


@dataclass
class CallbackRecord:
    id: str
    user: dict[str, Any]
    chat_id: int
    message_id: int
    data: str | None
    created: float
    answer: dict[str, Any] | None = None
    answered_at: float | None = None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user["id"],
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "data": self.data,
            "answered": self.answer is not None,
            "answer": self.answer,
            "answered_at": self.answered_at,
        }


class EmulatorState:
    """All mutable emulator data; ``reset`` clears it but keeps ids monotonic."""

    def __init__(self, bot_id: int = 12345, bot_username: str = "nhacviec_bot",
                 bot_first_name: str = "Nhắc việc") -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.files = FileStore()
        self.updates_signal = Signal()
        self.changes_signal = Signal()
        # Never reset: a running bot keeps its getUpdates offset across test resets.
        self._next_update_id = 1
        self._next_callback = 1
        self._next_group = 1
        self._next_call = 0
        self.version = 0
        self.poll_generation = 0
        self.closing = False  # set on shutdown so pending long polls return at once
        self.reset()

    def reset(self) -> None:
        self.config = Config()
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatState] = {}
        self.blocked: set[int] = set()
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self.webhook: Webhook | None = None  # set by setWebhook: updates are pushed, getUpdates refused
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.chat_actions: list[dict[str, Any]] = []
        self.calls: deque[dict[str, Any]] = deque(maxlen=20000)
        self.counters: Counter[str] = Counter()
        self.files.clear()
        self.touch()

    # -- time and notifications -------------------------------------------------------

    def now(self) -> int:
        """Unix seconds (Telegram dates are never milliseconds)."""
        return int(time.time() + self.config.time_offset)

    def touch(self) -> int:
        """Record a visible change and wake ``wait_*`` callers."""
        self.version += 1
        self.changes_signal.fire()
        return self.version

    # -- identities ---------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def get_me(self) -> dict[str, Any]:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.config.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def add_user(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Register or update a user from a partial spec (``id`` required)."""
        user_id = int(spec["id"])
        user = dict(self.users.get(user_id) or {"id": user_id, "is_bot": False})
        for key in ("first_name", "last_name", "username", "language_code"):
            if spec.get(key):
                user[key] = spec[key]
        user.setdefault("first_name", f"User {user_id}")
        self.users[user_id] = user
        private = self.chats.get(user_id)
        if private and private.type == "private":
            private.user = user
        return user

    # -- chats --------------------------------------------------------------------------

    def private_chat(self, user: dict[str, Any]) -> ChatState:
        chat = self.chats.get(user["id"])
        if chat is None:
            chat = self.chats[user["id"]] = ChatState(id=user["id"], type="private", user=user)
        return chat

    def group_chat(self, chat_id: int | None, title: str | None, kind: str = "group") -> ChatState:
        if kind not in ("group", "supergroup"):
            raise ValueError(f"chat type must be private, group or supergroup, not {kind!r}")
        if chat_id is None:
            base = 1_000_000_000_000 if kind == "supergroup" else 4_000_000_000
            chat_id = -(base + self._next_group)
            self._next_group += 1
        if chat_id >= 0:
            raise ValueError("group and supergroup chat ids are negative")
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = ChatState(id=chat_id, type=kind, title=title)
        elif title:
            chat.title = title
        return chat

    def chat_for_bot(self, chat_id: Any) -> ChatState:
        """The chat a bot call targets, or Telegram's error for why it cannot be used."""
        chat = self._lookup(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.bot_removed:
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.type == "private" and chat.id in self.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def _lookup(self, chat_id: Any) -> ChatState | None:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            return next(
                (c for c in self.chats.values()
                 if c.user and (c.user.get("username") or "").lower() == name),
                None,
            )
        try:
            return self.chats.get(int(chat_id))
        except (TypeError, ValueError):
            return None

    # -- messages and updates -----------------------------------------------------------

    def add_message(self, chat: ChatState, sender: dict[str, Any], fields: dict[str, Any],
                    *, from_bot: bool) -> StoredMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data = {"message_id": message_id, "from": sender, "chat": chat.json(),
                "date": self.now(), **fields}
        stored = StoredMessage(chat.id, message_id, from_bot, data)
        chat.messages[message_id] = stored
        stored.seq = stored.created_seq = self.touch()
        return stored

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        chat = self.chats.get(chat_id)
        return chat.messages.get(message_id) if chat else None

    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for getUpdates; ``None`` if allowed_updates filters it out."""
        if kind not in self.allowed_updates:
            return None
        update_id = self._next_update_id
        self._next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.updates_signal.fire()
        return update_id

    def new_callback_id(self) -> str:
        # Real ids are opaque numeric strings of ~19 digits.
        callback_id = str(4_382_000_000_000_000_000 + self._next_callback)
        self._next_callback += 1
        return callback_id

    def log_call(self, entry: dict[str, Any]) -> None:
        self._next_call += 1
        entry["seq"] = self._next_call
        self.calls.append(entry)
        self.counters[f"calls.{entry['method']}"] += 1
        if entry["method"].lower() != "getupdates":  # polling is not a change worth waking for
            self.touch()
