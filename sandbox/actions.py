"""What users (and Telegram itself) do: write, press buttons, upload, block, migrate groups.

Each action stores what Telegram would store and queues the update the bot receives.
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.markup import find_button
from sandbox.state import CallbackRecord, ChatState, EmulatorState, StoredMessage
from sandbox.text import command_entities

GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


class ControlError(Exception):
    """A user-side action that cannot happen (unknown message, no such button...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class UserActions:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    # -- chats --------------------------------------------------------------------------

    def chat(self, user: dict[str, Any], spec: Any = None) -> ChatState:
        """The chat a user acts in: their private chat, an existing id, or a group spec."""
        state = self.state
        if spec is None or spec == user["id"]:
            return state.private_chat(user)
        if isinstance(spec, dict):
            kind = spec.get("type", "group")
            if kind == "private":
                return state.private_chat(user)
            try:
                return state.group_chat(
                    int(spec["id"]) if spec.get("id") is not None else None, spec.get("title"), kind
                )
            except ValueError as exc:
                raise ControlError(str(exc)) from None
        chat = state.chats.get(int(spec))
        if chat is None:
            if int(spec) > 0:
                raise ControlError(f"user {user['id']} cannot write in the private chat {spec}")
            chat = state.group_chat(int(spec), None, "group")
        return chat

    def _check_can_write(self, user: dict[str, Any], chat: ChatState) -> None:
        if chat.migrated_to is not None:
            raise ControlError(f"chat {chat.id} was migrated to supergroup {chat.migrated_to}")
        if chat.type == "private" and chat.id != user["id"]:
            raise ControlError(f"chat {chat.id} is the private chat of another user")
        if chat.type == "private" and user["id"] in self.state.blocked:
            raise ControlError(f"user {user['id']} has blocked the bot; unblock first")

    def _delivered(self, chat: ChatState, fields: dict[str, Any]) -> bool:
        """Privacy mode: in groups the bot sees commands, replies to it and mentions only."""
        if chat.bot_removed:
            return False
        if chat.type == "private" or not self.state.config.privacy_mode:
            return True
        body = fields.get("text") or fields.get("caption") or ""
        replied = fields.get("reply_to_message") or {}
        return (
            body.startswith("/")
            or (replied.get("from") or {}).get("id") == self.state.bot_id
            or f"@{self.state.bot_username}".lower() in body.lower()
        )

    def _post(self, user: dict[str, Any], chat: ChatState, fields: dict[str, Any],
              reply_to: int | None) -> tuple[StoredMessage, int | None]:
        self._check_can_write(user, chat)
        if reply_to is not None:
            target = chat.messages.get(int(reply_to))
            if target is None or target.deleted:
                raise ControlError(f"message {reply_to} not found in chat {chat.id}", 404)
            fields = {"reply_to_message": {k: v for k, v in target.data.items()
                                           if k != "reply_to_message"}, **fields}
        stored = self.state.add_message(chat, user, fields, from_bot=False)
        update_id = None
        if self._delivered(chat, fields):
            update_id = self.state.push_update("message", stored.data)
        return stored, update_id

    # -- actions ------------------------------------------------------------------------

    def send_text(self, user_spec: dict[str, Any], text: str, chat: Any = None,
                  reply_to: int | None = None) -> tuple[StoredMessage, int | None]:
        if not text:
            raise ControlError("text is empty")
        user = self.state.add_user(user_spec)
        fields: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        return self._post(user, self.chat(user, chat), fields, reply_to)

    def upload(self, user_spec: dict[str, Any], kind: str, content: bytes,
               file_name: str | None = None, mime_type: str | None = None,
               caption: str | None = None, chat: Any = None,
               reply_to: int | None = None) -> tuple[StoredMessage, int | None]:
        if kind not in ("document", "photo"):
            raise ControlError("kind must be document or photo")
        user = self.state.add_user(user_spec)
        target = self.chat(user, chat)
        self._check_can_write(user, target)
        stored_file = self.state.files.add(kind, content, file_name or None, mime_type,
                                           strict_image=False)
        fields: dict[str, Any] = {
            kind: stored_file.photo_json() if kind == "photo" else stored_file.document_json()
        }
        if caption:
            fields["caption"] = caption
            entities = command_entities(caption)
            if entities:
                fields["caption_entities"] = entities
        return self._post(user, target, fields, reply_to)

    def edit_text(self, user_spec: dict[str, Any], chat_id: int, message_id: int,
                  text: str) -> tuple[StoredMessage, int | None]:
        """The user edits their own text message: an ``edited_message`` update."""
        user = self.state.add_user(user_spec)
        stored = self.state.message(chat_id, message_id)
        if stored is None or stored.deleted or stored.from_bot or "text" not in stored.data:
            raise ControlError(f"no text message {message_id} of a user in chat {chat_id}", 404)
        if stored.data["from"]["id"] != user["id"]:
            raise ControlError("users can edit only their own messages")
        stored.data["text"] = text
        stored.data.pop("entities", None)
        if command_entities(text):
            stored.data["entities"] = command_entities(text)
        stored.data["edit_date"] = self.state.now()
        stored.edit_count += 1
        stored.seq = self.state.touch()
        chat = self.state.chats[chat_id]
        update_id = None
        if self._delivered(chat, stored.data):
            update_id = self.state.push_update("edited_message", dict(stored.data))
        return stored, update_id

    def press(self, user_spec: dict[str, Any], chat_id: int, message_id: int, *,
              data: str | None = None, text: str | None = None,
              index: int | None = None) -> tuple[CallbackRecord, int | None]:
        """Press an inline button of a bot message: a ``callback_query`` update."""
        state = self.state
        user = state.add_user(user_spec)
        stored = state.message(chat_id, message_id)
        if stored is None or stored.deleted:
            raise ControlError(f"message {message_id} not found in chat {chat_id}", 404)
        if not stored.from_bot:
            raise ControlError(f"message {message_id} in chat {chat_id} was not sent by the bot")
        chat = state.chats[chat_id]
        self._check_can_write(user, chat)
        try:
            button = find_button(stored.data.get("reply_markup"), data=data, text=text,
                                 index=index)
        except LookupError as exc:
            raise ControlError(f"message {message_id}: {exc}") from None
        if "callback_data" not in button:
            raise ControlError(f"button {button.get('text')!r} has no callback_data")
        record = CallbackRecord(
            id=state.new_callback_id(), user=user, chat_id=chat_id, message_id=message_id,
            data=button["callback_data"], created=time.time(),
        )
        state.callbacks[record.id] = record
        update_id = state.push_update(
            "callback_query",
            {
                "id": record.id,
                "from": user,
                "message": stored.data,
                "chat_instance": str(abs(chat_id) * 7919 + state.bot_id),
                "data": record.data,
            },
        )
        state.touch()
        return record, update_id

    # -- Telegram-side events -----------------------------------------------------------

    def set_blocked(self, user_id: int, blocked: bool) -> int | None:
        """The user blocks (or restarts) the bot: a ``my_chat_member`` update."""
        state = self.state
        user = state.add_user({"id": user_id})
        if blocked == (user_id in state.blocked):
            return None
        chat = state.private_chat(user)
        if blocked:
            state.blocked.add(user_id)
        else:
            state.blocked.discard(user_id)
        member = {"status": "member", "user": state.bot_user()}
        kicked = {"status": "kicked", "user": state.bot_user(), "until_date": 0}
        state.touch()
        return state.push_update(
            "my_chat_member",
            {
                "chat": chat.json(),
                "from": user,
                "date": state.now(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )

    def remove_bot(self, chat_id: int, by_user: dict[str, Any] | None = None) -> int | None:
        """The bot is removed from a group: later sends get 403 ``bot was kicked``."""
        state = self.state
        chat = state.chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise ControlError(f"no group chat {chat_id}", 404)
        chat.bot_removed = True
        actor = state.add_user(by_user) if by_user else GROUP_ANONYMOUS_BOT
        state.touch()
        return state.push_update(
            "my_chat_member",
            {
                "chat": chat.json(),
                "from": actor,
                "date": state.now(),
                "old_chat_member": {"status": "member", "user": state.bot_user()},
                "new_chat_member": {"status": "left" if chat.type == "group" else "kicked",
                                    "user": state.bot_user(), "until_date": 0},
            },
        )

    def migrate(self, chat_id: int, by_user: dict[str, Any] | None = None) -> int:
        """Upgrade a group to a supergroup; both service messages reach the bot."""
        state = self.state
        chat = state.chats.get(chat_id)
        if chat is None or chat.type != "group":
            raise ControlError(f"no basic group chat {chat_id} to migrate", 404)
        if chat.migrated_to is not None:
            raise ControlError(f"chat {chat_id} was already migrated to {chat.migrated_to}")
        new_id = -(1_000_000_000_000 + abs(chat_id))
        supergroup = state.group_chat(new_id, chat.title, "supergroup")
        actor = state.add_user(by_user) if by_user else GROUP_ANONYMOUS_BOT
        old_notice = state.add_message(chat, actor, {"migrate_to_chat_id": new_id},
                                       from_bot=False)
        chat.migrated_to = new_id
        new_notice = state.add_message(
            supergroup, GROUP_ANONYMOUS_BOT,
            {"sender_chat": supergroup.json(), "migrate_from_chat_id": chat_id},
            from_bot=False,
        )
        state.push_update("message", old_notice.data)
        state.push_update("message", new_notice.data)
        return new_id
