"""Reply markup: validation with Telegram's errors, and finding the button a user presses."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request

ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")


def _button_error(text: str) -> Exception:
    return bad_request(f"can't parse inline keyboard button: {text}")


def validate_markup(markup: Any) -> dict[str, Any] | None:
    """Check ``reply_markup`` like Telegram does; ``None`` when it is absent."""
    if markup is None:
        return None
    if not isinstance(markup, dict) or not any(kind in markup for kind in _KINDS):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _button_error('Field "inline_keyboard" must be of type Array')
    for row in rows:
        for button in row:
            _validate_button(button)
    return {"inline_keyboard": rows}


def _validate_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be of type Object")
    if not isinstance(button.get("text"), str):
        raise _button_error('Field "text" must be of type String')
    if not any(action in button for action in ACTIONS):
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not str(button["url"]).strip():
        raise bad_request("BUTTON_URL_INVALID")


def inline_part(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a Message carries as ``reply_markup``: only a non-empty inline keyboard."""
    if markup and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def flat_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Inline (or reply keyboard) buttons in reading order; reply buttons may be plain strings."""
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [
        button if isinstance(button, dict) else {"text": str(button)}
        for row in rows
        for button in row
    ]


def find_button(
    markup: dict[str, Any] | None,
    *,
    data: str | None = None,
    text: str | None = None,
    index: int | None = None,
) -> dict[str, Any]:
    """The button chosen by callback data, visible text, or 1-based position."""
    buttons = flat_buttons(markup)
    chosen: list[dict[str, Any]]
    if index is not None:
        chosen = [buttons[index - 1]] if 1 <= index <= len(buttons) else []
    elif data is not None:
        chosen = [b for b in buttons if b.get("callback_data") == data]
    elif text is not None:
        chosen = [b for b in buttons if b.get("text") == text] or [
            b for b in buttons if b.get("text", "").strip().casefold() == text.strip().casefold()
        ]
    else:
        raise LookupError("say which button: callback_data, text or index")
    if not chosen:
        listing = ", ".join(f"[{n}] {b.get('text')!r}" for n, b in enumerate(buttons, 1))
        wanted = f"index={index}" if index is not None else (
            f"callback_data={data!r}" if data is not None else f"text={text!r}"
        )
        raise LookupError(f"no button with {wanted}; buttons: {listing or 'none'}")
    return chosen[0]
