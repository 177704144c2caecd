"""The extension buttons read back exactly as the bot makes them; anything else is no button."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from bot.i18n import translator
from handlers.keyboards import MAX_NUMBER, Pressed, decide_keyboard, done_keyboard, parse_button

IDS = st.integers(min_value=0, max_value=MAX_NUMBER)


@settings(deadline=None, max_examples=100)
@given(IDS)
def test_ask_approve_and_decline_buttons_read_back(number: int) -> None:
    t = translator("vi")
    made = {b.text: b.callback_data for keyboard in (done_keyboard(t, number), decide_keyboard(t, number))
            for row in keyboard.inline_keyboard for b in row}
    assert parse_button(made["🕒 Xin gia hạn"]) == Pressed("ext", (number,))
    assert parse_button(made["✔️ Duyệt"]) == Pressed("exa", (number,))
    assert parse_button(made["✖️ Từ chối"]) == Pressed("exd", (number,))


@pytest.mark.parametrize("data", ["exa:", "exa:1:2", "exa:-1", "exa:01", f"exd:{MAX_NUMBER + 1}", "ext:١٢",
                                  "exa:1 ", "exx:1"])
def test_forged_extension_data_is_no_button(data: str) -> None:
    assert parse_button(data) is None
