"""The Bot API methods the bot calls, with Telegram's validation and results."""

from __future__ import annotations

import inspect
import json
import re
import time
from collections.abc import Callable
from typing import Any

from sandbox.errors import (
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    bad_request,
    conflict_polling,
    conflict_webhook,
)
from sandbox.files import StoredFile
from sandbox.markup import inline_part, validate_markup
from sandbox.params import Params, Upload
from sandbox.state import DEFAULT_ALLOWED, ChatState, EmulatorState, StoredMessage
from sandbox.text import render, trim
from sandbox.webhook import Webhook, check_url

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)
# Calls that count against Telegram's flood limits.
SEND_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto"})
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")

Handler = Callable[["BotApi", Params], Any]
METHODS: dict[str, Handler] = {}


def api_method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under Telegram method names (matched case-insensitively)."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register


def _ok(_api: BotApi, _params: Params) -> bool:
    return True


for _name in ("logOut", "close", "setChatMenuButton", "setMyName", "setMyDescription",
              "setMyShortDescription", "setMyDefaultAdministratorRights"):
    api_method(_name)(_ok)


class BotApi:
    """Dispatches a method name to its handler over the shared state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    @staticmethod
    def knows(method: str) -> bool:
        return method.lower() in METHODS

    async def call(self, method: str, params: Params) -> Any:
        result = METHODS[method.lower()](self, params)
        if inspect.isawaitable(result):
            result = await result
        return result

    # -- helpers shared by the handlers -------------------------------------------------

    def rendered(self, params: Params, field: str, limit: int, too_long: str,
                 *, required: bool) -> tuple[str | None, list[dict[str, Any]], str | None]:
        """Plain text, entities and the raw source of ``text``/``caption``."""
        source = params.get_str(field)
        if not source:
            if required:
                raise bad_request("message text is empty")
            return None, [], None
        given = params.get_json("entities" if field == "text" else "caption_entities")
        if given:
            plain, entities = trim(source, list(given))
        else:
            plain, entities = render(source, params.get_str("parse_mode"))
        if required and not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > limit:
            raise bad_request(too_long)
        return plain, entities, source

    def reply_fields(self, chat: ChatState, params: Params) -> dict[str, Any]:
        reply = params.get_json("reply_parameters") or {}
        target_id = reply.get("message_id") or params.get_int("reply_to_message_id")
        if not target_id:
            return {}
        allow = bool(reply.get("allow_sending_without_reply")) or params.get_bool(
            "allow_sending_without_reply"
        )
        target = chat.messages.get(int(target_id))
        if target is None or target.deleted:
            if allow:
                return {}
            raise bad_request("message to be replied not found")
        return {"reply_to_message": {k: v for k, v in target.data.items()
                                     if k != "reply_to_message"}}

    def post(self, chat: ChatState, fields: dict[str, Any], markup: dict[str, Any] | None,
             raw: str | None, params: Params) -> dict[str, Any]:
        """Store a new bot message and return it as a Message object."""
        inline = inline_part(markup)
        if inline:
            fields["reply_markup"] = inline
        stored = self.state.add_message(chat, self.state.bot_user(), fields, from_bot=True)
        stored.raw_text = raw
        stored.parse_mode = params.get_str("parse_mode")
        stored.markup = markup
        return stored.data

    def editable(self, params: Params) -> StoredMessage:
        if params.has("inline_message_id") and not params.has("chat_id"):
            raise bad_request("message to edit not found")
        chat = self.state.chat_for_bot(params.chat_id())
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    def apply_edit(self, stored: StoredMessage, content: dict[str, Any],
                   markup: dict[str, Any] | None, *, raw: str | None = None,
                   params: Params | None = None) -> dict[str, Any]:
        """Replace content keys (``None`` removes) and the inline keyboard, as one edit."""
        data = stored.data
        new_markup = inline_part(markup)
        same_content = all(data.get(key) == (value or None) for key, value in content.items())
        if same_content and data.get("reply_markup") == new_markup:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        for key, value in content.items():
            if value:
                data[key] = value
            else:
                data.pop(key, None)
        if new_markup:
            data["reply_markup"] = new_markup
        else:
            data.pop("reply_markup", None)
        # Telegram marks only content edits; a new keyboard alone leaves edit_date unset.
        if not same_content:
            data["edit_date"] = self.state.now()
        if raw is not None and params is not None:
            stored.raw_text = raw
            stored.parse_mode = params.get_str("parse_mode")
        stored.markup = new_markup
        stored.edit_count += 1
        stored.seq = self.state.touch()
        return data

    def file_param(self, params: Params, kind: str) -> StoredFile:
        value = params.file(kind)
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, Upload):
            return self.state.files.add(kind, value.content, value.file_name, value.content_type)
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        return self.state.files.reuse(value, kind)


# -- updates and identity ----------------------------------------------------------------


@api_method("getMe")
def get_me(api: BotApi, params: Params) -> dict[str, Any]:
    return api.state.get_me()


@api_method("getUpdates")
async def get_updates(api: BotApi, params: Params) -> list[dict[str, Any]]:
    state = api.state
    offset = params.get_int("offset")
    limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
    timeout = max(params.get_float("timeout", 0.0) or 0.0, 0.0)
    if state.webhook is not None:
        raise conflict_webhook()
    allowed = params.get_json("allowed_updates")
    if allowed is not None:
        state.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED
    if offset is not None:
        if offset < 0:
            state.updates = state.updates[offset:]
        else:
            state.updates = [u for u in state.updates if u["update_id"] >= offset]
    state.poll_generation += 1
    generation = state.poll_generation
    state.updates_signal.fire()  # an older poll still waiting must now give up with 409

    def ready() -> bool:
        return bool(state.updates) or generation != state.poll_generation or state.closing

    await state.updates_signal.wait_until(ready, timeout)
    if generation != state.poll_generation:
        raise conflict_polling()
    return state.updates[:limit]


@api_method("setWebhook")
def set_webhook(api: BotApi, params: Params) -> bool:
    url = params.get_str("url") or ""
    if not url:  # Telegram: an empty URL removes the webhook
        api.state.webhook = None
        return True
    secret = params.get_str("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.get_int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = params.get_json("allowed_updates")
    if allowed is not None:
        api.state.allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED
    if params.get_bool("drop_pending_updates"):
        api.state.updates.clear()
    api.state.webhook = Webhook(url=check_url(url), secret_token=secret, max_connections=max_connections)
    api.state.updates_signal.fire()
    return True


@api_method("deleteWebhook")
def delete_webhook(api: BotApi, params: Params) -> bool:
    if params.get_bool("drop_pending_updates"):
        api.state.updates.clear()
    api.state.webhook = None
    api.state.updates_signal.fire()  # a long poll may now proceed
    return True


@api_method("getWebhookInfo")
def get_webhook_info(api: BotApi, params: Params) -> dict[str, Any]:
    pending = len(api.state.updates)
    if api.state.webhook is None:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
    return api.state.webhook.info(pending)


# -- messages --------------------------------------------------------------------------


@api_method("sendMessage")
def send_message(api: BotApi, params: Params) -> dict[str, Any]:
    chat = api.state.chat_for_bot(params.chat_id())
    plain, entities, raw = api.rendered(params, "text", TEXT_LIMIT, "message is too long",
                                        required=True)
    markup = validate_markup(params.get_json("reply_markup"))
    fields: dict[str, Any] = {**api.reply_fields(chat, params), "text": plain}
    if entities:
        fields["entities"] = entities
    return api.post(chat, fields, markup, raw, params)


def _send_file(api: BotApi, params: Params, kind: str) -> dict[str, Any]:
    chat = api.state.chat_for_bot(params.chat_id())
    caption, entities, raw = api.rendered(params, "caption", CAPTION_LIMIT,
                                          "message caption is too long", required=False)
    markup = validate_markup(params.get_json("reply_markup"))
    stored = api.file_param(params, kind)
    fields: dict[str, Any] = {**api.reply_fields(chat, params)}
    fields[kind] = stored.photo_json() if kind == "photo" else stored.document_json()
    if caption:
        fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
    return api.post(chat, fields, markup, raw, params)


@api_method("sendDocument")
def send_document(api: BotApi, params: Params) -> dict[str, Any]:
    return _send_file(api, params, "document")


@api_method("sendPhoto")
def send_photo(api: BotApi, params: Params) -> dict[str, Any]:
    return _send_file(api, params, "photo")


@api_method("editMessageText")
def edit_message_text(api: BotApi, params: Params) -> dict[str, Any]:
    stored = api.editable(params)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    plain, entities, raw = api.rendered(params, "text", TEXT_LIMIT, "message is too long",
                                        required=True)
    markup = validate_markup(params.get_json("reply_markup"))
    return api.apply_edit(stored, {"text": plain, "entities": entities}, markup,
                          raw=raw, params=params)


@api_method("editMessageCaption")
def edit_message_caption(api: BotApi, params: Params) -> dict[str, Any]:
    stored = api.editable(params)
    if not any(kind in stored.data for kind in ("document", "photo")):
        raise bad_request("there is no caption in the message to edit")
    caption, entities, raw = api.rendered(params, "caption", CAPTION_LIMIT,
                                          "message caption is too long", required=False)
    markup = validate_markup(params.get_json("reply_markup"))
    return api.apply_edit(stored, {"caption": caption, "caption_entities": entities}, markup,
                          raw=raw or "", params=params)


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(api: BotApi, params: Params) -> dict[str, Any]:
    stored = api.editable(params)
    return api.apply_edit(stored, {}, validate_markup(params.get_json("reply_markup")))


@api_method("deleteMessage")
def delete_message(api: BotApi, params: Params) -> bool:
    chat = api.state.chat_for_bot(params.chat_id())
    stored = chat.messages.get(params.get_int("message_id") or 0)
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    stored.deleted = True
    stored.seq = api.state.touch()
    return True


@api_method("deleteMessages")
def delete_messages(api: BotApi, params: Params) -> bool:
    chat = api.state.chat_for_bot(params.chat_id())
    for message_id in params.get_json("message_ids") or []:
        stored = chat.messages.get(int(message_id))
        if stored and not stored.deleted:
            stored.deleted = True
            stored.seq = api.state.touch()
    return True


@api_method("answerCallbackQuery")
def answer_callback_query(api: BotApi, params: Params) -> bool:
    state = api.state
    record = state.callbacks.get(params.get_str("callback_query_id") or "")
    expiry = state.config.callback_answer_timeout
    if record is None or record.answer is not None or (
        expiry is not None and time.time() - record.created > expiry
    ):
        raise ApiError(400, QUERY_TOO_OLD)
    text = params.get_str("text")
    if text and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answer = {
        "text": text,
        "show_alert": params.get_bool("show_alert"),
        "url": params.get_str("url"),
        "cache_time": params.get_int("cache_time", 0),
    }
    record.answered_at = time.time()
    state.touch()
    return True


@api_method("sendChatAction")
def send_chat_action(api: BotApi, params: Params) -> bool:
    chat = api.state.chat_for_bot(params.chat_id())
    action = params.get_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    api.state.chat_actions.append({"chat_id": chat.id, "action": action, "time": time.time()})
    api.state.touch()
    return True


# -- files, chats, commands ----------------------------------------------------------------


@api_method("getFile")
def get_file(api: BotApi, params: Params) -> dict[str, Any]:
    return api.state.files.for_download(params.get_str("file_id") or "").file_json()


@api_method("getChat")
def get_chat(api: BotApi, params: Params) -> dict[str, Any]:
    chat = api.state._lookup(params.chat_id())
    if chat is None:
        raise bad_request("chat not found")
    return chat.full_info()


@api_method("getChatMenuButton")
def get_chat_menu_button(api: BotApi, params: Params) -> dict[str, Any]:
    return {"type": "default"}


@api_method("getMyName")
def get_my_name(api: BotApi, params: Params) -> dict[str, Any]:
    return {"name": api.state.bot_first_name}


@api_method("getMyDescription")
def get_my_description(api: BotApi, params: Params) -> dict[str, Any]:
    return {"description": ""}


@api_method("getMyShortDescription")
def get_my_short_description(api: BotApi, params: Params) -> dict[str, Any]:
    return {"short_description": ""}


def _commands_key(params: Params) -> tuple[str, str]:
    scope = params.get_json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True, ensure_ascii=False), params.get_str(
        "language_code", ""
    ) or ""


@api_method("setMyCommands")
def set_my_commands(api: BotApi, params: Params) -> bool:
    commands = params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    cleaned = []
    for item in commands:
        command = str(item.get("command", "")) if isinstance(item, dict) else ""
        description = str(item.get("description", "")) if isinstance(item, dict) else ""
        if not re.fullmatch(r"[a-z0-9_]{1,32}", command.removeprefix("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command.removeprefix("/"), "description": description})
    key = _commands_key(params)
    if cleaned:
        api.state.commands[key] = cleaned
    else:
        api.state.commands.pop(key, None)
    api.state.touch()
    return True


@api_method("getMyCommands")
def get_my_commands(api: BotApi, params: Params) -> list[dict[str, Any]]:
    return api.state.commands.get(_commands_key(params), [])


@api_method("deleteMyCommands")
def delete_my_commands(api: BotApi, params: Params) -> bool:
    api.state.commands.pop(_commands_key(params), None)
    api.state.touch()
    return True
